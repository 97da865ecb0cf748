/**
 * One iptables rule in the two spellings iptables 1.8.9 (nf_tables) uses:
 * the save form (`iptables-save`, `iptables -S`), normalised as
 * `-s -d -i -o -p`, then the `-m` matches in the order given, then the
 * target; and the list form (`iptables -L -n`), where each match and
 * target prints its own summary (`/* comment *\/`, `tcp dpt:80`,
 * `MARK or 0x4000`).
 */
import type { IptRule, Match, Negatable, Target } from '../kernel/netfilter/rule.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Cidr } from '../net/cidr.js';
import { serviceName } from './services.js';

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  all: 0,
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};

/** `-L -n` prints the protocol number (1.8.9 prints `0` for any protocol). */
export function protocolNumber(name: string | undefined): number {
  if (name === undefined) return 0;
  return PROTOCOL_NUMBERS[name] ?? (Number.isInteger(Number(name)) ? Number(name) : 0);
}

/** ICMP type names iptables accepts, saved and listed as numbers (`echo-request` is `8`). */
const ICMP_TYPES: Readonly<Record<string, string>> = {
  'echo-reply': '0',
  pong: '0',
  'destination-unreachable': '3',
  'network-unreachable': '3/0',
  'host-unreachable': '3/1',
  'protocol-unreachable': '3/2',
  'port-unreachable': '3/3',
  'fragmentation-needed': '3/4',
  'source-quench': '4',
  redirect: '5',
  'echo-request': '8',
  ping: '8',
  'time-exceeded': '11',
  'ttl-exceeded': '11/0',
  'parameter-problem': '12',
};

function icmpNumeric(type: string): string {
  return ICMP_TYPES[type] ?? type;
}

/** The name `iptables -L` (without -n) prints for a numeric type: the first in libxt_icmp's table. */
function icmpName(numeric: string): string | undefined {
  return Object.entries(ICMP_TYPES).find(([, value]) => value === numeric)?.[0];
}

function neg(value: { negate?: boolean } | undefined): string {
  return value?.negate ? '! ' : '';
}

/** Save form of an address: always with its length, `/32` included. */
function saveCidr(c: Cidr): string {
  return `${formatIPv4(c.addr)}/${c.len}`;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** Each match's save arguments, with the leading `-m module`. */
export function matchSaveArgs(m: Match): string {
  switch (m.module) {
    case 'comment':
      return `-m comment --comment ${quote(m.comment)}`;
    case 'mark':
      return `-m mark ${neg(m)}--mark ${m.mask === 0xffffffff ? hex(m.value) : `${hex(m.value)}/${hex(m.mask)}`}`;
    case 'tcp':
    case 'udp':
    case 'sctp': {
      let text = `-m ${m.module}`;
      if (m.sport) text += ` ${m.sport.negate ? '! ' : ''}--sport ${m.sport.value}`;
      if (m.dport) text += ` ${m.dport.negate ? '! ' : ''}--dport ${m.dport.value}`;
      return text;
    }
    case 'multiport':
      return `-m multiport --dports ${m.dports.join(',')}`;
    case 'conntrack':
      return `-m conntrack ${neg(m)}--ctstate ${m.ctstate.join(',')}`;
    case 'state':
      return `-m state --state ${m.states.join(',')}`;
    case 'addrtype': {
      let text = '-m addrtype';
      if (m.srcType) text += ` ${neg(m.srcType)}--src-type ${m.srcType.value}`;
      if (m.dstType) text += ` ${neg(m.dstType)}--dst-type ${m.dstType.value}`;
      if (m.limitIfaceIn) text += ' --limit-iface-in';
      if (m.limitIfaceOut) text += ' --limit-iface-out';
      return text;
    }
    case 'statistic':
      return `-m statistic --mode random --probability ${formatProbability(m.probability)}`;
    case 'recent': {
      let text = `-m recent --${m.action}`;
      if (m.seconds !== undefined) text += ` --seconds ${m.seconds}`;
      if (m.reap) text += ' --reap';
      return `${text} --name ${m.name} --mask ${m.mask} --${m.side === 'source' ? 'rsource' : 'rdest'}`;
    }
    case 'set':
      return `-m set ${neg(m)}--match-set ${m.name} ${m.flags.join(',')}`;
    case 'physdev':
      return `-m physdev${physdevOptions(m)}`;
    case 'icmp':
      return `-m icmp --icmp-type ${icmpNumeric(m.icmpType)}`;
    case 'nfacct':
      // libxt_nfacct prints " --nfacct-name " and then the saved string, with its own leading space.
      return `-m nfacct --nfacct-name  ${quote(m.name)}`;
  }
}

/** libxt_physdev's options, each with its leading space: its print function is ` PHYSDEV match` and then its save. */
function physdevOptions(m: Extract<Match, { module: 'physdev' }>): string {
  let text = '';
  if (m.isIn !== undefined) text += m.isIn ? ' --physdev-is-in' : ' ! --physdev-is-in';
  if (m.physdevIn !== undefined) text += ` --physdev-in ${m.physdevIn}`;
  if (m.physdevOut !== undefined) text += ` --physdev-out ${m.physdevOut}`;
  if (m.isBridged) text += ' --physdev-is-bridged';
  return text;
}

/**
 * `%.11f` of the probability the kernel holds (lround(p * 2^31) / 2^31), as
 * libxt_statistic prints it: exactly, rounding half to even as glibc's printf
 * does, which Number.prototype.toFixed does not (0.00048828125 is a tie).
 */
export function formatProbability(probability: number): string {
  let text = probabilityText.get(probability);
  if (text === undefined) probabilityText.set(probability, (text = exactProbability(probability)));
  return text;
}

/** kube-proxy uses a few probabilities (1/n) over and over: BigInt once per value. */
const probabilityText = new Map<number, string>();

function exactProbability(probability: number): string {
  const k = BigInt(Math.round(probability * 2 ** 31));
  const scaled = k * 10n ** 11n;
  const quotient = scaled >> 31n;
  const remainder = scaled & ((1n << 31n) - 1n);
  const half = 1n << 30n;
  const digits = remainder > half || (remainder === half && (quotient & 1n) === 1n) ? quotient + 1n : quotient;
  const text = digits.toString().padStart(12, '0');
  return `${text.slice(0, -11)}.${text.slice(-11)}`;
}

/**
 * xtables_save_string (iptables 1.8.9): a leading space, then the string bare
 * when it is only letters, digits, `_` and `-`, otherwise double-quoted with
 * `"`, `\` and `'` backslash-escaped. Callers write the space before it.
 */
function quote(text: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(text)) return text;
  return `"${text.replace(/(["\\'])/g, '\\$1')}"`;
}

