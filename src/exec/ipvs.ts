/**
 * `ipvsadm -Ln [--stats [--exact]]`, `ipvsadm -Lnc` and `ipset list [NAME]` /
 * `ipset -L [NAME]`, with the real tools' error for a set that does not exist.
 * Connection entries, connection counts and counters come from the flows
 * `--traffic` walked (none without it, as on a node nobody used).
 */
import type { NetNs } from '../kernel/netns.js';
import { renderIpset, renderIpsetList } from '../render/ipset.js';
import { renderIpvsadmConnections, renderIpvsadmList, renderIpvsadmStats } from '../render/ipvsadm.js';
import { notEmulated } from './not-emulated.js';
import { fail, ok, type ExecContext, type ExecResult } from './types.js';

const LONG_OPTIONS: Readonly<Record<string, string>> = {
  '--list': 'L',
  '--numeric': 'n',
  '--connection': 'c',
  '--exact': 'X',
  '--stats': 'stats',
  '--rate': 'rate',
};

/** popt-style: short options bundle (`-Lnc`), long ones stand alone. */
export function runIpvsadm(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  const flags = new Set<string>();
  for (const word of argv.slice(1)) {
    const long = LONG_OPTIONS[word];
    if (long) flags.add(long);
    else if (/^-[LlncX]+$/.test(word)) for (const letter of word.slice(1)) flags.add(letter === 'l' ? 'L' : letter);
    else return notEmulated(argv);
  }
  if (!flags.has('L') || !flags.has('n')) return notEmulated(argv, 'only the numeric listings, ipvsadm -Ln [--stats] and ipvsadm -Lnc');
  if (flags.has('rate'))
    return notEmulated(argv, 'rates come from the kernel estimator averaging over seconds of traffic; --stats shows the counters');
  if (flags.has('c')) return ok(renderIpvsadmConnections(ctx.ipvs?.entries(ns.id) ?? []));
  const activity = ctx.ipvs?.activity(ns.id);
  if (flags.has('stats')) return ok(renderIpvsadmStats(ns.ipvs, activity, flags.has('X')));
  return ok(renderIpvsadmList(ns.ipvs, activity));
}

export function runIpset(ns: NetNs, argv: readonly string[], _ctx: ExecContext): ExecResult {
  const words = argv.slice(1).filter((w) => w !== '-sorted' && w !== '-n' && w !== '-numeric');
  if (words[0] !== 'list' && words[0] !== '-L' && words[0] !== '--list') return notEmulated(argv);
  if (words.length > 2) return notEmulated(argv);
  if (words.length === 1) return ok(renderIpsetList(ns.ipsets?.values() ?? [], ns.netfilter));
  const set = ns.ipsets?.get(words[1]!);
  if (!set) return fail(1, 'ipset v7.17: The set with the given name does not exist');
  return ok(renderIpset(set, ns.netfilter));
}
