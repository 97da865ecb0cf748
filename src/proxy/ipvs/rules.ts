/**
 * The iptables rules that remain in ipvs mode (Kubernetes v1.33,
 * pkg/proxy/ipvs/proxier.go writeIptablesRules and acceptIPVSTraffic): a
 * handful of rules matching kube-proxy's ipsets instead of one chain per
 * service. A rule on a set is written only when the set has members, as
 * kube-proxy does.
 */
import type { Cidr } from '../../net/cidr.js';
import type { IptRule, Match, Target } from '../../kernel/netfilter/rule.js';
import { LOOPBACK_NET } from '../../net/cidr.js';
import { comment, jump } from '../iptables/service-rules.js';
import * as S from './ipsets.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_NODE_PORT = 'KUBE-NODE-PORT';
export const KUBE_LOAD_BALANCER = 'KUBE-LOAD-BALANCER';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_SOURCE_RANGES_FIREWALL = 'KUBE-SOURCE-RANGES-FIREWALL';
export const KUBE_IPVS_FILTER = 'KUBE-IPVS-FILTER';
export const KUBE_IPVS_OUT_FILTER = 'KUBE-IPVS-OUT-FILTER';

/** iptablesChains: created in this order (`:CHAIN - [0:0]`). */
export const IPVS_CHAINS: readonly { readonly table: 'nat' | 'filter'; readonly chain: string }[] = [
  { table: 'nat', chain: KUBE_SERVICES },
  { table: 'nat', chain: KUBE_POSTROUTING },
  { table: 'nat', chain: KUBE_NODE_PORT },
  { table: 'nat', chain: KUBE_LOAD_BALANCER },
  { table: 'nat', chain: KUBE_MARK_MASQ },
  { table: 'filter', chain: KUBE_FORWARD },
  { table: 'filter', chain: KUBE_NODE_PORT },
  { table: 'filter', chain: KUBE_PROXY_FIREWALL },
  { table: 'filter', chain: KUBE_SOURCE_RANGES_FIREWALL },
  { table: 'filter', chain: KUBE_IPVS_FILTER },
  { table: 'filter', chain: KUBE_IPVS_OUT_FILTER },
];

/** iptablesJumpChain, each EnsureRule(Prepend)'d in this order (so the last of a chain ends up first). */
export const IPVS_JUMPS: readonly {
  readonly table: 'nat' | 'filter';
  readonly from: string;
  readonly to: string;
  readonly comment: string;
}[] = [
  { table: 'nat', from: 'OUTPUT', to: KUBE_SERVICES, comment: 'kubernetes service portals' },
  { table: 'nat', from: 'PREROUTING', to: KUBE_SERVICES, comment: 'kubernetes service portals' },
  { table: 'nat', from: 'POSTROUTING', to: KUBE_POSTROUTING, comment: 'kubernetes postrouting rules' },
  { table: 'filter', from: 'FORWARD', to: KUBE_FORWARD, comment: 'kubernetes forwarding rules' },
  { table: 'filter', from: 'INPUT', to: KUBE_NODE_PORT, comment: 'kubernetes health check rules' },
  { table: 'filter', from: 'INPUT', to: KUBE_PROXY_FIREWALL, comment: 'kube-proxy firewall rules' },
  { table: 'filter', from: 'FORWARD', to: KUBE_PROXY_FIREWALL, comment: 'kube-proxy firewall rules' },
  { table: 'filter', from: 'INPUT', to: KUBE_IPVS_FILTER, comment: 'kubernetes ipvs access filter' },
  { table: 'filter', from: 'OUTPUT', to: KUBE_IPVS_OUT_FILTER, comment: 'kubernetes ipvs access filter' },
];

export interface IpvsRulesConfig {
  readonly masqueradeMark: number;
  readonly masqueradeAll: boolean;
  /** The local traffic detector (ClusterCIDR); absent: not implemented. */
  readonly clusterCIDR?: Cidr;
  readonly randomFully: boolean;
}

type Flags = readonly ('src' | 'dst')[];
const set = (name: string, flags: Flags): Match => ({ module: 'set', name, flags });
const setWithComment = (name: string, flags: Flags): Match[] => [comment(S.SET_INFO.get(name)!.comment), set(name, flags)];
const DST = ['dst'] as const;
const DST_DST = ['dst', 'dst'] as const;
const DST_DST_SRC = ['dst', 'dst', 'src'] as const;