export function targetSaveArgs(t: Target): string {
  switch (t.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'NOTRACK':
      return `-j ${t.kind}`;
    case 'jump':
      return `-j ${t.chain}`;
    case 'goto':
      return `-g ${t.chain}`;
    case 'MASQUERADE':
      return `-j MASQUERADE${t.toPorts !== undefined ? ` --to-ports ${t.toPorts}` : ''}${t.randomFully ? ' --random-fully' : ''}`;
    case 'DNAT':
      return `-j DNAT --to-destination ${formatIPv4(t.to.ip)}${t.to.port !== undefined ? `:${t.to.port}` : ''}`;
    case 'SNAT':
      return `-j SNAT --to-source ${formatIPv4(t.to)}${t.randomFully ? ' --random-fully' : ''}`;
    case 'MARK':
      return `-j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'REJECT':
      return `-j REJECT --reject-with ${t.rejectWith}`;
    case 'REDIRECT':
      return `-j REDIRECT --to-ports ${t.toPorts}`;
  }
}

/**
 * The rule's arguments after `-A CHAIN`, in iptables-save's order. Built by
 * concatenation (no parts array): a node with 10,000 services prints
 * 400,000 of these.
 */
export function ruleSaveArgs(rule: IptRule): string {
  let text = '';
  const add = (part: string): void => {
    text = text === '' ? part : `${text} ${part}`;
  };
  if (rule.src) add(`${neg(rule.src)}-s ${saveCidr(rule.src.value)}`);
  if (rule.dst && !(rule.dst.value.len === 0 && !rule.dst.negate)) add(`${neg(rule.dst)}-d ${saveCidr(rule.dst.value)}`);
  if (rule.inIface) add(`${neg(rule.inIface)}-i ${rule.inIface.value}`);
  if (rule.outIface) add(`${neg(rule.outIface)}-o ${rule.outIface.value}`);
  if (rule.protocol) add(`${neg(rule.protocol)}-p ${rule.protocol.value}`);
  for (let i = 0; i < rule.matches.length; i++) add(matchSaveArgs(rule.matches[i]!));
  if (rule.target) add(targetSaveArgs(rule.target));
  return text;
}

/** The chain a rule jumps or goes to, if any (for `(N references)`). */
export function ruleTargetChain(rule: IptRule): string | undefined {
  const t = rule.target;
  return t && (t.kind === 'jump' || t.kind === 'goto') ? t.chain : undefined;
}

/** The TARGET column of `iptables -L` (NOTRACK is an alias of the CT target). */
export function targetName(t: Target | undefined): string {
  if (!t) return '';
  if (t.kind === 'jump' || t.kind === 'goto') return t.chain;
  return t.kind === 'NOTRACK' ? 'CT' : t.kind;
}

/** How `-L` spells values: with -n numbers; without it, port and ICMP names. */
export interface ListStyle {
  readonly numeric: boolean;
}

const NUMERIC: ListStyle = { numeric: true };

function listPort(name: string, p: Negatable<number> | undefined, proto: string, style: ListStyle): string {
  if (!p) return '';
  const value = style.numeric ? String(p.value) : serviceName(p.value, proto);
  return ` ${name}:${p.negate ? '!' : ''}${value}`;
}

/** Each match's `-L` summary, with its leading space (libxt_*.c print functions). */
export function matchListText(m: Match, style: ListStyle = NUMERIC): string {
  switch (m.module) {
    case 'comment':
      return ` /* ${m.comment} */`;
    case 'mark':
      return ` mark match ${m.negate ? '! ' : ''}${m.mask === 0xffffffff ? hex(m.value) : `${hex(m.value)}/${hex(m.mask)}`}`;
    case 'tcp':
    case 'udp':
    case 'sctp':
      return ` ${m.module}${listPort('spt', m.sport, m.module, style)}${listPort('dpt', m.dport, m.module, style)}`;
    case 'multiport':
      // The protocol is the rule's; multiport is only valid with -p tcp/udp/sctp, and the names are the same for kube's ports.
      return ` multiport dports ${m.dports.map((p) => (style.numeric || typeof p === 'string' ? String(p) : serviceName(p, 'tcp'))).join(',')}`;
    case 'conntrack':
      return ` ${m.negate ? '! ' : ''}ctstate ${m.ctstate.join(',')}`;
    case 'state':
      return ` state ${m.states.join(',')}`;
    case 'addrtype': {
      let text = ' ADDRTYPE match';
      if (m.srcType) text += ` src-type ${m.srcType.negate ? '!' : ''}${m.srcType.value}`;
      if (m.dstType) text += ` dst-type ${m.dstType.negate ? '!' : ''}${m.dstType.value}`;
      if (m.limitIfaceIn) text += ' limit-in';
      if (m.limitIfaceOut) text += ' limit-out';
      return text;
    }
    case 'statistic':
      return ` statistic mode random probability ${formatProbability(m.probability)}`;
    case 'recent': {
      let text = ` recent: ${m.action === 'set' ? 'SET' : 'CHECK'}`;
      if (m.seconds !== undefined) text += ` seconds: ${m.seconds}`;
      if (m.reap) text += ' reap';
      return `${text} name: ${m.name} side: ${m.side} mask: ${m.mask}`;
    }
    case 'set':
      return ` ${m.negate ? '! ' : ''}match-set ${m.name} ${m.flags.join(',')}`;
    case 'physdev':
      return ` PHYSDEV match${physdevOptions(m)}`;
    case 'icmp': {
      const numeric = icmpNumeric(m.icmpType);
      const name = style.numeric ? undefined : icmpName(numeric);
      if (name !== undefined) return ` icmp ${name}`;
      const [type, code] = numeric.split('/');
      return ` icmptype ${type}${code !== undefined ? ` code ${code}` : ''}`;
    }
    case 'nfacct':
      return ` nfacct-name  ${quote(m.name)}`;
  }
}

/** The target's `-L -n` summary (libxt_MARK, libipt_DNAT, ...), with its leading space. */
export function targetListText(t: Target | undefined): string {
  if (!t) return '';
  switch (t.kind) {
    case 'MASQUERADE':
      return `${t.toPorts !== undefined ? ` masq ports: ${t.toPorts}` : ''}${t.randomFully ? ' random-fully' : ''}`;
    case 'DNAT':
      return ` to:${formatIPv4(t.to.ip)}${t.to.port !== undefined ? `:${t.to.port}` : ''}`;
    case 'SNAT':
      return ` to:${formatIPv4(t.to)}${t.randomFully ? ' random-fully' : ''}`;
    case 'MARK': {
      const { value, mask } = t;
      if (value === 0) return ` MARK and ${hex(~mask >>> 0)}`;
      if (value === mask) return ` MARK or ${hex(value)}`;
      if (mask === 0) return ` MARK xor ${hex(value)}`;
      if (mask >>> 0 === 0xffffffff) return ` MARK set ${hex(value)}`;
      return ` MARK xset ${hex(value)}/${hex(mask)}`;
    }
    case 'REJECT':
      return ` reject-with ${t.rejectWith}`;
    case 'REDIRECT':
      return ` redir ports ${t.toPorts}`;
    case 'NOTRACK':
      return ' NOTRACK';
    default:
      return '';
  }
}

/**
 * `10.244.1.2` for a host, `10.244.0.0/16` otherwise, `0.0.0.0/0` for any
 * (`anywhere` without -n). Without -n iptables also tries reverse DNS for
 * each address; netlab answers as a node without PTR records does: numbers.
 */
export function listAddress(c: Negatable<Cidr> | undefined, style: ListStyle = NUMERIC): string {
  if (!c || (c.value.len === 0 && !style.numeric)) return style.numeric ? '0.0.0.0/0' : 'anywhere';
  return c.value.len === 32 ? formatIPv4(c.value.addr) : `${formatIPv4(c.value.addr)}/${c.value.len}`;
}
