/** `conntrack -L` / `conntrack -L -p PROTO`: the flows `--traffic` walked through this netns. */
import type { NetNs } from '../kernel/netns.js';
import { conntrackSummary, renderConntrackList } from '../render/conntrack.js';
import { notEmulated } from './not-emulated.js';
import { fail, result, type ExecContext, type ExecResult } from './types.js';

export function runConntrack(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  const args = argv.slice(1);
  if (args[0] !== '-L' && args[0] !== '--dump') return notEmulated(argv, 'only conntrack -L [-p tcp|udp|icmp] is emulated');
  let protocol: string | undefined;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '-p' || args[i] === '--proto') protocol = args[++i];
    else return notEmulated(argv, `conntrack option ${args[i]} is not emulated`);
  }
  if (protocol !== undefined && !['tcp', 'udp', 'icmp'].includes(protocol))
    return fail(2, `conntrack v1.4.7 (conntrack-tools): Protocol ${protocol} is not supported`);
  const entries = (ctx.conntrack?.entries(ns.id) ?? []).filter((e) => protocol === undefined || e.original.protocol === protocol);
  return result(renderConntrackList(entries), [conntrackSummary(entries.length)], 0);
}
