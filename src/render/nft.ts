/**
 * `nft list ruleset` / `list table` / `list chain` / `list set|map` as nft
 * 1.0.6 prints the kernel's nftables state back (checked byte for byte
 * against the real nft in test/render/nft-kernel.test.ts):
 *
 *  - tabs; a table's comment first, then its sets and maps, then its
 *    chains, each in creation order, a blank line between two of them;
 *  - base chains as `type T hook H priority P; policy accept;`, the
 *    priority by name only where nft 1.0.6 has a standard one for that hook
 *    within 10 of it (`dstnat - 10` at prerouting, `-110` at input);
 *  - what was written one way is printed nft's way: `mark and 0x4000 == 0`
 *    as `meta mark & 0x00004000 == 0x00000000`, a one-element anonymous
 *    set as the plain value, a /32 prefix as the address;
 *  - set and map elements sorted as nft sorts them before printing (not in
 *    the kernel's hash order): by the key's bytes read as one little-endian
 *    number, which for a single address is numeric order and for
 *    `addr . proto . port` starts with the port's low byte; plain address
 *    sets two elements a line, ports five, maps and anything with a comment
 *    one, continuation lines indented `\t\t\t     `;
 *  - a set that an `update` statement writes to gets `size 65535` (nft
 *    gives a dynamic set without a size that default when it loads the rule).
 */
import type {
  NftChain,
  NftElement,
  NftKey,
  NftRule,
  NftRuleset,
  NftSelector,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdict,
} from '../kernel/nftables.js';
import { NFT_PRIORITY } from '../kernel/nftables.js';
import { formatCidr } from '../net/cidr.js';
import { IP_PROTOCOL_NUMBERS } from '../net/ip-protocols.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

/** The size nft gives a set written by a dynset (`update`) statement when none was declared. */
const DYNSET_DEFAULT_SIZE = 65535;
const CONTINUATION = '\t\t\t     ';

export function* renderNftRuleset(ruleset: NftRuleset | undefined): Lines {
  for (const table of ruleset?.tables ?? []) yield* renderNftTable(table);
}

export function* renderNftTable(table: NftTable): Lines {
  yield `table ${table.family} ${table.name} {`;
  if (table.comment !== undefined) yield `\tcomment ${quote(table.comment)}`;
  const updated = updatedSets(table);
  let first = true;
  for (const set of table.sets) {
    if (!first) yield '';
    first = false;
    yield* setBlock(set, updated.has(set.name));
  }
  for (const chain of table.chains) {
    if (!first) yield '';
    first = false;
    yield* chainBlock(chain);
  }
  yield '}';
}

/** `nft list chain FAMILY TABLE NAME`: the chain alone inside its table's braces (no table comment). */
export function* renderNftChainListing(table: NftTable, chain: NftChain): Lines {
  yield `table ${table.family} ${table.name} {`;
  yield* chainBlock(chain);
  yield '}';
}

/** `nft list set|map FAMILY TABLE NAME`. */
export function* renderNftSetListing(table: NftTable, set: NftSet): Lines {
  yield `table ${table.family} ${table.name} {`;
  yield* setBlock(set, updatedSets(table).has(set.name));
  yield '}';
}

/** The sets some rule's `update @set { ... }` writes to. */
function updatedSets(table: NftTable): Set<string> {
  const out = new Set<string>();
  for (const chain of table.chains)
    for (const rule of chain.rules) for (const s of rule.statements) if (s.kind === 'set-update') out.add(s.set);
  return out;
}

function* setBlock(set: NftSet, updatedByRule: boolean): Lines {
  yield `\t${set.kind} ${set.name} {`;
  yield `\t\ttype ${set.keyType.join(' . ')}${set.kind === 'map' ? ` : ${set.dataType ?? 'verdict'}` : ''}`;
  const flags = set.flags ?? [];
  if (updatedByRule && flags.includes('dynamic')) yield `\t\tsize ${DYNSET_DEFAULT_SIZE}`;
  // nft prints the flags in its own order, not as written.
  const printed = (['constant', 'dynamic', 'interval', 'timeout'] as const).filter((f) => flags.includes(f));
  if (printed.length > 0) yield `\t\tflags ${printed.join(',')}`;
  if (set.timeout !== undefined) yield `\t\ttimeout ${nftTime(set.timeout)}`;
  if (set.comment !== undefined) yield `\t\tcomment ${quote(set.comment)}`;
  if (set.elements.length > 0) yield* elementLines(set);
  yield '\t}';
}

