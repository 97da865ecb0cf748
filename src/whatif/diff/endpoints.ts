/**
 * Who the reachability matrix asks about: pods (each in its own netns) as
 * sources and destinations, nodes as sources; services as destinations (each
 * service port at its cluster IP, and NodePort service ports at a worker's
 * address), with the client outside the cluster (`external`) as a source
 * when there is a node port to reach. Big clusters are sampled,
 * deterministically and spread over the nodes (round-robin: each node's
 * first pod, then each node's second, ...), with a note saying so: the
 * matrix of 150,000 pods is never computed.
 */
import type { Cluster, Pod } from '../../model/types.js';

/** A service port as a destination, found again by name in each build (its addresses may differ). */
export interface ServiceTarget {
  readonly service: string;
  readonly port: number;
  /** Set for a node port: the node whose address is used. */
  readonly node?: string;
}

export interface MatrixEndpoint {
  /** What resolveTraceEndpoint takes (a pod's namespace/name, a node's name, `external`), or a service target's key. */
  readonly ref: string;
  /** What a person reads: the pod's name when it is unique, else namespace/name. */
  readonly label: string;
  readonly kind: 'pod' | 'node' | 'external' | 'service' | 'nodeport';
  /** Service and node port columns. */
  readonly target?: ServiceTarget;
}

export interface MatrixAxes {
  readonly rows: readonly MatrixEndpoint[];
  readonly columns: readonly MatrixEndpoint[];
  /** Set when the pods were sampled. */
  readonly note?: string;
}

export const DEFAULT_MAX_PODS = 24;
export const DEFAULT_MAX_NODES = 16;
/** Service ports (cluster IP and node port columns together). */
export const DEFAULT_MAX_SERVICE_PORTS = 8;

/** Pods with their own netns, spread over the nodes. */
function samplePods(cluster: Cluster, max: number): Pod[] {
  const perNode = cluster.nodes.map((n) => n.pods.filter((p) => !p.hostNetwork));
  const out: Pod[] = [];
  for (let round = 0; out.length < max; round++) {
    let any = false;
    for (const pods of perNode) {
      const pod = pods[round];
      if (!pod) continue;
      any = true;
      out.push(pod);
      if (out.length === max) break;
    }
    if (!any) break;
  }
  // Matrix order follows the topology, not the sampling rounds.
  const order = new Map(cluster.pods.map((p, i) => [p, i]));
  return out.sort((a, b) => order.get(a)! - order.get(b)!);
}

/**
 * The axes for a baseline and a variant: endpoints are picked from the
 * baseline (falling back to the variant for pods only it has), so both
 * matrices ask the same questions.
 */
export function matrixAxes(baseline: Cluster, variant: Cluster, options: { maxPods?: number; maxNodes?: number } = {}): MatrixAxes {
  const maxPods = options.maxPods ?? DEFAULT_MAX_PODS;
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const pods = new Map<string, Pod>();
  for (const pod of samplePods(baseline, maxPods)) pods.set(pod.key, pod);
  for (const pod of samplePods(variant, maxPods)) if (pods.size < maxPods && !pods.has(pod.key)) pods.set(pod.key, pod);
  // A bare name is enough unless two namespaces use it.
  const keysByName = new Map<string, Set<string>>();
  for (const pod of [...baseline.pods, ...variant.pods]) {
    let keys = keysByName.get(pod.name);
    if (!keys) keysByName.set(pod.name, (keys = new Set()));
    keys.add(pod.key);
  }
  const podEndpoints: MatrixEndpoint[] = [...pods.values()].map((p) => ({
    ref: p.key,
    label: keysByName.get(p.name)!.size > 1 ? p.key : p.name,
    kind: 'pod',
  }));
  const nodes = baseline.nodes.slice(0, maxNodes).map((n): MatrixEndpoint => ({ ref: n.name, label: n.name, kind: 'node' }));
  const totalPods = baseline.pods.filter((p) => !p.hostNetwork).length;
  const notes: string[] = [];
  if (totalPods > podEndpoints.length)
    notes.push(`${podEndpoints.length} of ${totalPods.toLocaleString('en-US')} pods, spread over the nodes (--max-pods to change)`);
  if (baseline.nodes.length > nodes.length)
    notes.push(`${nodes.length} of ${baseline.nodes.length.toLocaleString('en-US')} nodes as sources`);
  const services = serviceColumns(baseline, DEFAULT_MAX_SERVICE_PORTS);
  if (services.total > services.columns.length)
    notes.push(`${services.columns.length} of ${services.total.toLocaleString('en-US')} service ports`);
  const external: MatrixEndpoint[] = services.columns.some((c) => c.kind === 'nodeport')
    ? [{ ref: 'external', label: 'external', kind: 'external' }]
    : [];
  return {
    rows: [...podEndpoints, ...nodes, ...external],
    columns: [...podEndpoints, ...services.columns],
    ...(notes.length > 0 ? { note: `sampled: ${notes.join('; ')}` } : {}),
  };
}

/**
 * The services people wrote (not the cluster's own kubernetes and kube-dns),
 * each TCP/UDP port at its cluster IP, and at a node port on the first worker
 * when it has one. Headless services have no virtual IP to probe.
 */
function serviceColumns(cluster: Cluster, max: number): { columns: MatrixEndpoint[]; total: number } {
  const worker = cluster.nodes.find((n) => n.spec.role !== 'control-plane') ?? cluster.nodes[0];
  const all: MatrixEndpoint[] = [];
  for (const service of cluster.services) {
    if (service.builtIn || service.headless || service.clusterIP === undefined) continue;
    const name = service.namespace === 'default' ? service.name : service.key;
    for (const port of service.ports) {
      if (port.protocol === 'SCTP') continue;
      all.push({
        ref: `svc/${service.key}:${port.port}`,
        label: `svc/${name}:${port.port}`,
        kind: 'service',
        target: { service: service.key, port: port.port },
      });
      if (port.nodePort !== undefined && worker) {
        all.push({
          ref: `nodeport/${service.key}:${port.port}@${worker.name}`,
          label: `${worker.name}:${port.nodePort} (svc/${name})`,
          kind: 'nodeport',
          target: { service: service.key, port: port.port, node: worker.name },
        });
      }
    }
  }
  return { columns: all.slice(0, max), total: all.length };
}
