/**
 * Topology services (plus the cluster's own, src/model/services/defaults.ts)
 * -> Service models with their addresses allocated. Endpoints are computed
 * per service on first use, from one selector index shared by the cluster.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { parseCidr, type Cidr } from '../../net/cidr.js';
import { parseIPv4, type IPv4 } from '../../net/ipv4.js';
import { parsePortRange } from '../../topology/normalise/network.js';
import type { ServiceSpec, Topology } from '../../topology/types.js';
import type { BuiltInService, Node, Pod, Service, ServiceAddress, ServiceEndpoint, ServicePortModel } from '../types.js';
import { allocateServices, type AllocationInput, type ServiceAllocation } from './allocate.js';
import { builtInOf, defaultServices } from './defaults.js';
import { apiserverEndpoints, portEndpoints, SelectorIndex, serviceAddresses } from './endpoints.js';

export interface ServicesInput {
  readonly topology: Topology;
  readonly serviceCIDR: Cidr;
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
}

export function buildServices(input: ServicesInput, diagnostics: Diagnostic[]): Service[] {
  const { topology } = input;
  const inputs: AllocationInput[] = [];
  for (const spec of topology.services) {
    const builtIn = builtInOf(spec);
    inputs.push(builtIn !== undefined ? { spec, builtIn } : { spec });
  }
  for (const d of defaultServices(topology)) inputs.push({ spec: d.spec, builtIn: d.builtIn });

  const inUse = new Set<IPv4>();
  for (const node of input.nodes) {
    inUse.add(node.ip);
    if (node.subnet.gateway !== undefined) inUse.add(node.subnet.gateway);
  }
  const allocations = allocateServices(
    inputs,
    {
      serviceCIDR: input.serviceCIDR,
      nodePortRange: parsePortRange(topology.network.serviceNodePortRange),
      loadBalancerPool: parseCidr(topology.network.loadBalancerPool)!,
      inUse,
    },
    diagnostics,
  );

  let index: SelectorIndex | undefined;
  const shared: Shared = { nodes: input.nodes, index: () => (index ??= new SelectorIndex(input.pods)) };
  return inputs.map((entry, i) => new ServiceModel(entry.spec, entry.builtIn, allocations[i]!, shared));
}

interface Shared {
  readonly nodes: readonly Node[];
  index(): SelectorIndex;
}

const NONE: readonly never[] = Object.freeze([]);

function parseAll<T>(texts: readonly string[], parse: (text: string) => T | undefined): readonly T[] {
  if (texts.length === 0) return NONE;
  return texts.map(parse).filter((v): v is T => v !== undefined);
}

/** A class, so 10,000 services share their methods and compute endpoints lazily. */
class ServiceModel implements Service {
  readonly name: string;
  readonly namespace: string;
  readonly key: string;
  readonly type: Service['type'];
  readonly headless: boolean;
  readonly clusterIP?: IPv4;
  readonly ports: readonly ServicePortModel[];
  readonly externalIPs: readonly IPv4[];
  readonly loadBalancerIPs: readonly IPv4[];
  readonly loadBalancerSourceRanges: readonly Cidr[];
  readonly healthCheckNodePort?: number;
  private selected?: readonly Pod[];
  private readonly portCache = new Map<ServicePortModel, readonly ServiceEndpoint[]>();
  private addressCache?: readonly ServiceAddress[];

  constructor(
    readonly spec: ServiceSpec,
    readonly builtIn: BuiltInService | undefined,
    allocation: ServiceAllocation,
    private readonly shared: Shared,
  ) {
    this.name = spec.name;
    this.namespace = spec.namespace;
    this.key = `${spec.namespace}/${spec.name}`;
    this.type = spec.type;
    this.headless = spec.clusterIP === 'None';
    if (allocation.clusterIP !== undefined) this.clusterIP = allocation.clusterIP;
    this.ports = spec.ports.map((p, i) => ({
      index: i,
      name: p.name ?? '',
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort,
      ...(allocation.nodePorts[i] !== undefined ? { nodePort: allocation.nodePorts[i] } : {}),
    }));
    this.externalIPs = parseAll(spec.externalIPs, parseIPv4);
    this.loadBalancerIPs = allocation.loadBalancerIP !== undefined ? [allocation.loadBalancerIP] : NONE;
    this.loadBalancerSourceRanges = spec.type === 'LoadBalancer' ? parseAll(spec.loadBalancerSourceRanges, parseCidr) : NONE;
    if (allocation.healthCheckNodePort !== undefined) this.healthCheckNodePort = allocation.healthCheckNodePort;
  }

  get selector(): Service['selector'] {
    return this.spec.selector;
  }

  get sessionAffinity(): Service['sessionAffinity'] {
    return this.spec.sessionAffinity;
  }

  get sessionAffinityTimeoutSeconds(): number {
    return this.spec.sessionAffinityTimeoutSeconds;
  }

  get externalTrafficPolicy(): Service['externalTrafficPolicy'] {
    return this.spec.externalTrafficPolicy;
  }

  get internalTrafficPolicy(): Service['internalTrafficPolicy'] {
    return this.spec.internalTrafficPolicy;
  }

  private pods(): readonly Pod[] {
    if (this.selected === undefined) {
      this.selected = this.spec.selector === undefined ? NONE : this.shared.index().select(this.namespace, this.spec.selector);
    }
    return this.selected;
  }

  endpoints(port: ServicePortModel): readonly ServiceEndpoint[] {
    let cached = this.portCache.get(port);
    if (cached === undefined) {
      cached =
        this.builtIn === 'kubernetes' && this.spec.selector === undefined
          ? apiserverEndpoints(this.shared.nodes, port)
          : portEndpoints(this.pods(), port);
      this.portCache.set(port, cached);
    }
    return cached;
  }

  addresses(): readonly ServiceAddress[] {
    return (this.addressCache ??= serviceAddresses(this.pods()));
  }
}
