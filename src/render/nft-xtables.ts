/**
 * The iptables rules of a netns as `nft list ruleset` (nft 1.0.6) prints the
 * tables iptables-nft (iptables 1.8.9) wrote for them: what iptables-nft
 * translates to native expressions (addresses, interfaces, protocol, ports,
 * conntrack state, addrtype as fib, statistic as meta random, marks, NAT,
 * REJECT) in nft's spelling, and `xt match NAME` for what it leaves to the
 * xtables extension (set, recent, physdev, nfacct, icmp with a code).
 *
 * Order: netlab does not keep the order in which the components created
 * tables and chains, so the listing is the one nft prints after the node's
 * `iptables-save` output is loaded with `iptables-restore`: tables in
 * iptables-save's order, each with all its built-in chains (hook order)
 * and then its user chains by name, each created by its `:CHAIN` line.
 *
 * Learnt from the real tools (iptables-restore into a scratch netns, then
 * `nft list ruleset`); test/render/nft-xtables-kernel.test.ts checks it.
 */
import type { Chain, IptRule, Match, Netfilter, NetfilterTable, TableName, Target } from '../kernel/netfilter/rule.js';
import type { Cidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import { existingTables, listedChains } from './iptables-tables.js';
import { protocolNumber } from './iptables-rule.js';
import type { Lines } from './types.js';

/** `type ... hook ... priority ...` of each built-in chain, as nft names the priorities iptables-nft registers. */
const BASE_CHAIN_TYPES: Readonly<Record<TableName, Readonly<Record<string, string>>>> = {
  raw: { PREROUTING: 'filter hook prerouting priority raw', OUTPUT: 'filter hook output priority raw' },
  mangle: {
    PREROUTING: 'filter hook prerouting priority mangle',
    INPUT: 'filter hook input priority mangle',
    FORWARD: 'filter hook forward priority mangle',
    OUTPUT: 'route hook output priority mangle',
    POSTROUTING: 'filter hook postrouting priority mangle',
  },
  filter: {
    INPUT: 'filter hook input priority filter',
    FORWARD: 'filter hook forward priority filter',
    OUTPUT: 'filter hook output priority filter',
  },
  nat: {
    PREROUTING: 'nat hook prerouting priority dstnat',
    INPUT: 'nat hook input priority 100',
    OUTPUT: 'nat hook output priority -100',
    POSTROUTING: 'nat hook postrouting priority srcnat',
  },
  security: {
    INPUT: 'filter hook input priority 150',
    FORWARD: 'filter hook forward priority 150',
    OUTPUT: 'filter hook output priority 150',
  },
};

/** The tables `nft list ruleset` shows for the iptables rules, in its order. */
export function xtablesTables(netfilter: Netfilter | undefined): NetfilterTable[] {
  return netfilter === undefined ? [] : existingTables(netfilter);
}

/** nft's stderr note, one per iptables-nft table that holds at least one rule. */
export function xtablesWarnings(netfilter: Netfilter | undefined): string[] {
  return xtablesTables(netfilter)
    .filter((t) => listedChains(t, t.name).some((c) => c.rules.length > 0))
    .map((t) => `# Warning: table ip ${t.name} is managed by iptables-nft, do not touch!`);
}

/** `stateless` is `nft -s`: the counters print as a bare `counter`. */
export function* renderXtablesRuleset(netfilter: Netfilter | undefined, stateless = false): Lines {
  for (const table of xtablesTables(netfilter)) yield* renderXtablesTable(table, stateless);
}

export function* renderXtablesTable(table: NetfilterTable, stateless = false): Lines {
  yield `table ip ${table.name} {`;
  const chains = listedChains(table, table.name);
  for (let i = 0; i < chains.length; i++) {
    if (i > 0) yield '';
    yield* renderChain(table.name, chains[i]!, stateless);
  }
  yield '}';
}

function* renderChain(table: TableName, chain: Chain, stateless: boolean): Lines {
  yield `\tchain ${chain.name} {`;
  const type = chain.policy !== undefined ? BASE_CHAIN_TYPES[table][chain.name] : undefined;
  if (type !== undefined) yield `\t\ttype ${type}; policy ${chain.policy!.toLowerCase()};`;
  for (const rule of chain.rules) yield `\t\t${nftRuleText(rule, stateless)}`;
  yield '\t}';
}

/** nft's name of an IP protocol iptables-nft matches with `meta l4proto`. */
const L4PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  4: 'ipencap',
  6: 'tcp',
  17: 'udp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  132: 'sctp',
  136: 'udplite',
};

