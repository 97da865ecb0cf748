/**
 * Service addresses and ports, allocated the way kube-apiserver allocates
 * them, with the randomness replaced by a stable hash so the same topology
 * always gives the same cluster.
 *
 * kube-apiserver's allocators (ipallocator and portallocator, with the
 * static-subrange split GA in 1.26 and 1.29) keep a lower band of the range
 * for addresses people pin, and pick a random free value from the upper band
 * first, scanning forward (wrapping) from the random start; the lower band
 * is used only when the upper one is full. The lower band's size is
 * min(max(16, size/16), 256) addresses for cluster IPs and
 * min(max(16, size/32), 128) ports for node ports.
 *
 * netlab does the same, with the random start taken from FNV-1a 32 of
 * `namespace/name` (cluster IPs, load balancer addresses), of
 * `namespace/name:index` (the node port of the index-th service port) and of
 * `namespace/name#health` (the health check node port), modulo the band
 * size. Pinned values are reserved before anything is allocated, in file
 * order; so are the cluster's own addresses: the first address of the
 * service network for the `kubernetes` service (kube-apiserver) and the 10th
 * for `kube-dns` (kubeadm). As kube-apiserver does, service ports with the
 * same port number (53/UDP and 53/TCP) share one node port.
 *
 * Load balancer addresses: kube-apiserver does not allocate them; a cloud
 * controller (or MetalLB) does. netlab stands in for it with
 * network.loadBalancerPool, skipping node and gateway addresses.
 */
import type { Diagnostic, DocPath } from '../../diagnostics/diagnostic.js';
import { broadcastOf, formatCidr, nth, size, type Cidr } from '../../net/cidr.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../../net/ipv4.js';
import { Code } from '../../topology/codes.js';
import { fnv1a32 } from '../../net/hash.js';
import type { ServiceSpec } from '../../topology/types.js';
import type { BuiltInService } from '../types.js';

export interface ServiceAllocation {
  /** Undefined for a headless service (and when the range is full: reported). */
  readonly clusterIP?: IPv4;
  /** Per port, in port order; undefined for ClusterIP services. */
  readonly nodePorts: readonly (number | undefined)[];
  readonly healthCheckNodePort?: number;
  readonly loadBalancerIP?: IPv4;
}

export interface AllocationInput {
  readonly spec: ServiceSpec;
  readonly builtIn?: BuiltInService;
}

export interface AllocationContext {
  readonly serviceCIDR: Cidr;
  readonly nodePortRange: { readonly min: number; readonly max: number };
  readonly loadBalancerPool: Cidr;
  /** Addresses the load balancer pool must not hand out (nodes, gateways). */
  readonly inUse: ReadonlySet<IPv4>;
}

/**
 * A range of `max` values split at `offset`: values below it are for pinning,
 * dynamic ones come from [offset, max) first (kube-apiserver's
 * randomScanStrategyWithOffset, with a hashed start).
 */
export class OffsetAllocator {
  private readonly taken = new Set<number>();

  constructor(
    readonly max: number,
    readonly offset: number,
  ) {}

  /** Marks a value used; false when it already was. */
  reserve(value: number): boolean {
    if (value < 0 || value >= this.max || this.taken.has(value)) return false;
    this.taken.add(value);
    return true;
  }

  allocate(seed: number): number | undefined {
    if (this.taken.size >= this.max) return undefined;
    const upper = this.max - this.offset;
    if (upper > 0) {
      const start = seed % upper;
      for (let i = 0; i < upper; i++) {
        const at = this.offset + ((start + i) % upper);
        if (!this.taken.has(at)) return this.take(at);
      }
    }
    if (this.offset > 0) {
      const start = seed % this.offset;
      for (let i = 0; i < this.offset; i++) {
        const at = (start + i) % this.offset;
        if (!this.taken.has(at)) return this.take(at);
      }
    }
    return undefined;
  }

  private take(value: number): number {
    this.taken.add(value);
    return value;
  }
}

/** ipallocator's calculateRangeOffset: min(max(16, size/16), 256), 0 for ranges of 16 or fewer. */
export function clusterIPRangeOffset(rangeSize: number): number {
  if (rangeSize <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(rangeSize / 16)), 256);
}