/** ipsetWithIptablesChain: the rules that only test a set and jump. */
const SET_JUMPS: readonly { name: string; table: 'nat' | 'filter'; from: string; to: Target; flags: Flags; protocol?: string }[] = [
  { name: S.KUBE_LOOP_BACK, table: 'nat', from: KUBE_POSTROUTING, to: { kind: 'MASQUERADE' }, flags: DST_DST_SRC },
  { name: S.KUBE_LOAD_BALANCER, table: 'nat', from: KUBE_SERVICES, to: jump(KUBE_LOAD_BALANCER), flags: DST_DST },
  { name: S.KUBE_LOAD_BALANCER_LOCAL, table: 'nat', from: KUBE_LOAD_BALANCER, to: { kind: 'RETURN' }, flags: DST_DST },
  { name: S.KUBE_NODE_PORT_LOCAL_TCP, table: 'nat', from: KUBE_NODE_PORT, to: { kind: 'RETURN' }, flags: DST, protocol: 'tcp' },
  { name: S.KUBE_NODE_PORT_TCP, table: 'nat', from: KUBE_NODE_PORT, to: jump(KUBE_MARK_MASQ), flags: DST, protocol: 'tcp' },
  { name: S.KUBE_NODE_PORT_LOCAL_UDP, table: 'nat', from: KUBE_NODE_PORT, to: { kind: 'RETURN' }, flags: DST, protocol: 'udp' },
  { name: S.KUBE_NODE_PORT_UDP, table: 'nat', from: KUBE_NODE_PORT, to: jump(KUBE_MARK_MASQ), flags: DST, protocol: 'udp' },
  { name: S.KUBE_NODE_PORT_LOCAL_SCTP, table: 'nat', from: KUBE_NODE_PORT, to: { kind: 'RETURN' }, flags: DST_DST, protocol: 'sctp' },
  { name: S.KUBE_NODE_PORT_SCTP, table: 'nat', from: KUBE_NODE_PORT, to: jump(KUBE_MARK_MASQ), flags: DST_DST, protocol: 'sctp' },
  { name: S.KUBE_LOAD_BALANCER_FW, table: 'filter', from: KUBE_PROXY_FIREWALL, to: jump(KUBE_SOURCE_RANGES_FIREWALL), flags: DST_DST },
  {
    name: S.KUBE_LOAD_BALANCER_SOURCE_CIDR,
    table: 'filter',
    from: KUBE_SOURCE_RANGES_FIREWALL,
    to: { kind: 'RETURN' },
    flags: DST_DST_SRC,
  },
  { name: S.KUBE_LOAD_BALANCER_SOURCE_IP, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: { kind: 'RETURN' }, flags: DST_DST_SRC },
];

export interface IpvsRules {
  /** Chain name to rules, per table, for every chain of IPVS_CHAINS. */
  readonly nat: Map<string, IptRule[]>;
  readonly filter: Map<string, IptRule[]>;
}

