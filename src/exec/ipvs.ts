/**
 * `ipvsadm -Ln` and `ipset list [NAME]` / `ipset -L [NAME]`, with the real
 * tools' error for a set that does not exist.
 */
import type { NetNs } from '../kernel/netns.js';
import { renderIpset, renderIpsetList } from '../render/ipset.js';
import { renderIpvsadmList } from '../render/ipvsadm.js';
import { notEmulated } from './not-emulated.js';
import { fail, ok, type ExecContext, type ExecResult } from './types.js';

/** `-L -n`, `-Ln`, `-nL`, `--list --numeric`: list and numeric, nothing else. */
export function runIpvsadm(ns: NetNs, argv: readonly string[], _ctx: ExecContext): ExecResult {
  let list = false;
  let numeric = false;
  for (const word of argv.slice(1)) {
    if (word === '--list') list = true;
    else if (word === '--numeric') numeric = true;
    else if (/^-[LlnN]+$/.test(word)) {
      list ||= /[Ll]/.test(word);
      numeric ||= word.includes('n');
    } else {
      return notEmulated(argv, word.startsWith('-') && word.includes('c') ? 'connection entries come with netlab trace (its ipvs step)' : undefined);
    }
  }
  if (!list || !numeric) return notEmulated(argv, 'only the numeric listing, ipvsadm -Ln');
  return ok(renderIpvsadmList(ns.ipvs));
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