/** portallocator's calculateRangeOffset: min(max(16, size/32), 128), 0 for ranges of 16 or fewer. */
export function nodePortRangeOffset(rangeSize: number): number {
  if (rangeSize <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(rangeSize / 32)), 128);
}

export function allocateServices(
  inputs: readonly AllocationInput[],
  context: AllocationContext,
  diagnostics: Diagnostic[],
): ServiceAllocation[] {
  const clusterIPs = allocateClusterIPs(inputs, context.serviceCIDR, diagnostics);
  const ports = allocateNodePorts(inputs, context.nodePortRange, diagnostics);
  const lbIPs = allocateLoadBalancerIPs(inputs, context, diagnostics);
  return inputs.map((_, i) => ({
    ...(clusterIPs[i] !== undefined ? { clusterIP: clusterIPs[i] } : {}),
    nodePorts: ports.nodePorts[i]!,
    ...(ports.health[i] !== undefined ? { healthCheckNodePort: ports.health[i] } : {}),
    ...(lbIPs[i] !== undefined ? { loadBalancerIP: lbIPs[i] } : {}),
  }));
}

const seedOf = (spec: ServiceSpec, suffix = ''): number => fnv1a32(`${spec.namespace}/${spec.name}${suffix}`);

/** Cluster IPs: index i of the allocator is the address i+1 of the service network (network and broadcast excluded). */
function allocateClusterIPs(inputs: readonly AllocationInput[], serviceCIDR: Cidr, diagnostics: Diagnostic[]): (IPv4 | undefined)[] {
  const usable = Math.max(0, size(serviceCIDR) - 2);
  const allocator = new OffsetAllocator(usable, clusterIPRangeOffset(size(serviceCIDR)));
  const indexOf = (ip: IPv4): number => ip - serviceCIDR.addr - 1;
  const result: (IPv4 | undefined)[] = inputs.map(() => undefined);
  const pending: number[] = [];
  // The cluster's own addresses first: kube-apiserver creates `kubernetes` before anything else.
  const wellKnown = (input: AllocationInput): number | undefined =>
    input.builtIn === 'kubernetes' ? 0 : input.builtIn === 'kube-dns' ? 9 : undefined;
  const order = inputs
    .map((_, i) => i)
    .sort((a, b) => Number(wellKnown(inputs[b]!) !== undefined) - Number(wellKnown(inputs[a]!) !== undefined));
  for (const i of order) {
    const { spec } = inputs[i]!;
    if (spec.clusterIP === 'None') continue;
    if (spec.clusterIP !== undefined) {
      const ip = parseIPv4(spec.clusterIP);
      if (ip === undefined) continue; // reported by the topology checks
      allocator.reserve(indexOf(ip)); // duplicates and out-of-range ones were reported too
      result[i] = ip;
      continue;
    }
    const known = wellKnown(inputs[i]!);
    if (known !== undefined && known < usable && allocator.reserve(known)) {
      result[i] = nth(serviceCIDR, known + 1);
      continue;
    }
    pending.push(i);
  }
  for (const i of pending) {
    const { spec } = inputs[i]!;
    const index = allocator.allocate(seedOf(spec));
    if (index === undefined) {
      diagnostics.push({
        code: Code.ClusterIpExhausted,
        severity: 'error',
        message: `no cluster IP left in ${formatCidr(serviceCIDR)} for service ${spec.namespace}/${spec.name}`,
        path: spec.source,
        hint: `a /${serviceCIDR.len} holds ${usable} cluster IPs; widen network.serviceCIDR (up to a /12)`,
      });
      continue;
    }
    result[i] = nth(serviceCIDR, index + 1);
  }
  return result;
}

