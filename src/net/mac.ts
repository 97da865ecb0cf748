import { createHash } from 'node:crypto';

/** A MAC address as six lowercase, colon-separated, zero-padded hex bytes. */
export type Mac = string;

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function parseMac(text: string): Mac | undefined {
  const lower = text.toLowerCase();
  return MAC_RE.test(lower) ? lower : undefined;
}

export function macBytes(mac: Mac): number[] {
  return mac.split(':').map((b) => parseInt(b, 16));
}

export function macFromBytes(bytes: ArrayLike<number>): Mac {
  return Array.from({ length: 6 }, (_, i) => bytes[i]!.toString(16).padStart(2, '0')).join(':');
}

/**
 * A stable, locally administered unicast MAC derived from a seed string.
 * Real components use random MACs (the kernel's eth_random_addr, flannel's
 * NewHardwareAddr): same bit pattern (bit 1 set, bit 0 clear), but reproducible.
 */
export function stableMac(seed: string): Mac {
  const digest = createHash('sha256').update(seed).digest();
  const bytes = Array.from(digest.subarray(0, 6));
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return macFromBytes(bytes);
}

/** The EUI-64 IPv6 link-local address the kernel derives from a MAC (addrgenmode eui64). */
export function linkLocalFromMac(mac: Mac): string {
  const b = macBytes(mac);
  const words = [((b[0]! ^ 0x02) << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${compressIPv6Tail(words)}`;
}

/** Formats the four low words of an fe80::/64 address as inet_ntop does (no leading zeros). */
function compressIPv6Tail(words: number[]): string {
  // The zero run after fe80 is always the longest one (words 2-4 of the tail
  // always contain 0xff), so only a zero first tail word can join it.
  const tail = words[0] === 0 ? words.slice(1) : words;
  return tail.map((w) => w.toString(16)).join(':');
}

/** The IPv6 solicited-node multicast MAC for a link-local built from `mac` (33:33:ff + last 3 bytes). */
export function solicitedNodeMulticastMac(mac: Mac): Mac {
  const b = macBytes(mac);
  return macFromBytes([0x33, 0x33, 0xff, b[3]!, b[4]!, b[5]!]);
}
