/**
 * The rules kube-proxy writes for one service port on one node: the body
 * of syncProxyRules' per-service loop (pkg/proxy/iptables/proxier.go,
 * v1.33), argument for argument, as structured rules. What iptables-save
 * prints is the renderer's business (src/render/iptables-rule.ts).
 *
 * A service port whose rules cannot differ between nodes (it uses no Local
 * traffic policy and no KUBE-FW chain, whose content depends on the node's
 * address) is generated once per cluster and its rule objects and chain
 * lists are shared by every node (see program.ts).
 */
import { cidr, contains, LOOPBACK_NET, type Cidr } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';
import type { Chain, IptRule, Match, Negatable, Target } from '../../kernel/netfilter/rule.js';
import { categorizeEndpoints } from './categorize.js';
import { NFACCT_LOCALHOST_NODEPORTS, type KubeProxyIptablesConfig } from './config.js';
import { kernelProbability } from './probability.js';
import type { EndpointInfo, IptProtocol, ServicePortInfo } from './service-ports.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

/** What one service port contributes to the shared chains, and the chains it owns. */
export interface ServicePortRules {
  readonly natServices: readonly IptRule[];
  readonly natNodePorts: readonly IptRule[];
  readonly filterServices: readonly IptRule[];
  readonly filterExternalServices: readonly IptRule[];
  readonly filterNodePorts: readonly IptRule[];
  readonly filterFirewall: readonly IptRule[];
  /** KUBE-SVC, KUBE-SVL, KUBE-EXT, KUBE-FW and KUBE-SEP chains, in the order kube-proxy writes them. */
  readonly natChains: readonly Chain[];
}

export interface NodeView {
  readonly name: string;
  /** The node IP kube-proxy was given (--bind-address / the node's InternalIP). */
  readonly ip: IPv4;
}

export function comment(text: string): Match {
  return { module: 'comment', comment: text };
}

export function host(ip: IPv4, negate = false): Negatable<Cidr> {
  return negate ? { value: cidr(ip, 32), negate } : { value: cidr(ip, 32) };
}

export const jump = (chain: string): Target => ({ kind: 'jump', chain });
const ACCEPT: Target = { kind: 'ACCEPT' };
const DROP: Target = { kind: 'DROP' };
/** `-j REJECT` as iptables reads it back: with its default reject-with. */
const REJECT: Target = { kind: 'REJECT', rejectWith: 'icmp-port-unreachable' };

// 10,000 services with 10 endpoints are about 320,000 rules a cluster keeps:
// what can be one shared object is (the rules are never changed in place).
const MASQ_JUMP: Target = jump(KUBE_MARK_MASQ);
const NO_MATCHES: readonly Match[] = Object.freeze([]);
const PROTOCOLS: Readonly<Record<IptProtocol, Negatable<string>>> = {
  tcp: { value: 'tcp' },
  udp: { value: 'udp' },
  sctp: { value: 'sctp' },
};
/** `-m PROTO` without ports, alone in a rule's matches (KUBE-SEP's DNAT rule in large-cluster mode). */
const PROTO_ONLY: Readonly<Record<IptProtocol, readonly Match[]>> = {
  tcp: [{ module: 'tcp' }],
  udp: [{ module: 'udp' }],
  sctp: [{ module: 'sctp' }],
};
const statisticMatches = new Map<number, readonly Match[]>();

/** `-m statistic --mode random --probability 1/n`, as a shared matches list. */
function statistic(n: number): readonly Match[] {
  let matches = statisticMatches.get(n);
  if (matches === undefined)
    statisticMatches.set(n, (matches = [{ module: 'statistic', mode: 'random', probability: kernelProbability(n) }]));
  return matches;
}

/** `-m PROTO -p PROTO [--dport N]`: a protocol and its match (one match, whatever the argument order). */
function protoMatch(protocol: IptProtocol, dport?: number): Match {
  return dport === undefined ? PROTO_ONLY[protocol][0]! : { module: protocol, dport: { value: dport } };
}

