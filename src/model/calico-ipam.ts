/**
 * Calico IPAM (libcalico-go lib/ipam), deterministically:
 *
 * - The pool (network.podCIDR) is cut into blocks of /blockSize. A node
 *   claims a block (gets an affinity to it) when it needs an address and
 *   none of its blocks has one left.
 * - Which block: Calico starts at a pseudo-random block seeded with
 *   fnv32(hostname) (randomBlockGenerator: Go's math/rand fed that seed)
 *   and walks forward, wrapping, to the first unclaimed block. netlab starts
 *   at a mix of fnv32(hostname), mod the number of blocks: the same idea
 *   (each node lands somewhere stable in the pool, independent of the other
 *   nodes), not the same numbers as a real cluster.
 * - Inside a block, addresses are handed out in ordinal order from 0 (the
 *   block's network address is a valid pod address in Calico): the block's
 *   `Unallocated` list starts as 0, 1, 2, ... and autoAssign takes from its
 *   front.
 * - Order of allocation: pinned pod addresses and pinned tunnel addresses
 *   first (their block becomes affine to the node), then every other node's
 *   tunnel address (tunl0 or vxlan.calico, when the pool uses IPIP or VXLAN:
 *   calico-node allocates it at start-up, so it is usually ordinal 0 of the
 *   node's first block), then the pods in topology order. Nodes are
 *   processed in topology order.
 *
 * Not modelled: borrowing an address from another node's block (strict
 * affinity is assumed), releasing addresses, several pools.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { contains, formatCidr, type Cidr } from '../net/cidr.js';
import { parseIPv4, type IPv4 } from '../net/ipv4.js';
import type { NodeSpec, PodSpec } from '../topology/types.js';
import type { CalicoNodeIpam } from './types.js';
import { podIpProblem } from './ipam.js';

export interface CalicoIpamResult {
  /** Per node, by topology index. */
  readonly nodes: readonly CalicoNodeIpam[];
  readonly podIps: ReadonlyMap<PodSpec, IPv4>;
}

/** Go's hash/fnv New32 (FNV-1, 32 bit), which Calico seeds its block search with. */
export function fnv1_32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

/**
 * Calico feeds the hostname hash to Go's math/rand as a seed; netlab mixes
 * it with murmur3's finaliser instead, so that similar names (node-01,
 * node-02) still land far apart in the pool, as they do on a real cluster.
 */
