/**
 * What kube-proxy's nftables mode writes for one service port on one node:
 * the body of syncProxyRules' per-service loop (pkg/proxy/nftables/
 * proxier.go, v1.33) on a full sync, as structured state. The elements it
 * adds to the shared sets and maps, the affinity sets, and its own chains
 * in the order it creates them (ensureChain), each with its rules in the
 * order they are added.
 *
 * A service port whose state cannot differ between nodes (no Local traffic
 * policy, no firewall chain, whose content depends on the node's address)
 * is built once per cluster and shared by every node (see program.ts).
 */
import { contains } from '../../net/cidr.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { NftChain, NftElement, NftRule, NftSet, NftStatement, NftValue, NftVerdict } from '../../kernel/nftables.js';
import { categorizeEndpoints } from '../iptables/categorize.js';
import type { EndpointInfo, ServicePortInfo } from '../iptables/service-ports.js';
import type { NodeView } from '../iptables/service-rules.js';
import type { KubeProxyNftablesConfig } from './config.js';
import {
  endpointNames,
  MARK_FOR_MASQUERADE,
  REJECT_CHAIN,
  servicePortChainNames,
  type EndpointNames,
  type ServicePortChainNames,
  type ServicePortNameParts,
} from './names.js';
import {
  addr,
  DROP,
  dportMatch,
  element,
  FIB_SADDR_LOCAL,
  gotoChain,
  IP_SADDR,
  ipMatch,
  jumpTo,
  l4protoMatch,
  port,
  prefix,
  proto,
  verdictStatement,
  type NftProtocol,
} from './statements.js';

/** One service port's part of the table. */
export interface ServicePortNft {
  readonly clusterIPs: readonly NftElement[];
  readonly serviceIPs: readonly NftElement[];
  readonly noEndpointServices: readonly NftElement[];
  readonly noEndpointNodePorts: readonly NftElement[];
  readonly serviceNodePorts: readonly NftElement[];
  readonly firewallIPs: readonly NftElement[];
  /** affinity-* sets (sessionAffinity ClientIP), one per endpoint this node can reach. */
  readonly affinitySets: readonly NftSet[];
  /** endpoint-*, service-*, local-*, external-* and firewall-* chains, in creation order. */
  readonly chains: readonly NftChain[];
}

const JUMP_MASQ: NftStatement = verdictStatement(jumpTo(MARK_FOR_MASQUERADE));
const GOTO_REJECT: NftVerdict = gotoChain(REJECT_CHAIN);
const NONE: readonly never[] = Object.freeze([]);

/** A service port's chain names, and the `goto` verdicts into them (one object each, shared by every rule and element). */
interface PortNames extends ServicePortChainNames {
  readonly gotoCluster: NftVerdict;
  readonly gotoLocal: NftVerdict;
  readonly gotoExternal: NftVerdict;
  readonly gotoFirewall: NftVerdict;
}

const chainNames = new WeakMap<ServicePortInfo, PortNames>();

/** What kube-proxy's nftables names of a service port are made of. */
function nameParts(info: ServicePortInfo): ServicePortNameParts {
  return { namespace: info.service.namespace, name: info.service.name, port: info.port.name, protocol: info.protocol };
}

export function nftChainNames(info: ServicePortInfo): PortNames {
  let names = chainNames.get(info);
  if (names === undefined) {
    const n = servicePortChainNames(nameParts(info));
    names = {
      ...n,
      gotoCluster: gotoChain(n.cluster),
      gotoLocal: gotoChain(n.local),
      gotoExternal: gotoChain(n.external),
      gotoFirewall: gotoChain(n.firewall),
    };
    chainNames.set(info, names);
  }
  return names;
}

interface EndpointState {
  readonly names: EndpointNames;
  /** `goto endpoint-...`, for the numgen vmap and the affinity rules. */
  readonly gotoChain: NftVerdict;
  /** The endpoint chain: node-independent, so one object for every node. */
  readonly chain: NftChain;
  /** Its affinity set (ClientIP affinity only). */
  readonly affinitySet?: NftSet;
}

const endpointStates = new WeakMap<EndpointInfo, EndpointState>();