function* elementLines(set: NftSet): Lines {
  // A timeout does not change the layout: nft 1.0.6 listed `{ 127.0.0.1 expires 2h59m58s792ms, 127.0.0.2 expires ...,`
  // two a line, for a dynamic set with `timeout 3h` (seen in a namespace of our own).
  const oneALine = set.kind === 'map' || set.keyType.length > 1 || set.elements.some((e) => e.comment !== undefined);
  const perLine = oneALine
    ? 1
    : set.keyType[0] === 'ipv4_addr'
      ? 2
      : set.keyType[0] === 'inet_service' || set.keyType[0] === 'inet_proto' || set.keyType[0] === 'mark'
        ? 5
        : 1;
  const items = sortElements(set.elements).map(elementText);
  let line = '\t\telements = { ';
  for (let i = 0; i < items.length; i++) {
    line += items[i];
    if (i === items.length - 1) break;
    if ((i + 1) % perLine === 0) {
      // A line ends with its comma; the next starts at nft's continuation indent.
      yield `${line},`;
      line = CONTINUATION;
    } else line += ', ';
  }
  yield `${line} }`;
}

function elementText(e: NftElement): string {
  let text = keyText(e.key);
  if (e.expires !== undefined) text += ` expires ${nftTime(e.expires)}`;
  if (e.comment !== undefined) text += ` comment ${quote(e.comment)}`;
  if (e.value !== undefined) text += ` : ${verdictText(e.value)}`;
  return text;
}

function keyText(key: NftKey): string {
  return key.map((v) => valueText(v)).join(' . ');
}

function* chainBlock(chain: NftChain): Lines {
  yield `\tchain ${chain.name} {`;
  if (chain.comment !== undefined) yield `\t\tcomment ${quote(chain.comment)}`;
  if (chain.base) {
    const b = chain.base;
    yield `\t\ttype ${b.type} hook ${b.hook} priority ${priorityText(b.priority, b.hook)}; policy ${b.policy};`;
  }
  for (const rule of chain.rules) yield `\t\t${nftRuleText(rule)}`;
  yield '\t}';
}

/** nft 1.0.6's standard priorities, in the order it tries them, with the hooks each name is valid for (ip family). */
const STANDARD_PRIORITIES: readonly { readonly name: string; readonly value: number; readonly hooks?: readonly string[] }[] = [
  { name: 'raw', value: NFT_PRIORITY.raw },
  { name: 'mangle', value: NFT_PRIORITY.mangle },
  { name: 'dstnat', value: NFT_PRIORITY.dstnat, hooks: ['prerouting'] },
  { name: 'filter', value: NFT_PRIORITY.filter },
  { name: 'security', value: NFT_PRIORITY.security },
  { name: 'srcnat', value: NFT_PRIORITY.srcnat, hooks: ['postrouting'] },
];

/** prio2str: the first standard priority within 10 names it, unless that name is not valid for the hook. */
export function priorityText(priority: number, hook: string): string {
  for (const std of STANDARD_PRIORITIES) {
    if (Math.abs(priority - std.value) > 10) continue;
    if (std.hooks !== undefined && !std.hooks.includes(hook)) break;
    const offset = priority - std.value;
    return offset === 0 ? std.name : offset > 0 ? `${std.name} + ${offset}` : `${std.name} - ${-offset}`;
  }
  return String(priority);
}

/** nft's time_print: days, hours, minutes, seconds, leaving out zero parts (10800 -> `3h`). */
export function nftTime(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}

export function nftRuleText(rule: NftRule): string {
  const text = rule.statements.map(statementText).join(' ');
  return rule.comment !== undefined ? `${text} comment ${quote(rule.comment)}` : text;
}

export function nftSelectorText(s: NftSelector): string {
  switch (s.kind) {
    case 'ip':
      return `ip ${s.field}`;
    case 'l4proto':
      return 'meta l4proto';
    case 'port':
      return `${s.header} ${s.field}`;
    case 'mark':
      return 'meta mark';
    case 'ct-state':
      return 'ct state';
    case 'fib-type':
      return `fib ${s.field} type`;
    case 'iface':
      return s.field;
  }
}

