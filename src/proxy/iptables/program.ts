/**
 * kube-proxy (iptables mode, v1.33) starting on a node, as the state it
 * leaves: its canary chains, the jumps from the built-in chains into its
 * own (prepended, unless already there: EnsureRule), and one
 * `iptables-restore --noflush` of its filter and nat chains, which flushes
 * and refills every chain it names.
 *
 * Order on a real node: the kubelet starts first (KUBE-FIREWALL jumps at the
 * top of INPUT and OUTPUT), then the CNI daemon appends its rules (flannel:
 * FLANNEL-FWD at the end of FORWARD, FLANNEL-POSTRTG at the end of nat
 * POSTROUTING), then kube-proxy prepends its jumps. kube-proxy's jumps
 * therefore come first in FORWARD and POSTROUTING whichever daemon started
 * first (prepend vs append), and before the kubelet's KUBE-FIREWALL jump in
 * INPUT and OUTPUT, which it finds already there:
 *
 *   INPUT:   KUBE-PROXY-FIREWALL, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, KUBE-FIREWALL
 *   FORWARD: KUBE-PROXY-FIREWALL, KUBE-FORWARD, KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, FLANNEL-FWD
 *   OUTPUT:  KUBE-PROXY-FIREWALL, KUBE-SERVICES, KUBE-FIREWALL
 *   nat PREROUTING, OUTPUT: KUBE-SERVICES; nat POSTROUTING: KUBE-POSTROUTING, FLANNEL-POSTRTG
 *
 * The per-service rules of service ports that cannot differ between nodes
 * are built once per cluster and shared (rule objects and whole chains);
 * 10,000 services with 10 endpoints each are about 320,000 rules a node.
 */
import { LOOPBACK_NET } from '../../net/cidr.js';
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { Chain, IptRule, Match } from '../../kernel/netfilter/rule.js';
import type { Cluster, Node } from '../../model/types.js';
import { kubeProxyConfig, NFACCT_CT_INVALID, type KubeProxyIptablesConfig } from './config.js';
import { ensureRulePrepended, JUMP_KUBE_FIREWALL, LOCALNET_DROP } from './kubelet.js';
import {
  comment,
  jump,
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_CANARY,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
  servicePortRules,
  type NodeView,
  type ServicePortRules,
} from './service-rules.js';
import { isNodeSpecific, LARGE_CLUSTER_ENDPOINTS, servicePortMap } from './service-ports.js';

const NEW: Match = { module: 'conntrack', ctstate: ['NEW'] };

interface JumpChain {
  readonly table: 'filter' | 'nat';
  readonly dstChain: string;
  readonly srcChain: string;
  readonly rule: IptRule;
}

function jumpChain(table: 'filter' | 'nat', dstChain: string, srcChain: string, text: string, newOnly: boolean): JumpChain {
  return { table, dstChain, srcChain, rule: { matches: newOnly ? [NEW, comment(text)] : [comment(text)], target: jump(dstChain) } };
}

/** iptablesJumpChains, in kube-proxy's order (each is prepended, so the last of a chain ends up first). */
const JUMP_CHAINS: readonly JumpChain[] = [
  jumpChain('filter', KUBE_EXTERNAL_SERVICES, 'INPUT', 'kubernetes externally-visible service portals', true),
  jumpChain('filter', KUBE_EXTERNAL_SERVICES, 'FORWARD', 'kubernetes externally-visible service portals', true),
  jumpChain('filter', KUBE_NODEPORTS, 'INPUT', 'kubernetes health check service ports', false),
  jumpChain('filter', KUBE_SERVICES, 'FORWARD', 'kubernetes service portals', true),
  jumpChain('filter', KUBE_SERVICES, 'OUTPUT', 'kubernetes service portals', true),
  jumpChain('filter', KUBE_FORWARD, 'FORWARD', 'kubernetes forwarding rules', false),
  jumpChain('filter', KUBE_PROXY_FIREWALL, 'INPUT', 'kubernetes load balancer firewall', true),
  jumpChain('filter', KUBE_PROXY_FIREWALL, 'OUTPUT', 'kubernetes load balancer firewall', true),
  jumpChain('filter', KUBE_PROXY_FIREWALL, 'FORWARD', 'kubernetes load balancer firewall', true),
  jumpChain('nat', KUBE_SERVICES, 'OUTPUT', 'kubernetes service portals', false),
  jumpChain('nat', KUBE_SERVICES, 'PREROUTING', 'kubernetes service portals', false),
  jumpChain('nat', KUBE_POSTROUTING, 'POSTROUTING', 'kubernetes postrouting rules', false),
];