function endpointState(info: ServicePortInfo, ep: EndpointInfo): EndpointState {
  let state = endpointStates.get(ep);
  if (state !== undefined) return state;
  const { endpoint } = ep;
  const names = endpointNames(nameParts(info), formatIPv4(endpoint.ip), endpoint.port);
  const rules: NftRule[] = [
    // Traffic that loops back to its sender must be masqueraded, or the reply would bypass the DNAT.
    { statements: [ipMatch('saddr', addr(endpoint.ip)), JUMP_MASQ] },
  ];
  if (info.clientIPAffinity) rules.push({ statements: [{ kind: 'set-update', set: names.affinitySet, selectors: [IP_SADDR] }] });
  rules.push({ statements: [l4protoMatch(info.protocol), { kind: 'dnat', addr: endpoint.ip, port: endpoint.port }] });
  state = {
    names,
    gotoChain: gotoChain(names.chain),
    chain: { name: names.chain, rules },
    ...(info.clientIPAffinity
      ? {
          affinitySet: {
            kind: 'set',
            name: names.affinitySet,
            keyType: ['ipv4_addr'],
            // "dynamic" as well: some kernels add it themselves, and a later add without it would then fail.
            flags: ['dynamic', 'timeout'],
            timeout: info.stickyMaxAgeSeconds,
            elements: NONE,
          } satisfies NftSet,
        }
      : {}),
  };
  endpointStates.set(ep, state);
  return state;
}