function statementText(s: NftStatement): string {
  switch (s.kind) {
    case 'match': {
      const isMark = s.selector.kind === 'mark';
      const values =
        s.values.length === 1
          ? valueText(s.values[0]!, isMark)
          : `{ ${sortValues(s.values)
              .map((v) => valueText(v, isMark))
              .join(', ')} }`;
      const masked = s.mask !== undefined ? ` & ${markHex(s.mask)}` : '';
      // nft leaves out an implicit `==`, except after a mask.
      const op = s.op === '!=' ? '!= ' : s.mask !== undefined ? '== ' : '';
      return `${nftSelectorText(s.selector)}${masked} ${op}${values}`;
    }
    case 'lookup':
      return `${s.selectors.map(nftSelectorText).join(' . ')} ${s.negate ? '!= ' : ''}@${s.set}`;
    case 'vmap':
      return `${s.selectors.map(nftSelectorText).join(' . ')} vmap ${'name' in s.map ? `@${s.map.name}` : `{ ${sortElements(s.map.elements).map(elementText).join(', ')} }`}`;
    case 'numgen-vmap':
      return `numgen random mod ${s.mod} vmap { ${[...s.elements]
        .sort((a, b) => a.value - b.value)
        .map((e) => `${e.value} : ${verdictText(e.verdict)}`)
        .join(', ')} }`;
    case 'mark-set':
      return `meta mark set meta mark ${s.op === 'or' ? '|' : '^'} ${markHex(s.value)}`;
    case 'counter':
      return 'counter packets 0 bytes 0';
    case 'set-update':
      return `update @${s.set} { ${s.selectors.map(nftSelectorText).join(' . ')} }`;
    case 'dnat':
      return `dnat to ${formatIPv4(s.addr)}${s.port !== undefined ? `:${s.port}` : ''}`;
    case 'masquerade':
      return s.fullyRandom ? 'masquerade fully-random' : 'masquerade';
    case 'reject':
      // nft prints the ip family's default (port unreachable) as a bare `reject`.
      return s.icmpType === undefined || s.icmpType === 'port-unreachable' ? 'reject' : `reject with icmp ${s.icmpType}`;
    case 'verdict':
      return verdictText(s.verdict);
  }
}

/** A verdict as nft spells it (`accept`, `jump CHAIN`); knftables writes it the same way. */
export function verdictText(v: NftVerdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind;
}

/** The mark type prints as 0x%08x. */
function markHex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function valueText(v: NftValue, mark = false): string {
  switch (v.kind) {
    case 'addr':
      return formatIPv4(v.value);
    case 'prefix':
      return v.value.len === 32 ? formatIPv4(v.value.addr) : formatCidr(v.value);
    case 'proto':
      return v.value;
    case 'port':
      return String(v.value);
    case 'number':
      return mark ? markHex(v.value) : String(v.value);
    case 'symbol':
      return v.value;
  }
}

/** A key part's bytes as nft holds it (network order; a protocol is one byte, a port two). */
function partBytes(v: NftValue): number[] {
  switch (v.kind) {
    case 'addr':
      return [v.value >>> 24, (v.value >>> 16) & 255, (v.value >>> 8) & 255, v.value & 255];
    case 'prefix':
      return partBytes({ kind: 'addr', value: v.value.addr });
    case 'proto':
      return [IP_PROTOCOL_NUMBERS[v.value]];
    case 'port':
      return [(v.value >>> 8) & 255, v.value & 255];
    case 'number':
      return [(v.value >>> 24) & 255, (v.value >>> 16) & 255, (v.value >>> 8) & 255, v.value & 255];
    case 'symbol':
      return [...Buffer.from(v.value)];
  }
}

/**
 * nft's expr_msort_cmp as a sort key: a single value compares as a number;
 * a concatenation as its bytes read little-endian (the last byte weighs
 * most), here a string of the bytes last to first.
 */
function sortKey(key: NftKey): number | string {
  if (key.length === 1) {
    const v = key[0]!;
    switch (v.kind) {
      case 'addr':
      case 'port':
      case 'number':
        return v.value;
      case 'prefix':
        return v.value.addr;
      case 'proto':
        return IP_PROTOCOL_NUMBERS[v.value];
      case 'symbol':
        return v.value;
    }
  }
  const bytes = key.flatMap(partBytes);
  let out = '';
  for (let i = bytes.length - 1; i >= 0; i--) out += String.fromCharCode(bytes[i]!);
  return out;
}

function sortByKey<T>(items: readonly T[], keyOf: (item: T) => NftKey): T[] {
  const keyed = items.map((item) => ({ item, key: sortKey(keyOf(item)) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

function sortElements(elements: readonly NftElement[]): NftElement[] {
  return sortByKey(elements, (e) => e.key);
}

function sortValues(values: readonly NftValue[]): NftValue[] {
  return sortByKey(values, (v) => [v]);
}

/** nft quotes comments as they were given (kube-proxy's have no quotes to escape). */
function quote(text: string): string {
  return `"${text}"`;
}
