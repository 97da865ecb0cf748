/**
 * An nftables table as kube-proxy hands it to nft through knftables: one
 * `add ...` line per object, spelled the way kube-proxy writes its rules
 * (`mark and 0x004000 == 0 return`, `ip daddr { 10.96.0.0/12 } drop`,
 * `numgen random mod 2 vmap { 0 : goto a , 1 : goto b }`), not the way nft
 * lists them back (src/render/nft.ts).
 *
 * Two orders of the same lines:
 *  - knftablesDump: knftables' Fake.Dump(), what upstream's proxier tests
 *    compare against: the table, then each chain (by name) followed by its
 *    rules, each set (by name) followed by its elements, each map likewise;
 *    elements in the order they were added.
 *  - knftablesTransaction: the same objects in an order `nft -f` accepts
 *    (the Dump refers to chains and maps before adding them): the table,
 *    sets and maps, chains, rules, elements, each group in creation order,
 *    which is the order nft lists them in afterwards. kube-proxy's own first
 *    sync also adds and deletes each base chain once and flushes what it
 *    adds; none of that changes the resulting state, and it is left out.
 */
import type {
  NftBaseChain,
  NftChain,
  NftElement,
  NftRule,
  NftSelector,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
} from '../kernel/nftables.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';
import { nftSelectorText, verdictText } from './nft.js';

export interface KnftablesOptions {
  /**
   * How the masquerade mark is spelled. kube-proxy formats 1<<bit with
   * `%#08x` (`0x004000`); upstream's fake proxier sets the string `0x4000`.
   */
  readonly markText?: (mark: number) => string;
}

/** kube-proxy's masqueradeMark: fmt.Sprintf("%#08x", 1<<bit). */
export function kubeProxyMarkText(mark: number): string {
  return `0x${mark.toString(16).padStart(6, '0')}`;
}

export function* knftablesDump(table: NftTable, options: KnftablesOptions = {}): Lines {
  const w = writer(table, options);
  yield w.table();
  for (const chain of byName(table.chains)) {
    yield w.chain(chain);
    for (const rule of chain.rules) yield w.rule(chain, rule);
  }
  for (const kind of ['set', 'map'] as const) {
    for (const set of byName(table.sets.filter((s) => s.kind === kind))) {
      yield w.set(set);
      for (const e of set.elements) yield w.element(set, e);
    }
  }
}

export function* knftablesTransaction(table: NftTable, options: KnftablesOptions = {}): Lines {
  const w = writer(table, options);
  yield w.table();
  for (const set of table.sets) yield w.set(set);
  for (const chain of table.chains) yield w.chain(chain);
  for (const chain of table.chains) for (const rule of chain.rules) yield w.rule(chain, rule);
  for (const set of table.sets) for (const e of set.elements) yield w.element(set, e);
}

/** Go's sort.Strings order (bytes), as knftables' sortKeys. */
function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function writer(table: NftTable, options: KnftablesOptions) {
  const prefix = `${table.family} ${table.name}`;
  const mark = options.markText ?? kubeProxyMarkText;
  return {
    table: (): string => `add table ${prefix}${table.comment !== undefined ? ` { comment ${quote(table.comment)} ; }` : ''}`,
    chain: (chain: NftChain): string => {
      const parts: string[] = [];
      if (chain.base) parts.push(baseText(chain.base));
      if (chain.comment !== undefined) parts.push(`comment ${quote(chain.comment)} ;`);
      return `add chain ${prefix} ${chain.name}${parts.length > 0 ? ` { ${parts.join(' ')} }` : ''}`;
    },
    set: (set: NftSet): string => {
      const parts = [`type ${set.keyType.join(' . ')}${set.kind === 'map' ? ` : ${set.dataType ?? 'verdict'}` : ''} ;`];
      if (set.flags !== undefined && set.flags.length > 0) parts.push(`flags ${set.flags.join(',')} ;`);
      if (set.timeout !== undefined) parts.push(`timeout ${set.timeout}s ;`);
      if (set.comment !== undefined) parts.push(`comment ${quote(set.comment)} ;`);
      return `add ${set.kind} ${prefix} ${set.name} { ${parts.join(' ')} }`;
    },
    rule: (chain: NftChain, rule: NftRule): string => `add rule ${prefix} ${chain.name} ${ruleText(rule, mark)}`,
    element: (set: NftSet, e: NftElement): string => `add element ${prefix} ${set.name} { ${elementText(e)} }`,
  };
}