function allocateNodePorts(
  inputs: readonly AllocationInput[],
  range: { readonly min: number; readonly max: number },
  diagnostics: Diagnostic[],
): { nodePorts: (number | undefined)[][]; health: (number | undefined)[] } {
  const rangeSize = range.max - range.min + 1;
  const allocator = new OffsetAllocator(rangeSize, nodePortRangeOffset(rangeSize));
  const usesNodePorts = (spec: ServiceSpec): boolean => spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const needsHealthCheck = (spec: ServiceSpec): boolean => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  for (const { spec } of inputs) {
    if (!usesNodePorts(spec)) continue;
    for (const port of spec.ports) if (port.nodePort !== undefined) allocator.reserve(port.nodePort - range.min);
    if (spec.healthCheckNodePort !== undefined && needsHealthCheck(spec)) allocator.reserve(spec.healthCheckNodePort - range.min);
  }
  const exhausted = (spec: ServiceSpec, path: DocPath): void => {
    diagnostics.push({
      code: Code.NodePortExhausted,
      severity: 'error',
      message: `no node port left in ${range.min}-${range.max} for service ${spec.namespace}/${spec.name}`,
      path,
      hint: `the range holds ${rangeSize} ports; widen network.serviceNodePortRange, or use fewer NodePort/LoadBalancer services`,
    });
  };
  const nodePorts: (number | undefined)[][] = [];
  const health: (number | undefined)[] = [];
  for (const { spec } of inputs) {
    if (!usesNodePorts(spec)) {
      nodePorts.push(spec.ports.map(() => undefined));
      health.push(undefined);
      continue;
    }
    // Ports with one port number (53/UDP, 53/TCP) share a node port, a pinned one if any.
    const byPortNumber = new Map<number, number>();
    for (const port of spec.ports)
      if (port.nodePort !== undefined && !byPortNumber.has(port.port)) byPortNumber.set(port.port, port.nodePort);
    const ports = spec.ports.map((port, i): number | undefined => {
      if (port.nodePort !== undefined) return port.nodePort;
      const shared = byPortNumber.get(port.port);
      if (shared !== undefined) return shared;
      const at = allocator.allocate(seedOf(spec, `:${i}`));
      if (at === undefined) {
        exhausted(spec, [...spec.source, 'ports', i]);
        return undefined;
      }
      byPortNumber.set(port.port, range.min + at);
      return range.min + at;
    });
    nodePorts.push(ports);
    if (!needsHealthCheck(spec)) health.push(undefined);
    else if (spec.healthCheckNodePort !== undefined) health.push(spec.healthCheckNodePort);
    else {
      const at = allocator.allocate(seedOf(spec, '#health'));
      if (at === undefined) exhausted(spec, spec.source);
      health.push(at === undefined ? undefined : range.min + at);
    }
  }
  return { nodePorts, health };
}

function allocateLoadBalancerIPs(
  inputs: readonly AllocationInput[],
  context: AllocationContext,
  diagnostics: Diagnostic[],
): (IPv4 | undefined)[] {
  const pool = context.loadBalancerPool;
  // Host addresses only, unless the pool is a /31 or /32.
  const first = pool.len >= 31 ? pool.addr : nth(pool, 1);
  const last = pool.len >= 31 ? broadcastOf(pool) : broadcastOf(pool) - 1;
  const count = Math.max(0, last - first + 1);
  const allocator = new OffsetAllocator(count, 0);
  for (const ip of context.inUse) if (ip >= first && ip <= last) allocator.reserve(ip - first);
  const result: (IPv4 | undefined)[] = inputs.map(() => undefined);
  inputs.forEach(({ spec }, i) => {
    if (spec.type !== 'LoadBalancer' || spec.loadBalancerIP === undefined) return;
    const ip = parseIPv4(spec.loadBalancerIP);
    if (ip === undefined) return;
    if (ip >= first && ip <= last) allocator.reserve(ip - first);
    result[i] = ip;
  });
  inputs.forEach(({ spec }, i) => {
    if (spec.type !== 'LoadBalancer' || spec.loadBalancerIP !== undefined) return;
    const at = allocator.allocate(seedOf(spec));
    if (at === undefined) {
      diagnostics.push({
        code: Code.LoadBalancerPoolExhausted,
        severity: 'error',
        message: `no load balancer address left in ${formatCidr(pool)} for service ${spec.namespace}/${spec.name}`,
        path: spec.source,
        hint: `widen network.loadBalancerPool, or pin loadBalancerIP (the pool skips node and gateway addresses such as ${formatIPv4(first)})`,
      });
      return;
    }
    result[i] = first + at;
  });
  return result;
}