function cidrText(c: Cidr): string {
  return c.len === 32 ? formatIPv4(c.addr) : `${formatIPv4(c.addr)}/${c.len}`;
}

function op(negate: boolean | undefined): string {
  return negate ? '!= ' : '';
}

/** An interface name as nft prints it: iptables' `+` wildcard is `*`. */
function ifname(name: string): string {
  return `"${name.endsWith('+') ? `${name.slice(0, -1)}*` : name}"`;
}

/**
 * One rule: interfaces, protocol, addresses, the matches in order, the
 * counter iptables-nft always adds, the target. The parts are joined by
 * one space; a comment (which nft does not print) and a protocol match
 * without ports leave an empty part, hence the double spaces.
 */
export function nftRuleText(rule: IptRule, stateless = false): string {
  const parts: string[] = [];
  if (rule.inIface) parts.push(`iifname ${op(rule.inIface.negate)}${ifname(rule.inIface.value)}`);
  if (rule.outIface) parts.push(`oifname ${op(rule.outIface.negate)}${ifname(rule.outIface.value)}`);
  const proto = rule.protocol;
  const first = rule.matches[0];
  const portMatch = (m: Match | undefined): m is Extract<Match, { module: 'tcp' | 'udp' | 'sctp' }> =>
    m !== undefined &&
    (m.module === 'tcp' || m.module === 'udp' || m.module === 'sctp') &&
    (m.sport !== undefined || m.dport !== undefined);
  // nft drops `meta l4proto tcp|udp` when the rule's next expression is that
  // protocol's port match (the dependency it implies); the addresses, which
  // iptables-nft places between them, do not count.
  const elided =
    proto !== undefined &&
    !proto.negate &&
    (proto.value === 'tcp' || proto.value === 'udp') &&
    portMatch(first) &&
    first.module === proto.value;
  // `-p all` matches any protocol: iptables-nft writes no expression for it.
  if (proto !== undefined && !elided && protocolNumber(proto.value) !== 0) {
    const number = protocolNumber(proto.value);
    parts.push(`meta l4proto ${op(proto.negate)}${L4PROTO_NAMES[number] ?? String(number)}`);
  }
  if (rule.src) parts.push(`ip saddr ${op(rule.src.negate)}${cidrText(rule.src.value)}`);
  if (rule.dst && !(rule.dst.value.len === 0 && !rule.dst.negate)) parts.push(`ip daddr ${op(rule.dst.negate)}${cidrText(rule.dst.value)}`);
  // With `! -p tcp`, a port match reads the transport header generically (`th`).
  for (const m of rule.matches) parts.push(matchText(m, proto?.value ?? '', proto?.negate === true));
  let tail = stateless ? 'counter' : 'counter packets 0 bytes 0';
  if (rule.target) tail += ` ${targetText(rule.target)}`;
  parts.push(tail);
  return parts.join(' ');
}

/** 8-digit hex, as nft prints a mark. */
function mark32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** The prefix length of a mask made of leading one bits, or undefined. */
function prefixLength(mask: number): number | undefined {
  const m = mask >>> 0;
  for (let len = 0; len <= 32; len++) {
    const candidate = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (candidate === m) return len;
  }
  return undefined;
}

