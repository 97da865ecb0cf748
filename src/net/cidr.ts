import { formatIPv4, parseIPv4, prefixMask, type IPv4 } from './ipv4.js';

/** An IPv4 prefix. `addr` always has its host bits cleared. */
export interface Cidr {
  readonly addr: IPv4;
  readonly len: number;
}

/** A prefix as written, possibly with host bits set (`10.244.1.1/24` on an interface). */
export interface CidrText {
  readonly ip: IPv4;
  readonly len: number;
}

export function cidr(addr: IPv4, len: number): Cidr {
  return { addr: (addr & prefixMask(len)) >>> 0, len };
}

/** Parses `a.b.c.d/len`, keeping host bits so callers can complain about them. */
export function parseCidrText(text: string): CidrText | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIPv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (ip === undefined || !/^(3[0-2]|[12]?\d)$/.test(lenText)) return undefined;
  return { ip, len: Number(lenText) };
}

/** Parses `a.b.c.d/len`, clearing host bits. */
export function parseCidr(text: string): Cidr | undefined {
  const parsed = parseCidrText(text);
  return parsed && cidr(parsed.ip, parsed.len);
}

export function hasHostBits(text: CidrText): boolean {
  return (text.ip & ~prefixMask(text.len)) !== 0;
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.addr)}/${c.len}`;
}

export function contains(c: Cidr, ip: IPv4): boolean {
  return (ip & prefixMask(c.len)) >>> 0 === c.addr;
}

/** True when one prefix contains the other (IPv4 prefixes either nest or are disjoint). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  const mask = prefixMask(len);
  return (a.addr & mask) >>> 0 === (b.addr & mask) >>> 0;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.len);
}

export function broadcastOf(c: Cidr): IPv4 {
  return (c.addr + size(c) - 1) >>> 0;
}

/** The nth address of a prefix (0 is the network address). */
export function nth(c: Cidr, n: number): IPv4 {
  return (c.addr + n) >>> 0;
}

/** The index-th subnet of length `len` inside `parent`, or undefined when it does not fit. */
export function subnetAt(parent: Cidr, len: number, index: number): Cidr | undefined {
  if (len < parent.len || index < 0 || index >= 2 ** (len - parent.len)) return undefined;
  return { addr: (parent.addr + index * 2 ** (32 - len)) >>> 0, len };
}

/** 127.0.0.0/8: what kube-proxy, the kubelet and dockerd leave out of (or match) in their rules. */
export const LOOPBACK_NET: Cidr = cidr(0x7f000000, 8);