export function servicePortNft(info: ServicePortInfo, node: NodeView, config: KubeProxyNftablesConfig): ServicePortNft {
  const protocol: NftProtocol = info.protocol;
  const names = nftChainNames(info);
  const {
    cluster: clusterEndpoints,
    local: localEndpoints,
    allReachable,
    hasAny: hasEndpoints,
    hasInternalEndpoints,
    hasExternalEndpoints,
  } = categorizeEndpoints(info, node.name);
  const protoValue = proto(protocol);
  const servicePort = port(info.port.port);

  // ensureChain order: the endpoint chains, then the policy chains, the external chain, the firewall chain.
  const chains = new Map<string, NftRule[]>();
  const endpointStatesList = allReachable.map((ep) => endpointState(info, ep));
  const ensure = (name: string): NftRule[] => {
    let rules = chains.get(name);
    if (rules === undefined) chains.set(name, (rules = []));
    return rules;
  };
  const endpointChainSlots = new Map<string, EndpointState>();
  for (const state of endpointStatesList) {
    endpointChainSlots.set(state.names.chain, state);
    ensure(state.names.chain);
  }

  const usesClusterPolicyChain = clusterEndpoints.length > 0 && info.usesClusterEndpoints;
  if (usesClusterPolicyChain) ensure(names.cluster);
  const usesLocalPolicyChain = localEndpoints.length > 0 && info.usesLocalEndpoints;
  if (usesLocalPolicyChain) ensure(names.local);

  // The chain internal (cluster IP) traffic goes to, and the one external traffic ends in.
  const internalTrafficChain = info.internalPolicyLocal ? names.local : names.cluster;
  const gotoInternal = info.internalPolicyLocal ? names.gotoLocal : names.gotoCluster;
  const gotoExternalPolicy = info.externalPolicyLocal ? names.gotoLocal : names.gotoCluster;
  const externalTrafficChain = names.external;
  // Even without externally usable endpoints, the short-circuit rules for local traffic are needed.
  const usesExternalTrafficChain = hasEndpoints && info.externallyAccessible;
  if (usesExternalTrafficChain) ensure(externalTrafficChain);

  let internalFilter: NftVerdict | undefined;
  let externalFilter: NftVerdict | undefined;
  if (!hasEndpoints) {
    internalFilter = GOTO_REJECT;
    externalFilter = GOTO_REJECT;
  } else {
    // Local policy without a local endpoint: dropped (not rejected), other nodes may serve it.
    if (!hasInternalEndpoints) internalFilter = DROP;
    if (!hasExternalEndpoints) externalFilter = DROP;
  }

  const clusterIPs: NftElement[] = [];
  const serviceIPs: NftElement[] = [];
  const noEndpointServices: NftElement[] = [];
  const noEndpointNodePorts: NftElement[] = [];
  const serviceNodePorts: NftElement[] = [];
  const firewallIPs: NftElement[] = [];
  const serviceKey = (ip: number): readonly NftValue[] => [addr(ip), protoValue, servicePort];

  // Capture the cluster IP (cluster-ips holds each address once: the service's other ports add nothing).
  if (info.port.index === 0) clusterIPs.push(element([addr(info.clusterIP)]));
  if (hasInternalEndpoints) serviceIPs.push(element(serviceKey(info.clusterIP), gotoInternal));
  else noEndpointServices.push(element(serviceKey(info.clusterIP), internalFilter, info.name));

  // Capture external IPs.
  for (const externalIP of info.externalIPs) {
    if (hasEndpoints) serviceIPs.push(element(serviceKey(externalIP), names.gotoExternal));
    if (!hasExternalEndpoints) noEndpointServices.push(element(serviceKey(externalIP), externalFilter, info.name));
  }

  // loadBalancerSourceRanges: the firewall chain exists whether or not there are endpoints.
  const usesFWChain = info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0;
  if (usesFWChain) ensure(names.firewall);

  // Capture load balancer ingress.
  for (const lbip of info.loadBalancerVIPs) {
    if (hasEndpoints) serviceIPs.push(element(serviceKey(lbip), names.gotoExternal));
    if (usesFWChain) firewallIPs.push(element(serviceKey(lbip), names.gotoFirewall));
  }
  if (!hasExternalEndpoints) {
    for (const lbip of info.loadBalancerVIPs) noEndpointServices.push(element(serviceKey(lbip), externalFilter, info.name));
  }

  // Capture node ports (not subject to loadBalancerSourceRanges).
  if (info.nodePort !== 0) {
    const key = [protoValue, port(info.nodePort)];
    if (hasEndpoints) serviceNodePorts.push(element(key, names.gotoExternal));
    if (!hasExternalEndpoints) noEndpointNodePorts.push(element(key, externalFilter, info.name));
  }

  // Internal traffic: masquerade what does not come from a pod (or everything with --masquerade-all).
  if (hasInternalEndpoints) {
    const head = [ipMatch('daddr', addr(info.clusterIP)), dportMatch(protocol, info.port.port)];
    if (config.masqueradeAll) ensure(internalTrafficChain).push({ statements: [...head, JUMP_MASQ] });
    else if (config.clusterCIDR !== undefined)
      ensure(internalTrafficChain).push({ statements: [...head, ipMatch('saddr', prefix(config.clusterCIDR), true), JUMP_MASQ] });
  }

  // External traffic: node ports, external IPs and load balancer addresses.
  if (usesExternalTrafficChain) {
    const ext = ensure(externalTrafficChain);
    if (!info.externalPolicyLocal) {
      // Endpoints may be on other nodes: masquerade, so replies come back through this node.
      ext.push({ statements: [JUMP_MASQ] });
    } else {
      if (config.clusterCIDR !== undefined) {
        // A pod reaching an external address behaves as if it went out and back in: Cluster policy.
        ext.push({
          statements: [ipMatch('saddr', prefix(config.clusterCIDR)), verdictStatement(names.gotoCluster)],
          comment: 'short-circuit pod traffic',
        });
      }
      // The node itself picks a local source address: masquerade it, and use every endpoint.
      ext.push({ statements: [FIB_SADDR_LOCAL, JUMP_MASQ], comment: 'masquerade local traffic' });
      ext.push({ statements: [FIB_SADDR_LOCAL, verdictStatement(names.gotoCluster)], comment: 'short-circuit local traffic' });
    }
    if (hasExternalEndpoints) ext.push({ statements: [verdictStatement(gotoExternalPolicy)] });
  }

  if (usesFWChain) {
    const sources: NftValue[] = info.loadBalancerSourceRanges.map(prefix);
    // A VIP-like load balancer loops a node's own request back with the VIP as source.
    if (info.loadBalancerSourceRanges.some((range) => contains(range, node.ip)))
      for (const lbip of info.loadBalancerVIPs) sources.push(addr(lbip));
    ensure(names.firewall).push({
      statements: [{ kind: 'match', selector: IP_SADDR, op: '!=', values: sources, anonymousSet: true }, verdictStatement(DROP)],
    });
  }

  const affinitySets: NftSet[] = [];
  if (info.clientIPAffinity) for (const state of endpointStatesList) affinitySets.push(state.affinitySet!);

  if (usesClusterPolicyChain) writeServiceToEndpointRules(ensure(names.cluster), info, clusterEndpoints);
  if (usesLocalPolicyChain) writeServiceToEndpointRules(ensure(names.local), info, localEndpoints);

  const ownChains: NftChain[] = [];
  for (const [name, rules] of chains) {
    const endpoint = endpointChainSlots.get(name);
    ownChains.push(endpoint !== undefined ? endpoint.chain : { name, rules });
  }
  const none = <T>(list: T[]): readonly T[] => (list.length === 0 ? NONE : list);
  return {
    clusterIPs: none(clusterIPs),
    serviceIPs: none(serviceIPs),
    noEndpointServices: none(noEndpointServices),
    noEndpointNodePorts: none(noEndpointNodePorts),
    serviceNodePorts: none(serviceNodePorts),
    firewallIPs: none(firewallIPs),
    affinitySets: none(affinitySets),
    chains: ownChains,
  };
}

/** Affinity first (a client seen recently goes back to its endpoint), then one random pick among all. */
function writeServiceToEndpointRules(rules: NftRule[], info: ServicePortInfo, endpoints: readonly EndpointInfo[]): void {
  const states = endpoints.map((ep) => endpointState(info, ep));
  if (info.clientIPAffinity) {
    for (const state of states) {
      rules.push({
        statements: [{ kind: 'lookup', selectors: [IP_SADDR], set: state.names.affinitySet }, verdictStatement(state.gotoChain)],
      });
    }
  }
  rules.push({
    statements: [{ kind: 'numgen-vmap', mod: states.length, elements: states.map((state, i) => ({ value: i, verdict: state.gotoChain })) }],
  });
}
