/**
 * nft 1.0.6 listing commands: `nft [-s] list ruleset [FAMILY]`, `list
 * tables`, `list table [FAMILY] NAME`, `list chain|set|map [FAMILY] TABLE
 * NAME`, printed from the netns' nftables state (src/render/nft.ts), with
 * nft's error for a table or object that does not exist: the command
 * echoed and the name underlined, exit 1.
 *
 * `list ruleset` also shows the tables iptables-nft wrote for the netns'
 * iptables rules (src/render/nft-xtables.ts), before kube-proxy's
 * `ip kube-proxy`, with nft's stderr warning for each; the other listings
 * read only the nftables state.
 */
import type { NetNs } from '../kernel/netns.js';
import type { NftElement, NftFamily, NftTable, NftValue } from '../kernel/nftables.js';
import { renderNftChainListing, renderNftRuleset, renderNftSetListing, renderNftTable } from '../render/nft.js';
import { renderXtablesRuleset, xtablesWarnings } from '../render/nft-xtables.js';
import { notEmulated } from './not-emulated.js';
import { fail, ok, result, type ExecContext, type ExecResult } from './types.js';

const FAMILIES: readonly string[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/** `Error: No such file or directory`, the command as nft read it, and a caret line under word `index`. */
function noSuchObject(words: readonly string[], index: number): ExecResult {
  const column = words.slice(0, index).reduce((n, w) => n + w.length + 1, 0);
  return fail(1, 'Error: No such file or directory', words.join(' '), `${' '.repeat(column)}${'^'.repeat(words[index]!.length)}`);
}

export function runNft(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  let words = argv.slice(1);
  // --stateless hides counters (kube-proxy's rules have none) and element expiry.
  let stateless = false;
  while (words[0] === '-s' || words[0] === '--stateless') {
    stateless = true;
    words = words.slice(1);
  }
  if (words[0] !== 'list') return notEmulated(argv, 'only the listing commands: nft list ruleset|tables|table|chain|set|map');
  const tables = (ns.nftables?.tables ?? []).map((t) => withSessionElements(ns, t, ctx, stateless));
  const what = words[1];

  if (what === 'ruleset') {
    if (words.length > 3 || (words.length === 3 && !FAMILIES.includes(words[2]!))) return notEmulated(argv);
    const family = words[2];
    const nft = renderNftRuleset({ tables: family === undefined ? tables : tables.filter((t) => t.family === family) });
    if (family !== undefined && family !== 'ip') return ok(nft);
    return result([...renderXtablesRuleset(ns.netfilter, stateless), ...nft], xtablesWarnings(ns.netfilter), 0);
  }
  if (what === 'tables' && words.length === 2) return ok(tables.map((t) => `table ${t.family} ${t.name}`));

  // [FAMILY] NAME...: the family is optional and defaults to ip.
  const hasFamily = words[2] !== undefined && FAMILIES.includes(words[2]);
  const family = (hasFamily ? words[2] : 'ip') as NftFamily;
  const at = hasFamily ? 3 : 2;
  const findTable = (): NftTable | undefined => tables.find((t) => t.family === family && t.name === words[at]);

  if (what === 'table' && words.length === at + 1) {
    const table = findTable();
    return table ? ok(renderNftTable(table)) : noSuchObject(words, at);
  }
  if ((what === 'chain' || what === 'set' || what === 'map') && words.length === at + 2) {
    const table = findTable();
    if (!table) return noSuchObject(words, at);
    if (what === 'chain') {
      const chain = table.chains.find((c) => c.name === words[at + 1]);
      return chain ? ok(renderNftChainListing(table, chain)) : noSuchObject(words, at + 1);
    }
    const set = table.sets.find((s) => s.kind === what && s.name === words[at + 1]);
    return set ? ok(renderNftSetListing(table, set)) : noSuchObject(words, at + 1);
  }
  return notEmulated(argv);
}

/**
 * A moment after the exchange, as `conntrack -L` shows its timers: an
 * element a flow added has lived one second of its timeout.
 */
const ELEMENT_AGE_SECONDS = 1;

/**
 * The table with the elements the `--traffic` flows added to its dynamic
 * sets (kube-proxy's ClientIP affinity sets), each with its expiry unless
 * `-s`. An element keeps the set's timeout, so nft prints no `timeout` of
 * its own.
 */
function withSessionElements(ns: NetNs, table: NftTable, ctx: ExecContext, stateless: boolean): NftTable {
  const added = ctx.nftSets;
  if (added === undefined) return table;
  let changed = false;
  const sets = table.sets.map((set) => {
    const dynamic = added.elements(ns.id, table, set.name);
    if (dynamic.length === 0) return set;
    changed = true;
    const elements: NftElement[] = dynamic.map((d) => ({
      key: d.key.map((part, i) => keyValue(set.keyType[i] ?? '', part)),
      ...(!stateless && d.timeout !== undefined ? { expires: Math.max(0, d.timeout - ELEMENT_AGE_SECONDS) } : {}),
    }));
    return { ...set, elements: [...set.elements, ...elements] };
  });
  return changed ? { ...table, sets } : table;
}

/** A packet's key part as the set's key type reads it. */
function keyValue(type: string, part: number | string): NftValue {
  if (type === 'ipv4_addr' && typeof part === 'number') return { kind: 'addr', value: part };
  if (type === 'inet_service' && typeof part === 'number') return { kind: 'port', value: part };
  if (type === 'inet_proto' && (part === 'tcp' || part === 'udp' || part === 'sctp' || part === 'icmp'))
    return { kind: 'proto', value: part };
  return typeof part === 'number' ? { kind: 'number', value: part } : { kind: 'symbol', value: part };
}
