/**
 * IPv4 addresses as unsigned 32-bit integers.
 *
 * The core never holds addresses as strings or ip-num objects: a uint32 mask
 * compare costs nanoseconds, which matters when a 5,000-node cluster puts
 * thousands of routes in every table. ip-num stays at the edge (parsing user
 * input with good errors); these helpers are the hot path.
 */
export type IPv4 = number;

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses dotted-quad text; undefined for anything else (no leading zeros, no shorthand). */
export function parseIPv4(text: string): IPv4 | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

export function formatIPv4(ip: IPv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** The netmask for a prefix length, as a uint32 (len 0 gives 0). */
export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Dotted netmask text, as route -n and ifconfig print it. */
export function formatNetmask(len: number): string {
  return formatIPv4(prefixMask(len));
}

/** The four bytes, most significant first. */
export function ipv4Bytes(ip: IPv4): [number, number, number, number] {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
}
