/** `netlab validate`'s summary of a cluster: what was declared and what was allocated. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Cluster } from '../model/types.js';
import type { ViewTable } from './table.js';

export interface ClusterSummary {
  readonly name: string;
  readonly cni: string;
  readonly kubeProxy: string;
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly counts: {
    readonly subnets: number;
    readonly nodes: number;
    readonly pods: number;
    readonly services: number;
    readonly networkPolicies: number;
  };
  readonly warnings: readonly Diagnostic[];
}

export function describeCni(cluster: Cluster): string {
  const cni = cluster.topology.network.cni;
  if (cni.plugin === 'flannel') {
    const backend = cni.backend === 'vxlan' && cni.directRouting ? 'vxlan + DirectRouting' : cni.backend;
    return `flannel ${backend}`;
  }
  return `calico ${cni.mode}${cni.crossSubnet ? ' (CrossSubnet)' : ''}`;
}

export function summarize(cluster: Cluster, warnings: readonly Diagnostic[]): ClusterSummary {
  const t = cluster.topology;
  return {
    name: t.metadata.name,
    cni: describeCni(cluster),
    kubeProxy: t.network.kubeProxy.mode,
    podCIDR: formatCidr(cluster.podCIDR),
    serviceCIDR: formatCidr(cluster.serviceCIDR),
    counts: {
      subnets: cluster.subnets.length,
      nodes: cluster.nodes.length,
      pods: cluster.pods.length,
      services: t.services.length,
      networkPolicies: t.networkPolicies.length,
    },
    warnings,
  };
}

export function summaryTable(summary: ClusterSummary): ViewTable {
  const c = summary.counts;
  return {
    title: `cluster ${summary.name}`,
    columns: ['', ''],
    rows: [
      ['CNI', summary.cni],
      ['kube-proxy', summary.kubeProxy],
      ['pod network', summary.podCIDR],
      ['service network', summary.serviceCIDR],
      ['subnets', String(c.subnets)],
      ['nodes', String(c.nodes)],
      ['pods', String(c.pods)],
      ['services', String(c.services)],
      ['network policies', String(c.networkPolicies)],
      ['warnings', String(summary.warnings.length)],
    ],
  };
}

/** Nodes with their allocated ranges; long lists are cut (the count says how many). */
export function nodesTable(cluster: Cluster, limit = 20): ViewTable {
  const rows = cluster.nodes.slice(0, limit).map((n) => [
    n.name,
    n.spec.role,
    formatIPv4(n.ip),
    n.subnet.name,
    // calico IPAM ignores the node's podCIDR: where its pods' addresses come from is its blocks.
    n.calico ? n.calico.blocks.map(formatCidr).join(', ') || '-' : formatCidr(n.podCIDR),
    String(n.pods.length),
  ]);
  const notes = cluster.nodes.length > limit ? [`... and ${cluster.nodes.length - limit} more nodes (-o json lists them all)`] : [];
  const ranges = cluster.topology.network.cni.plugin === 'calico' ? 'IPAM blocks' : 'pod CIDR';
  return { title: 'nodes', columns: ['node', 'role', 'ip', 'subnet', ranges, 'pods'], rows, notes };
}

export function podsTable(cluster: Cluster, limit = 20): ViewTable {
  const rows = cluster.pods
    .slice(0, limit)
    .map((p) => [p.key, p.node.name, formatIPv4(p.ip), p.hostNetwork ? 'host' : (p.hostVeth?.name ?? '')]);
  const notes = cluster.pods.length > limit ? [`... and ${cluster.pods.length - limit} more pods (-o json lists them all)`] : [];
  return { title: 'pods', columns: ['pod', 'node', 'ip', 'host veth'], rows, notes };
}
