/**
 * Diagrams are data first: a graph of boxes (with a kind), groups (a node
 * and what lives in it) and edges (with a label), which the Mermaid and DOT
 * renderers only format. Two graphs are built here: the topology (subnets,
 * router, nodes with their eth0, bridges, tunnels and pods) and a trace (the
 * hops of one walk and the decision taken at each).
 *
 * Devices come from the built namespaces, so the picture shows what the CNI
 * actually created (flannel.1 with vxlan, flannel0 with udp, none with
 * host-gw). Big clusters are capped, with a note.
 */
import type { Dataplane } from '../dataplane/build.js';
import type { Hop, Step, Trace } from '../flow/trace.js';
import type { Link } from '../kernel/link.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';

export type GraphNodeKind = 'router' | 'subnet' | 'nic' | 'bridge' | 'tunnel' | 'pod' | 'service' | 'external' | 'hop' | 'end';

export interface GraphNode {
  readonly id: string;
  /** Lines of the label. */
  readonly label: readonly string[];
  readonly kind: GraphNodeKind;
  /** The group (subgraph) the node is drawn in. */
  readonly group?: string;
  /** For `end` nodes: how the walk ended. */
  readonly ok?: boolean;
}

export interface GraphGroup {
  readonly id: string;
  readonly label: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  /** Tunnels and other logical links are drawn dashed. */
  readonly dashed?: boolean;
}

export interface Graph {
  readonly title: string;
  readonly directed: boolean;
  readonly groups: readonly GraphGroup[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Shown as a comment (sampling of big clusters). */
  readonly note?: string;
}

export const GRAPH_MAX_NODES = 40;
export const GRAPH_MAX_PODS_PER_NODE = 12;
export const GRAPH_MAX_SERVICES = 20;

/**
 * Ids safe in both Mermaid and DOT: letters, digits and underscores, not
 * starting with a digit (DOT), never Mermaid's keyword `end`.
 */
export function graphId(...parts: readonly string[]): string {
  const id = parts.join('__').replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) || id === 'end' ? `_${id}` : id;
}

function addressOf(link: Link): string | undefined {
  const a = link.ipv4.find((x) => x.scope === 'global');
  return a && `${formatIPv4(a.ip)}/${a.len}`;
}

