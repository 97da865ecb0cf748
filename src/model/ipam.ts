/**
 * Address allocation the way the real allocators do it:
 * - node pod ranges: kube-controller-manager's range allocator hands out the
 *   next free /nodeCIDRMaskSize of the cluster CIDR in node order; ranges
 *   already set on nodes (pinned) are marked used first;
 * - pod IPs: host-local on the node's range, gateway .1 on cni0, pods from
 *   .2 upwards in pod order, pinned IPs reserved first, never the broadcast
 *   address.
 */
import { broadcastOf, contains, formatCidr, nth, parseCidr, subnetAt, type Cidr } from '../net/cidr.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { NodeSpec, PodSpec } from '../topology/types.js';

export function allocateNodePodCidrs(
  clusterCidr: Cidr,
  maskSize: number,
  nodes: readonly NodeSpec[],
  diagnostics: Diagnostic[],
): (Cidr | undefined)[] {
  const used = new Set<number>();
  const pinned = nodes.map((n) => (n.podCIDR ? parseCidr(n.podCIDR) : undefined));
  for (const p of pinned) if (p) used.add(p.addr);
  const result: (Cidr | undefined)[] = [];
  let next = 0;
  for (let i = 0; i < nodes.length; i++) {
    const fixed = pinned[i];
    if (fixed) {
      result.push(fixed);
      continue;
    }
    let candidate = subnetAt(clusterCidr, maskSize, next);
    while (candidate && used.has(candidate.addr)) candidate = subnetAt(clusterCidr, maskSize, ++next);
    if (!candidate) {
      diagnostics.push({
        code: 'NL-IPAM-NODE-CIDRS-EXHAUSTED',
        severity: 'error',
        message: `no /${maskSize} left in podCIDR ${formatCidr(clusterCidr)} for node ${nodes[i]!.name}`,
        path: nodes[i]!.source,
        hint: `a /${clusterCidr.len} holds ${2 ** (maskSize - clusterCidr.len)} node ranges of /${maskSize}; widen network.podCIDR or raise network.nodeCIDRMaskSize`,
      });
      result.push(undefined);
      continue;
    }
    used.add(candidate.addr);
    next++;
    result.push(candidate);
  }
  return result;
}

/**
 * The error for a pinned pod IP the IPAM cannot give (host-local here,
 * calico-ipam.ts): `problem` completes "pod IP <ip> ...", `hint` says what
 * the allocator would accept.
 */
export function podIpProblem(pod: PodSpec, problem: string, hint: string): Diagnostic {
  return { code: 'NL-IPAM-POD-IP', severity: 'error', message: `pod IP ${pod.ip} ${problem}`, path: [...pod.source, 'ip'], hint };
}

/**
 * host-local on one node's range. Returns the pod IPs in the order of
 * `pods` (all on that node, hostNetwork ones excluded by the caller).
 */
export function allocatePodIps(range: Cidr, nodeName: string, pods: readonly PodSpec[], diagnostics: Diagnostic[]): (IPv4 | undefined)[] {
  const gateway = nth(range, 1);
  const broadcast = broadcastOf(range);
  const taken = new Set<IPv4>([gateway]);
  const result: (IPv4 | undefined)[] = pods.map(() => undefined);
  pods.forEach((pod, i) => {
    if (pod.ip === undefined) return;
    const ip = parseIPv4(pod.ip);
    if (ip === undefined) return; // malformed: reported by the topology checks
    const problem = !contains(range, ip)
      ? `is outside node ${nodeName}'s pod range ${formatCidr(range)}`
      : ip === range.addr
        ? `is the network address of ${formatCidr(range)}`
        : ip === gateway
          ? `is the cni0 gateway address of node ${nodeName}`
          : ip === broadcast
            ? `is the broadcast address of ${formatCidr(range)}`
            : taken.has(ip)
              ? 'is already used by another pod on this node'
              : undefined;
    if (problem) {
      diagnostics.push(
        podIpProblem(
          pod,
          problem,
          `pick an address from ${formatIPv4(nth(range, 2))} to ${formatIPv4(broadcast - 1)}, or leave ip out to have it allocated`,
        ),
      );
      return;
    }
    taken.add(ip);
    result[i] = ip;
  });
  let cursor = nth(range, 2);
  pods.forEach((pod, i) => {
    if (pod.ip !== undefined) return;
    while (cursor < broadcast && taken.has(cursor)) cursor++;
    if (cursor >= broadcast) {
      diagnostics.push({
        code: 'NL-IPAM-POD-RANGE-FULL',
        severity: 'error',
        message: `node ${nodeName}'s pod range ${formatCidr(range)} is full: no address left for pod ${pod.namespace}/${pod.name}`,
        path: pod.source,
        hint: `a /${range.len} holds ${broadcast - range.addr - 2} pods (.2 to the last address before broadcast); spread pods over more nodes or lower network.nodeCIDRMaskSize`,
      });
      return;
    }
    taken.add(cursor);
    result[i] = cursor++;
  });
  return result;
}
