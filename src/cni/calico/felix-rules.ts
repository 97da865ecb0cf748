/**
 * Felix rules as Felix builds them (generictables.Rule: match criteria in
 * the order they were added, an action, comments), rendered twice: in
 * Felix's own spelling, which is what its rule hashes are computed over
 * (`--in-interface`, `-p 17`, `--destination-ports`, `--jump MARK
 * --set-mark 0/0x10000`), and as the kernel then holds the rule, which is
 * what iptables-save prints and the packet walk evaluates.
 */
import type { IptRule, Match, Target } from '../../kernel/netfilter/rule.js';
import { formatCidr, type Cidr } from '../../net/cidr.js';
import { ruleHashes } from './felix-hash.js';

export type FelixMatch =
  | { readonly k: 'in' | 'out'; readonly iface: string }
  | { readonly k: 'proto'; readonly number: number }
  | { readonly k: 'src' | 'dst'; readonly cidr: Cidr; readonly negate?: boolean }
  | { readonly k: 'mark'; readonly value: number; readonly mask: number; readonly negate?: boolean }
  | { readonly k: 'ctstate'; readonly states: readonly string[]; readonly negate?: boolean }
  | { readonly k: 'dports'; readonly ports: readonly (number | string)[] }
  | { readonly k: 'set'; readonly name: string; readonly flags: readonly ('src' | 'dst')[]; readonly negate?: boolean }
  | {
      readonly k: 'addrtype';
      readonly which: 'src' | 'dst';
      readonly type: string;
      readonly negate?: boolean;
      readonly limitIfaceOut?: boolean;
    };

export type FelixAction =
  | { readonly k: 'accept' | 'drop' | 'return' }
  | { readonly k: 'jump' | 'goto'; readonly chain: string }
  | { readonly k: 'mark'; readonly value: number; readonly mask: number }
  | { readonly k: 'masquerade' };

export interface FelixRule {
  readonly match?: readonly FelixMatch[];
  readonly action?: FelixAction;
  readonly comment?: readonly string[];
}

export interface FelixChain {
  readonly name: string;
  readonly rules: readonly FelixRule[];
}

/** Felix spells marks with %#x, except a zero value, which it writes as 0. */
function markText(value: number): string {
  return value === 0 ? '0' : `0x${(value >>> 0).toString(16)}`;
}

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 4: 'ipencap', 6: 'tcp', 17: 'udp', 132: 'sctp' };

function felixMatch(m: FelixMatch): string {
  const not = 'negate' in m && m.negate ? '! ' : '';
  switch (m.k) {
    case 'in':
      return `--in-interface ${m.iface}`;
    case 'out':
      return `--out-interface ${m.iface}`;
    case 'proto':
      return `-p ${m.number}`;
    case 'src':
      return `${not}--source ${formatCidr(m.cidr)}`;
    case 'dst':
      return `${not}--destination ${formatCidr(m.cidr)}`;
    case 'mark':
      return `-m mark ${not}--mark ${markText(m.value)}/${markText(m.mask)}`;
    case 'ctstate':
      return `-m conntrack ${not}--ctstate ${m.states.join(',')}`;
    case 'dports':
      return `-m multiport --destination-ports ${m.ports.join(',')}`;
    case 'set':
      return `-m set ${not}--match-set ${m.name} ${m.flags.join(',')}`;
    case 'addrtype':
      return `-m addrtype ${not}--${m.which}-type ${m.type}${m.limitIfaceOut ? ' --limit-iface-out' : ''}`;
  }
}

function felixAction(a: FelixAction): string {
  switch (a.k) {
    case 'accept':
      return '--jump ACCEPT';
    case 'drop':
      return '--jump DROP';
    case 'return':
      return '--jump RETURN';
    case 'jump':
      return `--jump ${a.chain}`;
    case 'goto':
      return `--goto ${a.chain}`;
    case 'mark':
      return `--jump MARK --set-mark ${markText(a.value)}/${markText(a.mask)}`;
    case 'masquerade':
      return '--jump MASQUERADE --random-fully';
  }
}

/** The text Felix hashes for a rule (after `-A <chain> HASH`). */
export function felixRuleText(rule: FelixRule): string {
  const parts = (rule.comment ?? []).map((c) => `-m comment --comment "${c}"`);
  for (const m of rule.match ?? []) parts.push(felixMatch(m));
  if (rule.action) parts.push(felixAction(rule.action));
  return parts.join(' ');
}

function kernelTarget(a: FelixAction): Target {
  switch (a.k) {
    case 'accept':
      return { kind: 'ACCEPT' };
    case 'drop':
      return { kind: 'DROP' };
    case 'return':
      return { kind: 'RETURN' };
    case 'jump':
      return { kind: 'jump', chain: a.chain };
    case 'goto':
      return { kind: 'goto', chain: a.chain };
    case 'mark':
      return { kind: 'MARK', value: a.value, mask: a.mask };
    case 'masquerade':
      return { kind: 'MASQUERADE', randomFully: true };
  }
}

/** The rule as the kernel holds it, with Felix's hash comment first. */
export function kernelRule(rule: FelixRule, hash: string): IptRule {
  const matches: Match[] = [
    { module: 'comment', comment: `cali:${hash}` },
    ...(rule.comment ?? []).map((c): Match => ({ module: 'comment', comment: c })),
  ];
  let out: IptRule = { matches };
  const other: Match[] = [];
  for (const m of rule.match ?? []) {
    switch (m.k) {
      case 'in':
        out = { ...out, inIface: { value: m.iface } };
        break;
      case 'out':
        out = { ...out, outIface: { value: m.iface } };
        break;
      case 'proto':
        out = { ...out, protocol: { value: PROTOCOL_NAMES[m.number] ?? String(m.number) } };
        break;
      case 'src':
        out = { ...out, src: { value: m.cidr, ...(m.negate ? { negate: true } : {}) } };
        break;
      case 'dst':
        out = { ...out, dst: { value: m.cidr, ...(m.negate ? { negate: true } : {}) } };
        break;
      case 'mark':
        other.push({ module: 'mark', value: m.value, mask: m.mask, ...(m.negate ? { negate: true } : {}) });
        break;
      case 'ctstate':
        other.push({ module: 'conntrack', ctstate: m.states, ...(m.negate ? { negate: true } : {}) });
        break;
      case 'dports':
        other.push({ module: 'multiport', dports: m.ports });
        break;
      case 'set':
        other.push({ module: 'set', name: m.name, flags: m.flags, ...(m.negate ? { negate: true } : {}) });
        break;
      case 'addrtype': {
        const type = { value: m.type, ...(m.negate ? { negate: true } : {}) };
        other.push({
          module: 'addrtype',
          ...(m.which === 'src' ? { srcType: type } : { dstType: type }),
          ...(m.limitIfaceOut ? { limitIfaceOut: true } : {}),
        });
        break;
      }
    }
  }
  return { ...out, matches: [...matches, ...other], ...(rule.action ? { target: kernelTarget(rule.action) } : {}) };
}

/** A chain's rules as the kernel holds them, each with its Felix hash. */
export function renderChain(chain: FelixChain): IptRule[] {
  const hashes = ruleHashes(chain.name, chain.rules.map(felixRuleText));
  return chain.rules.map((rule, i) => kernelRule(rule, hashes[i]!));
}
