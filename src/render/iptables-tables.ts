/**
 * The shape iptables-nft gives a table when it lists it: every built-in
 * chain present (iptables-nft fakes missing ones with policy ACCEPT),
 * built-ins in hook order, then user chains sorted by name (strcmp, so
 * `KUBE-*` before `cali-*`), and tables in the nf_tables backend's order.
 */
import { BUILTIN_CHAINS, type Chain, type Netfilter, type NetfilterTable, type TableName } from '../kernel/netfilter/rule.js';

/** iptables-nft's table order (enum nft_table_type): mangle, security, raw, filter, nat. */
export const NFT_TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

export function isTableName(name: string): name is TableName {
  return (NFT_TABLE_ORDER as readonly string[]).includes(name);
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The table's chains in listing order; an absent table lists just its built-in chains. */
export function listedChains(table: NetfilterTable | undefined, name: TableName): Chain[] {
  const chains = table?.chains ?? [];
  const builtins = BUILTIN_CHAINS[name].map(
    (builtin): Chain => chains.find((c) => c.name === builtin) ?? { name: builtin, policy: 'ACCEPT', rules: [] },
  );
  const builtinNames = new Set<string>(BUILTIN_CHAINS[name]);
  const user = sortByName(chains.filter((c) => !builtinNames.has(c.name)));
  return [...builtins, ...user];
}

/** Four characters from `at` as one number that sorts as they do (missing characters count as NUL, as in strcmp). */
function pack(text: string, at: number): number {
  return (
    (text.charCodeAt(at) | 0) * 0x1000000 +
    ((text.charCodeAt(at + 1) | 0) << 16) +
    ((text.charCodeAt(at + 2) | 0) << 8) +
    (text.charCodeAt(at + 3) | 0)
  );
}

/**
 * strcmp order of chain names. kube-proxy's 100,000 chains share long
 * prefixes (KUBE-SEP-...), so the first 16 characters are compared as four
 * numbers before the strings are: about twice as fast as comparing strings.
 */
function sortByName(chains: Chain[]): Chain[] {
  const keyed = chains.map((chain) => {
    const n = chain.name;
    return { chain, n, a: pack(n, 0), b: pack(n, 4), c: pack(n, 8), d: pack(n, 12) };
  });
  keyed.sort((x, y) => x.a - y.a || x.b - y.b || x.c - y.c || x.d - y.d || byteCompare(x.n, y.n));
  return keyed.map((k) => k.chain);
}

/** Tables that exist, in the order iptables-save prints them. */
export function existingTables(netfilter: Netfilter): NetfilterTable[] {
  return NFT_TABLE_ORDER.flatMap((name) => netfilter.tables.filter((t) => t.name === name));
}

export function findTable(netfilter: Netfilter, name: TableName): NetfilterTable | undefined {
  return netfilter.tables.find((t) => t.name === name);
}