export function servicePortRules(
  info: ServicePortInfo,
  node: NodeView,
  config: KubeProxyIptablesConfig,
  largeClusterMode: boolean,
): ServicePortRules {
  const { protocol, chains, name } = info;
  const masqJump = MASQ_JUMP;
  const { cluster, local, allReachable, hasAny, hasInternalEndpoints, hasExternalEndpoints } = categorizeEndpoints(info, node.name);

  const usesClusterPolicyChain = cluster.length > 0 && info.usesClusterEndpoints;
  const usesLocalPolicyChain = local.length > 0 && info.usesLocalEndpoints;

  const internalTrafficChain = info.internalPolicyLocal ? chains.local : chains.cluster;
  const externalPolicyChain = info.externalPolicyLocal ? chains.local : chains.cluster;
  const externalTrafficChain = chains.external;
  // Even without externally usable endpoints, the short-circuit rules for local traffic are needed.
  const usesExternalTrafficChain = hasAny && info.externallyAccessible;

  const usesFWChain = hasAny && info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0;
  const loadBalancerTrafficChain = usesFWChain ? chains.firewall : externalTrafficChain;

  let internalFilter: { target: Target; comment: string } | undefined;
  let externalFilter: { target: Target; comment: string } | undefined;
  if (!hasAny) {
    internalFilter = { target: REJECT, comment: `${name} has no endpoints` };
    externalFilter = internalFilter;
  } else {
    if (!hasInternalEndpoints) internalFilter = { target: DROP, comment: `${name} has no local endpoints` };
    if (!hasExternalEndpoints) externalFilter = { target: DROP, comment: `${name} has no local endpoints` };
  }

  const natServices: IptRule[] = [];
  const natNodePorts: IptRule[] = [];
  const filterServices: IptRule[] = [];
  const filterExternalServices: IptRule[] = [];
  const filterNodePorts: IptRule[] = [];
  const filterFirewall: IptRule[] = [];
  const natChains = new Map<string, IptRule[]>();
  const chain = (chainName: string): IptRule[] => {
    let rules = natChains.get(chainName);
    if (rules === undefined) natChains.set(chainName, (rules = []));
    return rules;
  };
  const proto = PROTOCOLS[protocol];

  // Capture the cluster IP.
  if (hasInternalEndpoints) {
    natServices.push({
      dst: host(info.clusterIP),
      protocol: proto,
      matches: [comment(`${name} cluster IP`), protoMatch(protocol, info.port.port)],
      target: jump(internalTrafficChain),
    });
  } else {
    filterServices.push({
      dst: host(info.clusterIP),
      protocol: proto,
      matches: [comment(internalFilter!.comment), protoMatch(protocol, info.port.port)],
      target: internalFilter!.target,
    });
  }

  // Capture external IPs.
  for (const externalIP of info.externalIPs) {
    if (hasAny) {
      natServices.push({
        dst: host(externalIP),
        protocol: proto,
        matches: [comment(`${name} external IP`), protoMatch(protocol, info.port.port)],
        target: jump(externalTrafficChain),
      });
    }
    if (!hasExternalEndpoints) {
      filterExternalServices.push({
        dst: host(externalIP),
        protocol: proto,
        matches: [comment(externalFilter!.comment), protoMatch(protocol, info.port.port)],
        target: externalFilter!.target,
      });
    }
  }

  // Capture load balancer ingress.
  for (const lbip of info.loadBalancerVIPs) {
    if (hasAny) {
      natServices.push({
        dst: host(lbip),
        protocol: proto,
        matches: [comment(`${name} loadbalancer IP`), protoMatch(protocol, info.port.port)],
        target: jump(loadBalancerTrafficChain),
      });
    }
    if (usesFWChain) {
      filterFirewall.push({
        dst: host(lbip),
        protocol: proto,
        matches: [comment(`${name} traffic not accepted by ${chains.firewall}`), protoMatch(protocol, info.port.port)],
        target: DROP,
      });
    }
  }
  if (!hasExternalEndpoints) {
    for (const lbip of info.loadBalancerVIPs) {
      filterExternalServices.push({
        dst: host(lbip),
        protocol: proto,
        matches: [comment(externalFilter!.comment), protoMatch(protocol, info.port.port)],
        target: externalFilter!.target,
      });
    }
  }

  // Capture node ports.
  if (info.nodePort !== 0) {
    if (hasAny) {
      if (config.localhostNodePorts && config.nfacct) {
        natNodePorts.push({
          dst: { value: LOOPBACK_NET },
          protocol: proto,
          matches: [comment(name), protoMatch(protocol, info.nodePort), { module: 'nfacct', name: NFACCT_LOCALHOST_NODEPORTS }],
          target: jump(externalTrafficChain),
        });
      }
      natNodePorts.push({
        protocol: proto,
        matches: [comment(name), protoMatch(protocol, info.nodePort)],
        target: jump(externalTrafficChain),
      });
    }
    if (!hasExternalEndpoints) {
      filterExternalServices.push({
        protocol: proto,
        matches: [
          comment(externalFilter!.comment),
          { module: 'addrtype', dstType: { value: 'LOCAL' } },
          protoMatch(protocol, info.nodePort),
        ],
        target: externalFilter!.target,
      });
    }
  }

  // Health check node ports: accepted whether or not this node has endpoints.
  if (info.healthCheckNodePort !== 0) {
    filterNodePorts.push({
      protocol: { value: 'tcp' },
      matches: [comment(`${name} health check node port`), protoMatch('tcp', info.healthCheckNodePort)],
      target: ACCEPT,
    });
  }

  // Internal traffic: masquerade what does not come from a pod (or everything with --masquerade-all).
  if (hasInternalEndpoints) {
    const base = { dst: host(info.clusterIP), protocol: proto };
    const matches = [comment(`${name} cluster IP`), protoMatch(protocol, info.port.port)];
    if (config.masqueradeAll) chain(internalTrafficChain).push({ ...base, matches, target: masqJump });
    else if (config.clusterCIDR !== undefined)
      chain(internalTrafficChain).push({ ...base, src: { value: config.clusterCIDR, negate: true }, matches, target: masqJump });
  }

  // External traffic: node ports, external IPs and load balancer addresses.
  if (usesExternalTrafficChain) {
    const ext = chain(externalTrafficChain);
    if (!info.externalPolicyLocal) {
      // Endpoints may be on other nodes: masquerade, so replies come back through this node.
      ext.push({ matches: [comment(`masquerade traffic for ${name} external destinations`)], target: masqJump });
    } else {
      if (config.clusterCIDR !== undefined) {
        // Pods reaching an external address behave as if they went out and back in: Cluster policy.
        ext.push({
          src: { value: config.clusterCIDR },
          matches: [comment(`pod traffic for ${name} external destinations`)],
          target: jump(chains.cluster),
        });
      }
      // The node itself picks a local source address: masquerade it, and use every endpoint.
      ext.push({
        matches: [
          comment(`masquerade LOCAL traffic for ${name} external destinations`),
          { module: 'addrtype', srcType: { value: 'LOCAL' } },
        ],
        target: masqJump,
      });
      ext.push({
        matches: [comment(`route LOCAL traffic for ${name} external destinations`), { module: 'addrtype', srcType: { value: 'LOCAL' } }],
        target: jump(chains.cluster),
      });
    }
    if (hasExternalEndpoints) ext.push({ matches: [], target: jump(externalPolicyChain) });
  }

  // loadBalancerSourceRanges.
  if (usesFWChain) {
    const fw = chain(chains.firewall);
    const lbComment = comment(`${name} loadbalancer IP`);
    let allowFromNode = false;
    for (const range of info.loadBalancerSourceRanges) {
      fw.push({ src: { value: range }, matches: [lbComment], target: jump(externalTrafficChain) });
      if (contains(range, node.ip)) allowFromNode = true;
    }
    // A VIP-like load balancer loops a node's own request back with the VIP as source.
    if (allowFromNode) {
      for (const lbip of info.loadBalancerVIPs) fw.push({ src: host(lbip), matches: [lbComment], target: jump(externalTrafficChain) });
    }
    fw.push({ matches: [comment(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)] });
  }

  if (usesClusterPolicyChain) writeServiceToEndpointRules(chain(chains.cluster), info, cluster, largeClusterMode);
  if (usesLocalPolicyChain) writeServiceToEndpointRules(chain(chains.local), info, local, largeClusterMode);

  const ownChains: Chain[] = [];
  for (const [chainName, rules] of natChains) ownChains.push({ name: chainName, rules });
  // One chain per endpoint this node can reach.
  for (const ep of allReachable) ownChains.push(endpointChainOf(info, ep, largeClusterMode));

  const none = (rules: IptRule[]): readonly IptRule[] => (rules.length === 0 ? NO_RULES : rules);
  return {
    natServices: none(natServices),
    natNodePorts: none(natNodePorts),
    filterServices: none(filterServices),
    filterExternalServices: none(filterExternalServices),
    filterNodePorts: none(filterNodePorts),
    filterFirewall: none(filterFirewall),
    natChains: ownChains,
  };
}