export function scramble(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

class Block {
  private readonly used: Uint8Array;
  private cursor = 0;
  free: number;

  constructor(
    readonly cidr: Cidr,
    readonly owner: number,
  ) {
    const size = 2 ** (32 - cidr.len);
    this.used = new Uint8Array(size);
    this.free = size;
  }

  take(ip: IPv4): boolean {
    const ordinal = ip - this.cidr.addr;
    if (this.used[ordinal]) return false;
    this.used[ordinal] = 1;
    this.free--;
    return true;
  }

  /** autoAssign: the lowest unallocated ordinal. */
  next(): IPv4 | undefined {
    while (this.cursor < this.used.length && this.used[this.cursor]) this.cursor++;
    if (this.cursor >= this.used.length) return undefined;
    this.used[this.cursor] = 1;
    this.free--;
    return (this.cidr.addr + this.cursor++) >>> 0;
  }
}

export function allocateCalicoIpam(
  pool: Cidr,
  blockSize: number,
  nodes: readonly NodeSpec[],
  podsByNode: ReadonlyMap<string, readonly PodSpec[]>,
  tunnel: boolean,
  diagnostics: Diagnostic[],
): CalicoIpamResult {
  const blockCount = 2 ** (blockSize - pool.len);
  const blockBits = 32 - blockSize;
  const claimed = new Map<number, Block>();
  const perNode: Block[][] = nodes.map(() => []);
  const podIps = new Map<PodSpec, IPv4>();
  const tunnelAddresses: (IPv4 | undefined)[] = nodes.map(() => undefined);
  const blockAt = (index: number): Cidr => ({ addr: (pool.addr + index * 2 ** blockBits) >>> 0, len: blockSize });
  const claim = (index: number, node: number): Block => {
    const block = new Block(blockAt(index), node);
    claimed.set(index, block);
    perNode[node]!.push(block);
    return block;
  };
  /** randomBlockGenerator: from the node's seeded start, the first unclaimed block. */
  const claimNext = (node: number): Block | undefined => {
    if (claimed.size >= blockCount) return undefined;
    const start = scramble(fnv1_32(nodes[node]!.name)) % blockCount;
    for (let k = 0; k < blockCount; k++) {
      const index = (start + k) % blockCount;
      if (!claimed.has(index)) return claim(index, node);
    }
    return undefined;
  };
  const assign = (node: number): IPv4 | undefined => {
    for (const block of perNode[node]!) {
      if (block.free === 0) continue;
      const ip = block.next();
      if (ip !== undefined) return ip;
    }
    return claimNext(node)?.next();
  };

  // 1. Pinned addresses (the cni.projectcalico.org/ipAddrs annotation), and
  // pinned tunnel addresses (a mirrored node's IPv4IPIPTunnelAddr annotation).
  nodes.forEach((node, n) => {
    if (!tunnel || node.tunnelAddress === undefined) return;
    const ip = parseIPv4(node.tunnelAddress);
    if (ip === undefined) return; // malformed: reported by the topology checks
    const problem = pinnedProblem(ip, n);
    if (problem) {
      diagnostics.push({
        code: 'NL-IPAM-TUNNEL-ADDRESS',
        severity: 'error',
        message: `tunnel address ${node.tunnelAddress} ${problem}`,
        path: [...node.source, 'tunnelAddress'],
        hint: `leave tunnelAddress out to have calico IPAM allocate it from node ${node.name}'s blocks`,
      });
      return;
    }
    tunnelAddresses[n] = ip;
  });
  nodes.forEach((node, n) => {
    for (const pod of podsByNode.get(node.name) ?? []) {
      if (pod.ip === undefined) continue;
      const ip = parseIPv4(pod.ip);
      if (ip === undefined) continue; // malformed: reported by the topology checks
      const problem = pinnedProblem(ip, n);
      if (problem) {
        diagnostics.push(podIpProblem(pod, problem, `leave ip out to have calico IPAM allocate it from node ${node.name}'s blocks`));
        continue;
      }
      podIps.set(pod, ip);
    }
  });

  function pinnedProblem(ip: IPv4, node: number): string | undefined {
    if (!contains(pool, ip)) return `is outside the calico IP pool ${formatCidr(pool)}`;
    const index = (ip - pool.addr) >>> blockBits;
    let block = claimed.get(index);
    if (block && block.owner !== node) {
      return `is in block ${formatCidr(block.cidr)}, which is affine to node ${nodes[block.owner]!.name} (netlab does not model borrowed addresses)`;
    }
    block ??= claim(index, node);
    return block.take(ip) ? undefined : 'is already used (by a pod or a tunnel address)';
  }

  // 2. Tunnel addresses, as calico-node allocates them at start-up.
  if (tunnel) {
    nodes.forEach((node, n) => {
      if (node.tunnelAddress !== undefined) return; // pinned (or reported)
      const ip = assign(n);
      if (ip === undefined) poolFull(`the tunnel address of node ${nodes[n]!.name}`, nodes[n]!.source);
      tunnelAddresses[n] = ip;
    });
  }

  // 3. Pods, in topology order on each node.
  nodes.forEach((node, n) => {
    for (const pod of podsByNode.get(node.name) ?? []) {
      if (pod.hostNetwork || pod.ip !== undefined) continue;
      const ip = assign(n);
      if (ip === undefined) {
        poolFull(`pod ${pod.namespace}/${pod.name}`, pod.source);
        continue;
      }
      podIps.set(pod, ip);
    }
  });

  function poolFull(what: string, path: readonly (string | number)[]): void {
    diagnostics.push({
      code: 'NL-IPAM-POOL-FULL',
      severity: 'error',
      message: `the calico IP pool ${formatCidr(pool)} has no address left for ${what}: all ${blockCount} /${blockSize} blocks are claimed and full`,
      path: [...path],
      hint: 'widen network.podCIDR, or use smaller blocks (a larger cni.blockSize) so nodes with few pods waste less',
    });
  }

  return {
    nodes: nodes.map((_, n) => ({
      blocks: perNode[n]!.map((b) => b.cidr),
      ...(tunnelAddresses[n] !== undefined ? { tunnelAddress: tunnelAddresses[n] } : {}),
    })),
    podIps,
  };
}
