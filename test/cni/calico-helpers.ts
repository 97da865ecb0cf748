/** Small calico clusters in YAML for the calico tests. */

export function calicoYaml(cni: string, options: { nodes?: string; pods?: string; subnets?: string; extra?: string } = {}): string {
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: t}
network:
  podCIDR: 10.244.0.0/16
  cni: ${cni}
subnets:
${options.subnets ?? '  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}'}
nodes:
${options.nodes ?? `  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}`}
pods:
${options.pods ?? `  - {name: pod-a, node: node-01, labels: {app: web}, containers: [{name: nginx, ports: [{name: http, containerPort: 80}]}]}
  - {name: pod-b, node: node-01, labels: {app: client}}
  - {name: pod-c, node: node-02, labels: {app: client}}`}
${options.extra ?? ''}`;
}

export const TWO_SUBNETS = `  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}
  - {name: rack-2, cidr: 10.234.3.0/24, gateway: 10.234.3.254, mtu: 1500}`;
export const THREE_NODES = `  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}
  - {name: node-03, ip: 10.234.3.13, subnet: rack-2}`;
export const THREE_PODS = `  - {name: pod-a, node: node-01, labels: {app: web}}
  - {name: pod-b, node: node-02, labels: {app: client}}
  - {name: pod-c, node: node-03, labels: {app: client}}`;
