/**
 * kube-proxy in userspace mode (Kubernetes v1.25, the last release with
 * it; removed in 1.26) starting on a node. NewProxier runs iptablesInit
 * (its five chains and their jumps, ./rules.ts) and flushes the chains;
 * then each service port gets its proxy socket and its portal rules
 * (mergeService, openPortal). It sets no sysctl: REDIRECT and a DNAT to
 * the node's own address need neither route_localnet nor forwarding.
 *
 * Order on a node: the kubelet's chains first, then the CNI daemon's, then
 * kube-proxy, which prepends the portal jumps (they end up before anything
 * else in nat PREROUTING and OUTPUT, and its INPUT jump before the
 * kubelet's KUBE-FIREWALL) and appends the node port jumps.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { Cluster, Node } from '../../model/types.js';
import { ensureRulePrepended, sameRule } from '../iptables/kubelet.js';
import { userspaceRules, USERSPACE_JUMPS } from './rules.js';
import { userspaceProxier } from './state.js';

export function programKubeProxyUserspace(ns: NetnsBuilder, cluster: Cluster, node: Node): void {
  ns.deferNetfilter((b) => {
    for (const j of USERSPACE_JUMPS) {
      b.ensureChain(j.table, j.to);
      if (j.position === 'prepend') ensureRulePrepended(b, j.table, j.from, j.rule);
      else if (!(b.chainRules(j.table, j.from) ?? []).some((r) => sameRule(r, j.rule))) b.appendRule(j.table, j.from, j.rule);
    }
    const rules = userspaceRules(userspaceProxier(cluster, node));
    for (const [name, list] of rules.nat) b.setSharedChain('nat', { name, rules: list });
    for (const [name, list] of rules.filter) b.setSharedChain('filter', { name, rules: list });
  });
}