/** knftables writes the priority as a number, and a policy only when one was given (kube-proxy gives none: accept). */
function baseText(base: NftBaseChain): string {
  return `type ${base.type} hook ${base.hook} priority ${base.priority} ;${base.policy === 'drop' ? ' policy drop ;' : ''}`;
}

export function ruleText(rule: NftRule, mark: (n: number) => string = kubeProxyMarkText): string {
  const text = rule.statements.map((s) => statementText(s, mark)).join(' ');
  return rule.comment !== undefined ? `${text} comment ${quote(rule.comment)}` : text;
}

/** As nft lists it, but for the mark: kube-proxy writes `mark`, nft lists it back as `meta mark`. */
function selectorText(s: NftSelector): string {
  return s.kind === 'mark' ? 'mark' : nftSelectorText(s);
}

function statementText(s: NftStatement, mark: (n: number) => string): string {
  switch (s.kind) {
    case 'match': {
      const values = s.anonymousSet || s.values.length > 1 ? `{ ${s.values.map(valueText).join(' , ')} }` : valueText(s.values[0]!);
      if (s.mask !== undefined) return `${selectorText(s.selector)} and ${mark(s.mask)} ${s.op} ${values}`;
      return `${selectorText(s.selector)} ${s.op === '!=' ? '!= ' : ''}${values}`;
    }
    case 'lookup':
      return `${s.selectors.map(selectorText).join(' . ')} ${s.negate ? '!= ' : ''}@${s.set}`;
    case 'vmap':
      return `${s.selectors.map(selectorText).join(' . ')} vmap ${'name' in s.map ? `@${s.map.name}` : `{ ${s.map.elements.map(elementText).join(' , ')} }`}`;
    case 'numgen-vmap':
      return `numgen random mod ${s.mod} vmap { ${s.elements.map((e) => `${e.value} : ${verdictText(e.verdict)}`).join(' , ')} }`;
    case 'mark-set':
      return `mark set mark ${s.op} ${mark(s.value)}`;
    case 'counter':
      return 'counter';
    case 'set-update':
      return `update @${s.set} { ${s.selectors.map(selectorText).join(' . ')} }`;
    case 'dnat':
      return `dnat to ${formatIPv4(s.addr)}${s.port !== undefined ? `:${s.port}` : ''}`;
    case 'masquerade':
      return s.fullyRandom ? 'masquerade fully-random' : 'masquerade';
    case 'reject':
      return s.icmpType === undefined ? 'reject' : `reject with icmp ${s.icmpType}`;
    case 'verdict':
      return verdictText(s.verdict);
  }
}

function valueText(v: NftValue): string {
  switch (v.kind) {
    case 'addr':
      return formatIPv4(v.value);
    case 'prefix':
      // Go's net.IPNet.String(): a /32 keeps its length.
      return formatCidr(v.value);
    case 'proto':
      return v.value;
    case 'port':
    case 'number':
      return String(v.value);
    case 'symbol':
      return v.value;
  }
}

/** `KEY [comment "..."] [: VALUE]`, as knftables writes an element. */
export function elementText(e: NftElement): string {
  let text = e.key.map(valueText).join(' . ');
  if (e.comment !== undefined) text += ` comment ${quote(e.comment)}`;
  if (e.value !== undefined) text += ` : ${verdictText(e.value)}`;
  return text;
}

/** Go's %q for the printable ASCII kube-proxy uses. */
function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