/** nft's order of conntrack states in a listing. */
const CT_STATE_ORDER: readonly string[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED'];

function ctText(states: readonly string[], negate: boolean | undefined): string {
  // iptables 1.8.9 stores the SNAT/DNAT pseudo-states as a ct status test,
  // and nft then shows only that (without the state bits or the negation).
  if (states.includes('SNAT')) return 'ct status snat';
  if (states.includes('DNAT')) return 'ct status dnat';
  const ordered = CT_STATE_ORDER.filter((s) => states.includes(s)).map((s) => s.toLowerCase());
  return `ct state ${negate ? '! ' : ''}${ordered.join(',')}`;
}

/** nft's ICMP type names for the types iptables-nft translates (a type without a code). */
const ICMP_TYPE_NAMES: Readonly<Record<string, string>> = {
  '0': 'echo-reply',
  '3': 'destination-unreachable',
  '4': 'source-quench',
  '5': 'redirect',
  '8': 'echo-request',
  '9': 'router-advertisement',
  '10': 'router-solicitation',
  '11': 'time-exceeded',
  '12': 'parameter-problem',
  '13': 'timestamp-request',
  '14': 'timestamp-reply',
  '15': 'info-request',
  '16': 'info-reply',
  '17': 'address-mask-request',
  '18': 'address-mask-reply',
};

const ICMP_NUMBERS: Readonly<Record<string, string>> = {
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

function matchText(m: Match, protocol: string, negatedProto: boolean): string {
  switch (m.module) {
    case 'comment':
      return '';
    case 'mark': {
      if (m.mask >>> 0 === 0xffffffff) return `meta mark ${op(m.negate)}${mark32(m.value)}`;
      const len = prefixLength(m.mask);
      if (len !== undefined) return `meta mark ${op(m.negate)}${mark32(m.value)}/${len}`;
      return `meta mark & ${mark32(m.mask)} ${m.negate ? '!=' : '=='} ${mark32(m.value)}`;
    }
    case 'tcp':
    case 'udp':
    case 'sctp': {
      const header = negatedProto && m.module !== 'sctp' ? 'th' : m.module;
      const words: string[] = [];
      if (m.sport) words.push(`${header} sport ${op(m.sport.negate)}${m.sport.value}`);
      if (m.dport) words.push(`${header} dport ${op(m.dport.negate)}${m.dport.value}`);
      return words.join(' ');
    }
    case 'multiport': {
      const ports = m.dports.map((p) => String(p).replace(':', '-'));
      // multiport needs the rule's -p (iptables refuses it without one).
      return ports.length === 1 ? `${protocol} dport ${ports[0]}` : `${protocol} dport { ${ports.join(', ')} }`;
    }
    case 'conntrack':
      return ctText(m.ctstate, m.negate);
    case 'state':
      return ctText(m.states, false);
    case 'addrtype': {
      // iptables-nft writes one fib lookup: the source type when there is one, else the destination type.
      const side =
        m.srcType !== undefined
          ? { key: 'saddr', type: m.srcType, iface: m.limitIfaceOut ? ' . oif' : m.limitIfaceIn ? ' . iif' : '' }
          : { key: 'daddr', type: m.dstType!, iface: m.limitIfaceIn ? ' . iif' : m.limitIfaceOut ? ' . oif' : '' };
      return `fib ${side.key}${side.iface} type ${op(side.type.negate)}${side.type.value.toLowerCase()}`;
    }
    case 'statistic':
      return `meta random & 2147483647 < ${Math.round(m.probability * 2 ** 31)}`;
    case 'icmp': {
      const numeric = ICMP_NUMBERS[m.icmpType] ?? m.icmpType;
      const name = ICMP_TYPE_NAMES[numeric];
      return name !== undefined ? `icmp type ${name}` : 'xt match icmp';
    }
    case 'recent':
    case 'set':
    case 'physdev':
    case 'nfacct':
      return `xt match ${m.module}`;
  }
}

/** nft's name of an ICMP reject type (`icmp-host-prohibited` is `host-prohibited`). */
function rejectText(rejectWith: string): string {
  if (rejectWith === 'icmp-port-unreachable') return 'reject';
  if (rejectWith === 'tcp-reset') return 'reject with tcp reset';
  return `reject with icmp type ${rejectWith.replace(/^icmp-/, '')}`;
}

/** meta mark set (mark & ~mask) ^ value, as nft simplifies it. */
function markSetText(value: number, mask: number): string {
  const v = value >>> 0;
  const m = mask >>> 0;
  if (m === 0xffffffff) return `meta mark set ${hex(v)}`;
  if (v === m) return `meta mark set mark or ${hex(v)}`;
  if (v === 0) return `meta mark set mark and ${hex(~m)}`;
  if (m === 0) return `meta mark set mark xor ${hex(v)}`;
  return `meta mark set mark and ${hex(~m)} xor ${hex(v)}`;
}

function targetText(t: Target): string {
  switch (t.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return t.kind.toLowerCase();
    case 'NOTRACK':
      return 'notrack';
    case 'jump':
      return `jump ${t.chain}`;
    case 'goto':
      return `goto ${t.chain}`;
    case 'MASQUERADE':
      return `masquerade${t.toPorts !== undefined ? ` to :${t.toPorts}` : ''}${t.randomFully ? ' fully-random' : ''}`;
    case 'SNAT':
      return `snat to ${formatIPv4(t.to)}${t.randomFully ? ' fully-random' : ''}`;
    case 'DNAT':
      return `dnat to ${formatIPv4(t.to.ip)}${t.to.port !== undefined ? `:${t.to.port}` : ''}`;
    case 'REDIRECT':
      return `redirect to :${t.toPorts}`;
    case 'MARK':
      return markSetText(t.value, t.mask);
    case 'REJECT':
      return rejectText(t.rejectWith);
  }
}
