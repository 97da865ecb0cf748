/**
 * Who the reachability matrix asks about: pods (each in its own netns) as
 * sources and destinations, nodes as sources. Big clusters are sampled,
 * deterministically and spread over the nodes (round-robin: each node's
 * first pod, then each node's second, ...), with a note saying so: the
 * matrix of 150,000 pods is never computed.
 */
import type { Cluster, Pod } from '../../model/types.js';

export interface MatrixEndpoint {
  /** What resolveTraceEndpoint takes (a pod's namespace/name, a node's name). */
  readonly ref: string;
  /** What a person reads: the pod's name when it is unique, else namespace/name. */
  readonly label: string;
  readonly kind: 'pod' | 'node';
}

export interface MatrixAxes {
  readonly rows: readonly MatrixEndpoint[];
  readonly columns: readonly MatrixEndpoint[];
  /** Set when the pods were sampled. */
  readonly note?: string;
}

export const DEFAULT_MAX_PODS = 24;
export const DEFAULT_MAX_NODES = 16;

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
  const podEndpoints: MatrixEndpoint[] = [...pods.values()].map((p) => ({ ref: p.key, label: keysByName.get(p.name)!.size > 1 ? p.key : p.name, kind: 'pod' }));
  const nodes = baseline.nodes.slice(0, maxNodes).map((n): MatrixEndpoint => ({ ref: n.name, label: n.name, kind: 'node' }));
  const totalPods = baseline.pods.filter((p) => !p.hostNetwork).length;
  const notes: string[] = [];
  if (totalPods > podEndpoints.length) notes.push(`${podEndpoints.length} of ${totalPods.toLocaleString('en-US')} pods, spread over the nodes (--max-pods to change)`);
  if (baseline.nodes.length > nodes.length) notes.push(`${nodes.length} of ${baseline.nodes.length.toLocaleString('en-US')} nodes as sources`);
  return {
    rows: [...podEndpoints, ...nodes],
    columns: podEndpoints,
    ...(notes.length > 0 ? { note: `sampled: ${notes.join('; ')}` } : {}),
  };
}