/** kube-proxy's copy of the kubelet's KUBE-FIREWALL jumps (iptablesKubeletJumpChains). */
const KUBELET_JUMP_CHAINS: readonly JumpChain[] = [
  { table: 'filter', dstChain: KUBE_FIREWALL, srcChain: 'INPUT', rule: JUMP_KUBE_FIREWALL },
  { table: 'filter', dstChain: KUBE_FIREWALL, srcChain: 'OUTPUT', rule: JUMP_KUBE_FIREWALL },
];

/** The restore payload: what kube-proxy writes in one iptables-restore, chain by chain. */
export interface KubeProxyRestore {
  readonly filter: ReadonlyMap<string, readonly IptRule[]>;
  /** KUBE-SERVICES, KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ. */
  readonly natBase: ReadonlyMap<string, readonly IptRule[]>;
  /** The per-service nat chains (KUBE-SVC, -SVL, -EXT, -FW, -SEP), as chain objects shared between nodes. */
  readonly serviceChains: readonly Chain[];
}

/** The whole nat table of a restore, chain by chain. */
export function natChains(restore: KubeProxyRestore): Map<string, readonly IptRule[]> {
  const nat = new Map(restore.natBase);
  for (const chain of restore.serviceChains) nat.set(chain.name, chain.rules);
  return nat;
}

interface ClusterShared {
  readonly large: boolean;
  /** Fragments of node-independent service ports, by position in the service port map. */
  readonly fragments: (ServicePortRules | undefined)[];
  readonly fixed: Map<string, FixedRules>;
}

interface FixedRules {
  readonly postrouting: readonly IptRule[];
  readonly markMasq: readonly IptRule[];
  readonly forward: readonly IptRule[];
  readonly nodePortsJump: readonly IptRule[];
}

const sharedCache = new WeakMap<Cluster, ClusterShared>();

function clusterShared(cluster: Cluster): ClusterShared {
  let shared = sharedCache.get(cluster);
  if (shared === undefined) {
    const map = servicePortMap(cluster);
    shared = { large: map.totalEndpoints() > LARGE_CLUSTER_ENDPOINTS, fragments: [], fixed: new Map() };
    sharedCache.set(cluster, shared);
  }
  return shared;
}

/** The rules that do not depend on services: the masquerade machinery, KUBE-FORWARD, the node port jump. */
function fixedRules(config: KubeProxyIptablesConfig): FixedRules {
  const mark = config.masqueradeMark;
  const forward: IptRule[] = [];
  if (!config.conntrackTCPLiberal) {
    // INVALID packets would otherwise reach pods un-NATed and reset connections (kubernetes#74839).
    forward.push({
      matches: [
        { module: 'conntrack', ctstate: ['INVALID'] },
        ...(config.nfacct ? [{ module: 'nfacct', name: NFACCT_CT_INVALID } as const] : []),
      ],
      target: { kind: 'DROP' },
    });
  }
  forward.push({
    matches: [comment('kubernetes forwarding rules'), { module: 'mark', value: mark, mask: mark }],
    target: { kind: 'ACCEPT' },
  });
  forward.push({
    matches: [comment('kubernetes forwarding conntrack rule'), { module: 'conntrack', ctstate: ['RELATED', 'ESTABLISHED'] }],
    target: { kind: 'ACCEPT' },
  });
  // nodePortAddresses unset: every local address; 127.0.0.0/8 only with localhost node ports.
  const nodePortsJump: IptRule = {
    ...(config.localhostNodePorts ? {} : { dst: { value: LOOPBACK_NET, negate: true } }),
    matches: [
      comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
      { module: 'addrtype', dstType: { value: 'LOCAL' } },
    ],
    target: jump(KUBE_NODEPORTS),
  };
  return {
    postrouting: [
      { matches: [{ module: 'mark', value: mark, mask: mark, negate: true }], target: { kind: 'RETURN' } },
      // Clear the mark, so a packet that goes through the stack again is not masqueraded twice.
      { matches: [], target: { kind: 'MARK', value: mark, mask: 0 } },
      {
        matches: [comment('kubernetes service traffic requiring SNAT')],
        target: config.randomFully ? { kind: 'MASQUERADE', randomFully: true } : { kind: 'MASQUERADE' },
      },
    ],
    markMasq: [{ matches: [], target: { kind: 'MARK', value: mark, mask: mark } }],
    forward,
    nodePortsJump: [nodePortsJump],
  };
}