export function ipvsIptablesRules(entries: S.SetEntries, config: IpvsRulesConfig): IpvsRules {
  const nat = new Map<string, IptRule[]>();
  const filter = new Map<string, IptRule[]>();
  for (const { table, chain } of IPVS_CHAINS) (table === 'nat' ? nat : filter).set(chain, []);
  const natRule = (chain: string, rule: IptRule): void => void nat.get(chain)!.push(rule);
  const filterRule = (chain: string, rule: IptRule): void => void filter.get(chain)!.push(rule);

  // Connections from localhost are left alone early.
  natRule(KUBE_SERVICES, { src: { value: LOOPBACK_NET }, matches: [], target: { kind: 'RETURN' } });
  for (const j of SET_JUMPS) {
    if (entries.isEmpty(j.name)) continue;
    const rule: IptRule = {
      ...(j.protocol ? { protocol: { value: j.protocol } } : {}),
      matches: setWithComment(j.name, j.flags),
      target: j.to,
    };
    if (j.table === 'nat') natRule(j.from, rule);
    else filterRule(j.from, rule);
  }
  if (!entries.isEmpty(S.KUBE_CLUSTER_IP)) {
    if (config.masqueradeAll) natRule(KUBE_SERVICES, { matches: setWithComment(S.KUBE_CLUSTER_IP, DST_DST), target: jump(KUBE_MARK_MASQ) });
    // Off-cluster traffic to a cluster IP may bounce to another node: masquerade it.
    else if (config.clusterCIDR)
      natRule(KUBE_SERVICES, {
        src: { value: config.clusterCIDR, negate: true },
        matches: setWithComment(S.KUBE_CLUSTER_IP, DST_DST),
        target: jump(KUBE_MARK_MASQ),
      });
    // No detector: the node's own connections from a VIP source (kube-ipvs0 holds them all).
    else natRule(KUBE_SERVICES, { matches: setWithComment(S.KUBE_CLUSTER_IP, ['src', 'dst']), target: jump(KUBE_MARK_MASQ) });
  }
  const externalIPRules = (name: string): void => {
    const base = setWithComment(name, DST_DST);
    // "All traffic from off-machine": not from a bridge port, not from a local address.
    natRule(KUBE_SERVICES, {
      matches: [...base, { module: 'physdev', isIn: false }, { module: 'addrtype', srcType: { value: 'LOCAL', negate: true } }],
      target: { kind: 'ACCEPT' },
    });
    natRule(KUBE_SERVICES, { matches: [...base, { module: 'addrtype', dstType: { value: 'LOCAL' } }], target: { kind: 'ACCEPT' } });
  };
  if (!entries.isEmpty(S.KUBE_EXTERNAL_IP)) {
    natRule(KUBE_SERVICES, { matches: setWithComment(S.KUBE_EXTERNAL_IP, DST_DST), target: jump(KUBE_MARK_MASQ) });
    externalIPRules(S.KUBE_EXTERNAL_IP);
  }
  if (!entries.isEmpty(S.KUBE_EXTERNAL_IP_LOCAL)) externalIPRules(S.KUBE_EXTERNAL_IP_LOCAL);
  natRule(KUBE_SERVICES, { matches: [{ module: 'addrtype', dstType: { value: 'LOCAL' } }], target: jump(KUBE_NODE_PORT) });
  natRule(KUBE_LOAD_BALANCER, { matches: [], target: jump(KUBE_MARK_MASQ) });
  filterRule(KUBE_SOURCE_RANGES_FIREWALL, { matches: [], target: { kind: 'DROP' } });
  // acceptIPVSTraffic: the rest of the stack must not stop what IPVS will take.
  for (const name of [S.KUBE_CLUSTER_IP, S.KUBE_LOAD_BALANCER]) {
    if (!entries.isEmpty(name)) natRule(KUBE_SERVICES, { matches: [set(name, DST_DST)], target: { kind: 'ACCEPT' } });
  }
  const mark = config.masqueradeMark;
  filterRule(KUBE_FORWARD, {
    matches: [comment('kubernetes forwarding rules'), { module: 'mark', value: mark, mask: mark }],
    target: { kind: 'ACCEPT' },
  });
  filterRule(KUBE_FORWARD, {
    matches: [comment('kubernetes forwarding conntrack rule'), { module: 'conntrack', ctstate: ['RELATED', 'ESTABLISHED'] }],
    target: { kind: 'ACCEPT' },
  });
  filterRule(KUBE_NODE_PORT, { matches: setWithComment(S.KUBE_HEALTH_CHECK_NODE_PORT, DST), target: { kind: 'ACCEPT' } });
  // Ports of the host are not reachable through a service address (kubernetes#72236).
  for (const [name, flags] of [
    [S.KUBE_LOAD_BALANCER, DST_DST],
    [S.KUBE_CLUSTER_IP, DST_DST],
    [S.KUBE_EXTERNAL_IP, DST_DST],
    [S.KUBE_EXTERNAL_IP_LOCAL, DST_DST],
    [S.KUBE_HEALTH_CHECK_NODE_PORT, DST],
  ] as const) {
    filterRule(KUBE_IPVS_FILTER, { matches: [set(name, flags)], target: { kind: 'RETURN' } });
  }
  filterRule(KUBE_IPVS_FILTER, {
    matches: [{ module: 'conntrack', ctstate: ['NEW'] }, set(S.KUBE_IPVS_IPS, DST)],
    target: { kind: 'REJECT', rejectWith: 'icmp-port-unreachable' },
  });
  natRule(KUBE_POSTROUTING, { matches: [{ module: 'mark', value: mark, mask: mark, negate: true }], target: { kind: 'RETURN' } });
  // --xor-mark: clear the mark so a packet going through the stack again is not masqueraded twice.
  natRule(KUBE_POSTROUTING, { matches: [], target: { kind: 'MARK', value: mark, mask: 0 } });
  natRule(KUBE_POSTROUTING, {
    matches: [comment('kubernetes service traffic requiring SNAT')],
    target: config.randomFully ? { kind: 'MASQUERADE', randomFully: true } : { kind: 'MASQUERADE' },
  });
  natRule(KUBE_MARK_MASQ, { matches: [], target: { kind: 'MARK', value: mark, mask: mark } });
  return { nat, filter };
}
