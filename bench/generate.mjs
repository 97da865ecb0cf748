// Benchmark clusters, written the compact way: node pools, deployment sets
// and service sets, one deployment of `endpoints` pods behind each service.
function cluster({ name, nodes, nodePattern, services, endpoints, mode = 'iptables' }) {
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: ${name}}
network:
  podCIDR: 10.0.0.0/8
  serviceCIDR: 172.16.0.0/12
  cni: {plugin: flannel, backend: vxlan}
  kubeProxy: {mode: ${mode}}
subnets:
  - {name: dc, cidr: 192.168.0.0/16, gateway: 192.168.255.254, mtu: 1500}
nodePools:
  - {name: workers, count: ${nodes}, namePattern: "${nodePattern}", subnet: dc}
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

// A cluster at Kubernetes' published limits: `nodes` scales everything else
// (30 pods and 2 services per node, as 150,000 pods and 10,000 services at
// 5,000 nodes). Nodes are node-01, node-02, ... so `show routes node-02` works.
export function compactCluster(nodes) {
  return cluster({ name: `bench-${nodes}`, nodes, nodePattern: 'node-{index:02}', services: nodes * 2, endpoints: 15 });
}

// Issue 4: `services` services of `endpoints` pods each, on `nodes` nodes:
// kube-proxy's rules at 10,000 services x 10 endpoints are about 320,000 per node
// (iptables mode; `mode` is network.kubeProxy.mode).
export function servicesCluster(services, endpoints, nodes = 1000, mode = 'iptables') {
  return cluster({ name: `bench-services-${services}x${endpoints}`, nodes, nodePattern: 'node-{index:04}', services, endpoints, mode });
}