const NO_RULES: readonly IptRule[] = Object.freeze([]);

/** Affinity checks first, then one probabilistic jump per endpoint (the last one always matches). */
function writeServiceToEndpointRules(rules: IptRule[], info: ServicePortInfo, endpoints: readonly EndpointInfo[], large: boolean): void {
  if (info.clientIPAffinity) {
    for (const ep of endpoints) {
      rules.push({
        matches: [
          ...(large ? [] : [comment(`${info.name} -> ${ep.endpoint.key}`)]),
          {
            module: 'recent',
            action: 'rcheck',
            name: ep.chain,
            side: 'source',
            seconds: info.stickyMaxAgeSeconds,
            reap: true,
            mask: '255.255.255.255',
          },
        ],
        target: ep.jump,
      });
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const last = i === n - 1;
    if (large) {
      rules.push({ matches: last ? NO_MATCHES : statistic(n - i), target: ep.jump });
      return;
    }
    const text = comment(`${info.name} -> ${ep.endpoint.key}`);
    rules.push({ matches: last ? [text] : [text, statistic(n - i)[0]!], target: ep.jump });
  });
}

/**
 * KUBE-SEP: masquerade hairpin traffic (an endpoint reaching itself through
 * the service), then DNAT. Node-independent: cached per endpoint.
 */
