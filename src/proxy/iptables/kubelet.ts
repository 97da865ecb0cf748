/**
 * The kubelet's own iptables state (pkg/kubelet/kubelet_network_linux.go,
 * v1.28+ after IPTablesOwnershipCleanup), when --make-iptables-util-chains
 * is on (the default): the KUBE-IPTABLES-HINT chain in mangle (which tells
 * other components iptables-nft is in use), its KUBE-KUBELET-CANARY chain in
 * mangle, nat and filter (a flushed table is noticed by its disappearance),
 * and KUBE-FIREWALL with the rule that drops martian packets to 127.0.0.0/8
 * (route_localnet makes them routable), jumped to from the start of INPUT
 * and OUTPUT. The kubelet starts before any pod, so before the CNI daemon
 * and kube-proxy.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { IptRule } from '../../kernel/netfilter/rule.js';
import { LOOPBACK_NET } from '../../net/cidr.js';
import { comment, jump, KUBE_FIREWALL } from './service-rules.js';

export const KUBE_IPTABLES_HINT = 'KUBE-IPTABLES-HINT';
export const KUBE_KUBELET_CANARY = 'KUBE-KUBELET-CANARY';

/** `-m comment --comment "block incoming localnet connections" --dst 127.0.0.0/8 ! --src 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`. */
export const LOCALNET_DROP: IptRule = {
  src: { value: LOOPBACK_NET, negate: true },
  dst: { value: LOOPBACK_NET },
  matches: [
    comment('block incoming localnet connections'),
    { module: 'conntrack', ctstate: ['RELATED', 'ESTABLISHED', 'DNAT'], negate: true },
  ],
  target: { kind: 'DROP' },
};

export const JUMP_KUBE_FIREWALL: IptRule = { matches: [], target: jump(KUBE_FIREWALL) };

/** What `iptables -C` would find: the same rule, argument for argument. */
export function sameRule(a: IptRule, b: IptRule): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** iptables EnsureRule(Prepend): insert at the top unless the rule is already in the chain. */
export function ensureRulePrepended(ns: NetnsBuilder, table: 'filter' | 'nat', chain: string, rule: IptRule): void {
  if ((ns.chainRules(table, chain) ?? []).some((r) => sameRule(r, rule))) return;
  ns.insertRule(table, chain, rule);
}

export function programKubeletIptables(ns: NetnsBuilder): void {
  ns.ensureChain('mangle', KUBE_IPTABLES_HINT);
  ns.ensureChain('filter', KUBE_FIREWALL);
  ensureRulePrepended(ns, 'filter', 'OUTPUT', JUMP_KUBE_FIREWALL);
  ensureRulePrepended(ns, 'filter', 'INPUT', JUMP_KUBE_FIREWALL);
  if (!(ns.chainRules('filter', KUBE_FIREWALL) ?? []).some((r) => sameRule(r, LOCALNET_DROP)))
    ns.appendRule('filter', KUBE_FIREWALL, LOCALNET_DROP);
  // iptables.Monitor creates its canary in each table it watches.
  for (const table of ['mangle', 'nat', 'filter'] as const) ns.ensureChain(table, KUBE_KUBELET_CANARY);
}
