/**
 * Source NAT (SNAT, MASQUERADE in iptables and nftables alike) and the
 * source port it gives a connection. The kernel first tries
 * to keep the original port (nf_nat_core.c get_unique_tuple: the original
 * tuple when it is unique, which in a walk it always is), except when the
 * rule asks for random ports: iptables' `MASQUERADE --random-fully` /
 * `SNAT --random-fully`, nft's `masquerade fully-random` (flannel, calico
 * and kube-proxy all ask for it where iptables supports it). Then it skips
 * that attempt and draws the port at random (nf_nat_l4proto_unique_tuple)
 * from the class of the original port: 1-511, 600-1023, or 1024-65535, a
 * port never being mapped into another class.
 *
 * netlab draws it from a hash of the connection: the port visibly changes,
 * as a backend behind a masquerade sees on a real node, and a walk stays
 * reproducible. ICMP echo ids are left alone (nothing netlab prints shows
 * them changing but `conntrack -L`).
 */
import { fnv1a32 } from '../../net/hash.js';
import type { IPv4 } from '../../net/ipv4.js';
import type { Packet } from '../../flow/packet.js';
import type { HookContext } from './types.js';

export function randomFullySourcePort(p: Packet): number | undefined {
  if ((p.protocol !== 'tcp' && p.protocol !== 'udp') || p.sport === undefined) return undefined;
  const [min, size] = p.sport < 512 ? [1, 511] : p.sport < 1024 ? [600, 424] : [1024, 64512];
  return min + (fnv1a32(`${p.protocol} ${p.src}:${p.sport} ${p.dst}:${p.dport ?? 0}`) % size);
}

/** A source NAT to `src` (iptables SNAT, and MASQUERADE below): the port kept, or drawn anew when the rule asks for random ports. */
export function sourceNatted(p: Packet, src: IPv4, randomFully: boolean | undefined): Packet {
  const sport = randomFully ? randomFullySourcePort(p) : undefined;
  return { ...p, src, ...(sport !== undefined ? { sport } : {}) };
}

/** iptables' MASQUERADE and nft's `masquerade`: to the egress device's address; without one, the packet is left as it is. */
export function masqueraded(ctx: HookContext, p: Packet, randomFully: boolean | undefined): Packet {
  const src = ctx.outIface !== undefined ? ctx.masqueradeSource?.(ctx.outIface) : undefined;
  return src !== undefined ? sourceNatted(p, src, randomFully) : p;
}
