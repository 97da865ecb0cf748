/** Small calico clusters in YAML for the calico tests. */
import { RACK_1, TWO_NODES_ON_RACK_1 } from '../helpers.js';

export function calicoYaml(cni: string, options: { nodes?: string; pods?: string; subnets?: string; extra?: string } = {}): string {
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: t}
network:
  podCIDR: 10.244.0.0/16
  cni: ${cni}
subnets:
${options.subnets ?? RACK_1}
nodes:
${options.nodes ?? TWO_NODES_ON_RACK_1}
pods:
${
  options.pods ??
  `  - {name: pod-a, node: node-01, labels: {app: web}, containers: [{name: nginx, ports: [{name: http, containerPort: 80}]}]}
  - {name: pod-b, node: node-01, labels: {app: client}}
  - {name: pod-c, node: node-02, labels: {app: client}}`
}
${options.extra ?? ''}`;
}

export const TWO_SUBNETS = `${RACK_1}
  - {name: rack-2, cidr: 10.234.3.0/24, gateway: 10.234.3.254, mtu: 1500}`;
export const THREE_NODES = `${TWO_NODES_ON_RACK_1}
  - {name: node-03, ip: 10.234.3.13, subnet: rack-2}`;
export const THREE_PODS = `  - {name: pod-a, node: node-01, labels: {app: web}}
  - {name: pod-b, node: node-02, labels: {app: client}}
  - {name: pod-c, node: node-03, labels: {app: client}}`;
