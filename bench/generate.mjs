// A cluster at Kubernetes' published limits, written the compact way: node
// pools, deployment sets and service sets. `nodes` scales everything else
// (30 pods and 2 services per node, as 150,000 pods and 10,000 services at 5,000 nodes).
export function compactCluster(nodes) {
  const deployments = nodes * 2;
  const replicas = 15;
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: bench-${nodes}}
network:
  podCIDR: 10.0.0.0/8
  serviceCIDR: 172.16.0.0/12
  cni: {plugin: flannel, backend: vxlan}
  kubeProxy: {mode: iptables}
subnets:
  - {name: dc, cidr: 192.168.0.0/16, gateway: 192.168.255.254, mtu: 1500}
nodePools:
  - {name: workers, count: ${nodes}, namePattern: "node-{index:02}", subnet: dc}
deploymentSets:
  - namePattern: "app-{index}"
    count: ${deployments}
    replicas: ${replicas}
    labels: {app: "app-{index}"}
    containers: [{name: web, ports: [{containerPort: 8080}]}]
serviceSets:
  - namePattern: "svc-{index}"
    count: ${deployments}
    selector: {app: "app-{index}"}
    ports: [{port: 80, targetPort: 8080}]
`;
}

// Issue 4: `services` services of `endpoints` pods each (a deployment per
// service), on `nodes` nodes: kube-proxy's rules at 10,000 services x 10
// endpoints are about 320,000 per node.
export function servicesCluster(services, endpoints, nodes = 1000) {
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: bench-services-${services}x${endpoints}}
network:
  podCIDR: 10.0.0.0/8
  serviceCIDR: 172.16.0.0/12
  cni: {plugin: flannel, backend: vxlan}
  kubeProxy: {mode: iptables}
subnets:
  - {name: dc, cidr: 192.168.0.0/16, gateway: 192.168.255.254, mtu: 1500}
nodePools:
  - {name: workers, count: ${nodes}, namePattern: "node-{index:04}", subnet: dc}
deploymentSets:
  - namePattern: "app-{index}"
    count: ${services}
    replicas: ${endpoints}
    labels: {app: "app-{index}"}
    containers: [{name: web, ports: [{containerPort: 8080}]}]
serviceSets:
  - namePattern: "svc-{index}"
    count: ${services}
    selector: {app: "app-{index}"}
    ports: [{port: 80, targetPort: 8080}]
`;
}
