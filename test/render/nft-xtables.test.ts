/**
 * The iptables-nft tables in `nft list ruleset`, without root: every chain
 * that holds rules in a golden capture (real iptables-restore 1.8.9 and nft
 * 1.0.6, test/golden/<flannel lab>/<node>/nft_list_ruleset.txt) must list the same
 * rules, byte for byte, in netlab's rendering of the same topology. Table
 * and chain order are not compared here: the capture has the build's
 * creation order, netlab a restore's (docs/commands.md); the real-kernel
 * test (nft-xtables-kernel.test.ts) checks the whole listing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import { toText } from '../../src/render/types.js';
import { buildVariant } from '../../src/whatif/variant.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden');

/** `table/chain` -> the chain's lines (type line and rules), from an nft listing. */
function chainsOf(listing: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  let table = '';
  let chain: string[] | undefined;
  for (const line of listing.split('\n')) {
    const t = /^table ip (\S+) \{$/.exec(line);
    if (t) table = t[1]!;
    const c = /^\tchain (\S+) \{$/.exec(line);
    if (c) chains.set(`${table}/${c[1]}`, (chain = []));
    else if (line === '\t}') chain = undefined;
    else if (chain && line.startsWith('\t\t')) chain.push(line);
  }
  return chains;
}

describe.each(['flannel-vxlan', 'flannel-udp', 'flannel-directrouting', 'flannel-hostgw-2subnets'])('golden %s', (lab) => {
  const file = join(GOLDEN, lab, 'topology.yaml');
  const variant = buildVariant(readFileSync(file, 'utf8'), file, { sets: [], faults: [] });
  const nodes = variant.cluster!.nodes.filter((n) => existsSync(join(GOLDEN, lab, n.name, 'nft_list_ruleset.txt')));
  it.each(nodes.map((n) => ({ name: n.name, node: n })))('$name: every captured chain lists the same rules', ({ name, node }) => {
    const captured = chainsOf(readFileSync(join(GOLDEN, lab, name, 'nft_list_ruleset.txt'), 'utf8'));
    const ours = chainsOf(toText(runEmulated(variant.dataplane!.nodeNetns(node), ['nft', 'list', 'ruleset']).stdout));
    expect(captured.size).toBeGreaterThan(0);
    for (const [key, lines] of captured) expect(ours.get(key), key).toEqual(lines);
    // netlab's extra chains are the empty built-ins a restore creates, nothing with rules.
    for (const [key, lines] of ours)
      if (!captured.has(key))
        expect(
          lines.filter((l) => !l.startsWith('\t\ttype ')),
          key,
        ).toEqual([]);
  });
});
