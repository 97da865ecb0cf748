/**
 * `ipset list [NAME]` (`ipset -L`) as ipset 7.x prints it on a 6.x kernel.
 * This machine's kernel has no ipset module to compare against, so the
 * format comes from ipset's sources (lib/print.c, the set types' revisions)
 * and published outputs of kube-proxy nodes. Two things the kernel decides
 * at random or from allocator internals are stand-ins, stable per set:
 * `initval` (the hash seed: FNV-1a of the name) and `Size in memory` (an
 * estimate). Members are printed sorted (what `ipset list -sorted` does),
 * not in hash-bucket order.
 */
import type { IpSet, IpSetMember } from '../kernel/ipset.js';
import type { Netfilter } from '../kernel/netfilter/rule.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import { fnv1a32 } from '../net/hash.js';
import type { Lines } from './types.js';

/** The set types' current revisions (kernel 6.x): what `Revision:` shows. */
const REVISION: Readonly<Record<IpSet['type'], number>> = {
  'hash:net': 7,
  'hash:ip': 6,
  'hash:ip,port': 6,
  'hash:ip,port,ip': 5,
  'hash:ip,port,net': 7,
  'bitmap:port': 3,
};

/** A member as `ipset list` and `ipset add` write it. */
export function formatIpsetMember(set: IpSet, m: IpSetMember): string {
  switch (m.kind) {
    case 'net':
      return set.type === 'hash:ip' || m.cidr.len === 32 ? formatIPv4(m.cidr.addr) : formatCidr(m.cidr);
    case 'ip':
      return formatIPv4(m.ip);
    case 'ip,port':
      return `${formatIPv4(m.ip)},${m.protocol}:${m.port}`;
    case 'ip,port,ip':
      return `${formatIPv4(m.ip)},${m.protocol}:${m.port},${formatIPv4(m.ip2)}`;
    case 'ip,port,net':
      return `${formatIPv4(m.ip)},${m.protocol}:${m.port},${formatCidr(m.net)}`;
    case 'port':
      return String(m.port);
  }
}

/** `create` options as `ipset save` writes them (kube-proxy's: family inet hashsize 1024 maxelem 65536, range 0-65535). */
export function ipsetCreateOptions(set: IpSet): string {
  if (set.type === 'bitmap:port') return `range ${set.range?.[0] ?? 0}-${set.range?.[1] ?? 65535}`;
  return 'family inet hashsize 1024 maxelem 65536';
}

/** The create options, and for a hash type the bucket size and seed the kernel chose. */
function header(set: IpSet): string {
  const options = ipsetCreateOptions(set);
  if (set.type === 'bitmap:port') return options;
  return `${options} bucketsize 12 initval 0x${fnv1a32(set.name).toString(16).padStart(8, '0')}`;
}

/** An estimate: a bitmap's bytes, or a hash's empty table plus a slot per member. */
function sizeInMemory(set: IpSet): number {
  if (set.type === 'bitmap:port') {
    const ports = (set.range?.[1] ?? 65535) - (set.range?.[0] ?? 0) + 1;
    return Math.ceil(ports / 8) + 76;
  }
  return 200 + set.members.length * (set.type === 'hash:ip' ? 16 : 24);
}

/** Rules naming the set (`-m set --match-set NAME`): the kernel's reference count. */
function references(set: IpSet, netfilter: Netfilter | undefined): number {
  let n = 0;
  for (const table of netfilter?.tables ?? []) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) for (const m of rule.matches) if (m.module === 'set' && m.name === set.name) n++;
    }
  }
  return n;
}

function memberKey(m: IpSetMember): number[] {
  switch (m.kind) {
    case 'net':
      return [m.cidr.addr, m.cidr.len];
    case 'ip':
      return [m.ip];
    case 'port':
      return [m.port];
    case 'ip,port':
      return [m.ip, m.protocol.charCodeAt(0), m.port];
    case 'ip,port,ip':
      return [m.ip, m.protocol.charCodeAt(0), m.port, m.ip2];
    case 'ip,port,net':
      return [m.ip, m.protocol.charCodeAt(0), m.port, m.net.addr, m.net.len];
  }
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** One set's block. */
export function* renderIpset(set: IpSet, netfilter?: Netfilter): Lines {
  yield `Name: ${set.name}`;
  yield `Type: ${set.type}`;
  yield `Revision: ${REVISION[set.type]}`;
  yield `Header: ${header(set)}`;
  yield `Size in memory: ${sizeInMemory(set)}`;
  yield `References: ${references(set, netfilter)}`;
  yield `Number of entries: ${set.members.length}`;
  yield 'Members:';
  const sorted = set.members.map((m) => ({ m, key: memberKey(m) })).sort((a, b) => compareKeys(a.key, b.key));
  for (const { m } of sorted) yield formatIpsetMember(set, m);
}

/** `ipset list`: every set, in creation order, separated by an empty line. */
export function* renderIpsetList(sets: Iterable<IpSet>, netfilter?: Netfilter): Lines {
  let first = true;
  for (const set of sets) {
    if (!first) yield '';
    first = false;
    yield* renderIpset(set, netfilter);
  }
}