/** What kube-proxy would write in its iptables-restore on `node`. */
export function kubeProxyRestore(
  cluster: Cluster,
  node: NodeView,
  config: KubeProxyIptablesConfig = kubeProxyConfig(cluster),
): KubeProxyRestore {
  const shared = clusterShared(cluster);
  const fixedKey = JSON.stringify(config);
  let fixed = shared.fixed.get(fixedKey);
  if (fixed === undefined) shared.fixed.set(fixedKey, (fixed = fixedRules(config)));
  const defaultConfig = fixedKey === JSON.stringify(kubeProxyConfig(cluster));

  const filterServices: IptRule[] = [];
  const filterExternal: IptRule[] = [];
  const filterNodePorts: IptRule[] = [];
  const filterFirewall: IptRule[] = [];
  const natServices: IptRule[] = [];
  const natNodePorts: IptRule[] = [];
  const serviceChains: Chain[] = [];

  const ports = servicePortMap(cluster).ports;
  ports.forEach((info, i) => {
    let rules: ServicePortRules | undefined;
    const cacheable = defaultConfig && !isNodeSpecific(info);
    if (cacheable) rules = shared.fragments[i];
    if (rules === undefined) {
      rules = servicePortRules(info, node, config, shared.large);
      if (cacheable) shared.fragments[i] = rules;
    }
    push(natServices, rules.natServices);
    push(natNodePorts, rules.natNodePorts);
    push(filterServices, rules.filterServices);
    push(filterExternal, rules.filterExternalServices);
    push(filterNodePorts, rules.filterNodePorts);
    push(filterFirewall, rules.filterFirewall);
    push(serviceChains, rules.natChains);
  });
  push(natServices, fixed.nodePortsJump);

  const filter = new Map<string, readonly IptRule[]>([
    [KUBE_SERVICES, filterServices],
    [KUBE_EXTERNAL_SERVICES, filterExternal],
    [KUBE_FORWARD, fixed.forward],
    [KUBE_NODEPORTS, filterNodePorts],
    [KUBE_PROXY_FIREWALL, filterFirewall],
  ]);
  // Mitigation of route_localnet's martian hole (kubernetes#90259), the kubelet's rule too.
  if (config.localhostNodePorts) filter.set(KUBE_FIREWALL, [LOCALNET_DROP]);
  const natBase = new Map<string, readonly IptRule[]>([
    [KUBE_SERVICES, natServices],
    [KUBE_NODEPORTS, natNodePorts],
    [KUBE_POSTROUTING, fixed.postrouting],
    [KUBE_MARK_MASQ, fixed.markMasq],
  ]);
  return { filter, natBase, serviceChains };
}

/** `push(...big)` overflows the stack at 10,000 services. */
function push<T>(into: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) into.push(items[i]!);
}

/**
 * kube-proxy starting on `node`: canaries, jumps, then its iptables-restore.
 * The rules are built when the node's iptables are first looked at (a
 * command printing routes on a 5,000-node cluster with 10,000 services
 * should not pay for 300,000 rules); kube-proxy starts after the CNI daemon
 * anyway, so running last changes nothing in the result.
 */
export function programKubeProxyIptables(
  ns: NetnsBuilder,
  cluster: Cluster,
  node: Node,
  config: KubeProxyIptablesConfig = kubeProxyConfig(cluster),
): void {
  // Node ports on 127.0.0.1 need martian destinations routed (kube-proxy sets it at start).
  if (config.localhostNodePorts) ns.setSysctl('net.ipv4.conf.all.route_localnet', '1');
  ns.deferNetfilter((builder) => restoreKubeProxy(builder, cluster, node, config));
}

function restoreKubeProxy(ns: NetnsBuilder, cluster: Cluster, node: Node, config: KubeProxyIptablesConfig): void {
  for (const table of ['mangle', 'nat', 'filter'] as const) ns.ensureChain(table, KUBE_PROXY_CANARY);
  for (const j of [...JUMP_CHAINS, ...KUBELET_JUMP_CHAINS]) {
    ns.ensureChain(j.table, j.dstChain);
    ensureRulePrepended(ns, j.table, j.srcChain, j.rule);
  }
  const restore = kubeProxyRestore(cluster, { name: node.name, ip: node.ip }, config);
  // `:CHAIN - [0:0]` plus its `-A` lines in a --noflush restore: each chain's content is replaced.
  for (const [name, rules] of restore.filter) ns.setSharedChain('filter', { name, rules });
  for (const [name, rules] of restore.natBase) ns.setSharedChain('nat', { name, rules });
  for (const chain of restore.serviceChains) ns.setSharedChain('nat', chain);
}
