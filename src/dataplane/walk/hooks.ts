/**
 * The walk's side of a netfilter hook (NF_HOOK): the hook runs, conntrack
 * and the tables together (../netfilter/hooks.ts), and the walk records
 * each table's verdict as a step, with what Felix's chains decide about
 * NetworkPolicy where they run. A packet the tables drop or reject ends the
 * walk here, with what its sender hears.
 */
import type { NetNs } from '../../kernel/netns.js';
import type { BuiltinChain } from '../../kernel/netfilter/rule.js';
import type { Packet } from '../../flow/packet.js';
import type { SenderNotice } from '../../flow/trace.js';
import { NETFILTER_HOOKS, type HookIfaces } from '../netfilter/hooks.js';
import type { HookResult } from '../netfilter/types.js';
import type { Walk } from './walk.js';

/** Runs a netfilter hook and records its verdicts. */
export function hook(walk: Walk, ns: NetNs, hook: BuiltinChain, p: Packet, ifaces: HookIfaces): HookResult {
  const result = NETFILTER_HOOKS[hook](walk.netfilter, ns, p, ifaces);
  for (const hit of result.hits) {
    // The translating table shows the packet as NAT left it.
    const natted = result.nat !== undefined && hit.nat !== undefined;
    walk.record({
      kind: 'netfilter',
      hook,
      table: hit.table,
      chain: hit.chain,
      ...(hit.index !== undefined ? { ruleIndex: hit.index } : {}),
      verdict: hit.verdict,
      rulesEvaluated: hit.rulesEvaluated,
      ...(natted ? { after: result.nat!.after } : {}),
      ...(hit.nft ? { nft: { baseChain: hit.nft.baseChain, priority: hit.nft.priority, path: hit.nft.path } } : {}),
    });
  }
  // Where calico's Felix decides NetworkPolicy (or, under flannel alone, would have): name the policy and rule.
  // Packets of a known connection are accepted before any policy (ctstate RELATED,ESTABLISHED in cali-fw/tw).
  if ((hook === 'FORWARD' || hook === 'INPUT') && result.ctState === 'NEW') {
    for (const step of walk.session.dataplane.cni.policySteps?.(ns, { hook, ...ifaces }, result.seen) ?? []) walk.record(step);
  }
  return result;
}

/** The tables dropped or rejected the packet: a local sender gets EPERM, a REJECT answers with ICMP port unreachable. */
export function filtered(walk: Walk, ns: NetNs, result: HookResult, local: boolean): undefined {
  const hit = result.hits[result.hits.length - 1];
  const where = hit ? `${hit.table} ${hit.chain}${hit.index !== undefined ? ` rule ${hit.index + 1}` : ''}` : 'netfilter';
  const notice: SenderNotice = local
    ? { kind: 'local-error', errno: 'EPERM' }
    : result.verdict === 'REJECT'
      ? { kind: 'icmp', from: 0, type: 3, code: 3 }
      : { kind: 'none' };
  // When the chains are Felix's NetworkPolicy chains, say which policy decided.
  const policy = walk.current().steps.find((st) => st.kind === 'policy' && st.verdict === 'denied');
  const because = policy?.kind === 'policy' ? `; NetworkPolicy: ${policy.reason}` : '';
  const by = hit?.nft ? 'nftables' : 'iptables';
  return walk.finish(
    'DROPPED_BY_FILTER',
    `${result.verdict === 'REJECT' ? 'rejected' : 'dropped'} by ${by} in ${ns.displayName} (${where})${because}`,
    notice,
    ns.id,
  );
}