export function topologyGraph(dataplane: Dataplane): Graph {
  const cluster = dataplane.cluster;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const groups: GraphGroup[] = [];
  const router = 'router';
  const routed = cluster.subnets.filter((s) => s.gateway !== undefined);
  if (routed.length > 0) nodes.push({ id: router, label: ['router'], kind: 'router' });
  for (const subnet of cluster.subnets) {
    const id = graphId('subnet', subnet.name);
    nodes.push({ id, label: [subnet.name, formatCidr(subnet.cidr), `mtu ${subnet.mtu}`], kind: 'subnet' });
    if (subnet.gateway !== undefined) edges.push({ from: router, to: id, label: formatIPv4(subnet.gateway) });
  }
  const shown = cluster.nodes.slice(0, GRAPH_MAX_NODES);
  const notes: string[] = [];
  if (cluster.nodes.length > shown.length) notes.push(`${shown.length} of ${cluster.nodes.length} nodes shown`);
  let hiddenPods = 0;
  for (const node of shown) {
    const group = graphId('node', node.name);
    groups.push({ id: group, label: `${node.name} (${formatIPv4(node.ip)})` });
    const ns = dataplane.nodeNetns(node);
    const id = (dev: string): string => graphId(node.name, dev);
    const nic = ns.links.find((l) => l.info.kind === 'ether');
    if (nic) {
      nodes.push({ id: id(nic.name), label: [nic.name, addressOf(nic) ?? ''].filter(Boolean), kind: 'nic', group });
      edges.push({ from: id(nic.name), to: graphId('subnet', node.subnet.name) });
    }
    for (const link of ns.links) {
      if (link.info.kind === 'bridge') {
        nodes.push({
          id: id(link.name),
          label: [link.name, addressOf(link) ?? '', `mtu ${link.mtu}`].filter(Boolean),
          kind: 'bridge',
          group,
        });
        if (nic) edges.push({ from: id(link.name), to: id(nic.name), label: 'routed' });
      } else if (link.info.kind === 'vxlan' || link.info.kind === 'tun' || link.info.kind === 'ipip') {
        const what =
          link.info.kind === 'vxlan'
            ? `vxlan ${link.info.id} udp/${link.info.dstport}`
            : link.info.kind === 'tun'
              ? 'tun (flanneld udp/8285)'
              : 'ipip';
        nodes.push({ id: id(link.name), label: [link.name, what, `mtu ${link.mtu}`], kind: 'tunnel', group });
        if (nic) edges.push({ from: id(link.name), to: id(nic.name), label: 'encap', dashed: true });
      }
    }
    const bridge = ns.links.find((l) => l.info.kind === 'bridge' && l.name === 'cni0') ?? ns.links.find((l) => l.info.kind === 'bridge');
    const pods = node.pods.filter((p) => !p.hostNetwork);
    hiddenPods += Math.max(0, pods.length - GRAPH_MAX_PODS_PER_NODE);
    for (const pod of pods.slice(0, GRAPH_MAX_PODS_PER_NODE)) {
      const podId = graphId('pod', pod.namespace, pod.name);
      nodes.push({ id: podId, label: [pod.namespace === 'default' ? pod.name : pod.key, formatIPv4(pod.ip)], kind: 'pod', group });
      // The host end of the pod's veth, as the CNI named it (vethXXXXXXXX on cni0, caliXXXXXXXXXXX routed).
      const veth = ns.links.find((l) => l.info.kind === 'veth' && l.info.peer.netns === `pod/${pod.key}`);
      if (bridge) edges.push({ from: podId, to: id(bridge.name), ...(veth ? { label: veth.name } : {}) });
      else if (nic) edges.push({ from: podId, to: id(nic.name), label: `${veth ? `${veth.name}, ` : ''}routed` });
    }
  }
  if (hiddenPods > 0) notes.push(`${hiddenPods} pods not shown (at most ${GRAPH_MAX_PODS_PER_NODE} per node)`);
  const shownPods = new Set(nodes.filter((n) => n.kind === 'pod').map((n) => n.id));
  const services = serviceBoxes(dataplane, shownPods);
  nodes.push(...services.nodes);
  edges.push(...services.edges);
  if (services.hidden > 0) notes.push(`${services.hidden} services not shown (at most ${GRAPH_MAX_SERVICES})`);
  return {
    title: cluster.topology.metadata.name,
    directed: false,
    groups,
    nodes,
    edges,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/**
 * Services as boxes (cluster IP and ports, node ports), each linked to the
 * pods behind it (dashed: a virtual address, realised as kube-proxy rules on
 * every node). The API server's own `kubernetes` service has no pods to
 * point at and is left out.
 */
function serviceBoxes(dataplane: Dataplane, shownPods: ReadonlySet<string>): { nodes: GraphNode[]; edges: GraphEdge[]; hidden: number } {
  const cluster = dataplane.cluster as Dataplane['cluster'] & Partial<Pick<Dataplane['cluster'], 'services'>>;
  const all = (cluster.services ?? []).filter((s) => s.builtIn !== 'kubernetes');
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const service of all.slice(0, GRAPH_MAX_SERVICES)) {
    const id = graphId('svc', service.namespace, service.name);
    const ports = service.ports.map(
      (p) => `${p.port}/${p.protocol.toLowerCase()}${p.nodePort !== undefined ? ` nodePort ${p.nodePort}` : ''}`,
    );
    const address = service.headless ? 'headless' : service.clusterIP !== undefined ? formatIPv4(service.clusterIP) : '';
    nodes.push({
      id,
      label: [`svc/${service.namespace === 'default' ? service.name : service.key}`, `${service.type} ${address}`, ...ports],
      kind: 'service',
    });
    const linked = new Set<string>();
    for (const port of service.ports) {
      for (const endpoint of service.endpoints(port)) {
        if (!endpoint.pod || !endpoint.ready) continue;
        const podId = graphId('pod', endpoint.pod.namespace, endpoint.pod.name);
        if (!shownPods.has(podId) || linked.has(podId)) continue;
        linked.add(podId);
        edges.push({ from: id, to: podId, label: String(endpoint.port), dashed: true });
      }
    }
  }
  return { nodes, edges, hidden: Math.max(0, all.length - GRAPH_MAX_SERVICES) };
}

/** The decision taken at a hop, in a few words per line. */
function hopDecisions(hop: Hop): string[] {
  const out: string[] = [];
  for (const step of hop.steps) {
    const text = decision(step);
    if (text !== undefined) out.push(text);
  }
  return out;
}

function decision(step: Step): string | undefined {
  switch (step.kind) {
    case 'route': {
      const r = step.route;
      if (step.decision === 'local') return 'local delivery';
      const dst = r.dst.len === 0 ? 'default' : formatCidr(r.dst);
      return `route ${dst}${r.gateway !== undefined ? ` via ${formatIPv4(r.gateway)}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
    }
    case 'no-route':
      return `no route to ${formatIPv4(step.dst)}`;
    case 'bridge':
      return step.result === 'forward'
        ? `bridge ${step.bridge} → ${step.port}`
        : step.result === 'local'
          ? `bridge ${step.bridge} → host`
          : `bridge ${step.bridge}: flood`;
    case 'forward':
      return `ttl ${step.ttlBefore}→${step.ttlAfter}`;
    case 'encap':
      return `${step.tunnel} encap → ${formatIPv4(step.outer.dst)}:${step.outer.dport ?? 0}`;
    case 'decap':
      return `${step.tunnel} decap (${step.dev})`;
    case 'netfilter':
      return step.verdict === 'ACCEPT' || step.verdict.startsWith('policy ACCEPT') || step.verdict.startsWith('RETURN')
        ? undefined
        : `${step.table} ${step.hook}: ${step.verdict}`;
    case 'switch':
      return `switch → ${step.port}`;
    case 'mtu':
      return step.result === 'ok' ? undefined : `mtu ${step.mtu}: ${step.result === 'too-big' ? 'too big' : 'fragmented'}`;
    case 'userspace':
      return step.process;
    case 'proxy':
      return step.action === 'connect' ? `${step.process} → ${step.peer}` : `${step.process}: ${step.action}`;
    case 'ipvs':
      return step.realServer !== undefined ? `ipvs → ${step.realServer}` : 'ipvs: no destination';
    default:
      return undefined;
  }
}

export function traceGraph(trace: Trace): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  trace.hops.forEach((hop, i) => {
    const id = `hop${i + 1}`;
    nodes.push({ id, label: [`${i + 1}. ${hop.name}`, ...hopDecisions(hop)], kind: 'hop' });
    if (i > 0) {
      const prev = trace.hops[i - 1]!;
      const label = [prev.outDev, hop.inDev].filter((d) => d !== undefined).join(' → ');
      const tunnelled = prev.packet.tunnel !== undefined;
      edges.push({ from: `hop${i}`, to: id, ...(label ? { label } : {}), ...(tunnelled ? { dashed: true } : {}) });
    }
  });
  const ok = trace.disposition === 'DELIVERED';
  nodes.push({ id: 'result', label: [trace.disposition, ...(ok ? [] : [trace.summary])], kind: 'end', ok });
  if (trace.hops.length > 0) edges.push({ from: `hop${trace.hops.length}`, to: 'result' });
  const f = trace.flow;
  return {
    title: `${f.from} (${formatIPv4(f.src)}) → ${f.to} (${formatIPv4(f.dst)}) ${f.protocol}${f.dport !== undefined ? `/${f.dport}` : ''}`,
    directed: true,
    groups: [],
    nodes,
    edges,
  };
}