const sepCache = new WeakMap<EndpointInfo, { large: boolean; chain: Chain }>();

function endpointChainOf(info: ServicePortInfo, ep: EndpointInfo, large: boolean): Chain {
  const cached = sepCache.get(ep);
  if (cached !== undefined && cached.large === large) return cached.chain;
  const dnat: Target = { kind: 'DNAT', to: { ip: ep.endpoint.ip, port: ep.endpoint.port } };
  const protocol = PROTOCOLS[info.protocol];
  let rules: IptRule[];
  if (large && !info.clientIPAffinity) {
    rules = [
      { src: host(ep.endpoint.ip), matches: NO_MATCHES, target: MASQ_JUMP },
      { protocol, matches: PROTO_ONLY[info.protocol], target: dnat },
    ];
  } else {
    const nameComment = large ? [] : [comment(info.name)];
    rules = [
      { src: host(ep.endpoint.ip), matches: nameComment, target: MASQ_JUMP },
      {
        protocol,
        matches: [
          ...nameComment,
          ...(info.clientIPAffinity
            ? [{ module: 'recent', action: 'set', name: ep.chain, side: 'source', mask: '255.255.255.255' } as const]
            : []),
          protoMatch(info.protocol),
        ],
        target: dnat,
      },
    ];
  }
  const chain: Chain = { name: ep.chain, rules };
  sepCache.set(ep, { large, chain });
  return chain;
}
