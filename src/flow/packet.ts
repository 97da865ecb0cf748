/**
 * Packets as the walker moves them: an IPv4 header, the L4 ports or ICMP
 * type, the skb mark, the Ethernet addresses while on a link, and for
 * tunnels the outer headers around the inner packet.
 */
import { IP_PROTOCOL_NUMBERS } from '../net/ip-protocols.js';
import type { IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

export type L4Protocol = 'icmp' | 'tcp' | 'udp';

/** What an IP header carries: an L4 protocol, or (outer header of IP-in-IP, protocol 4) another IP packet. */
export type IpProtocol = L4Protocol | 'ipip';

export const IP_PROTOCOL_NUMBER: Readonly<Record<IpProtocol, number>> = IP_PROTOCOL_NUMBERS;

export interface Packet {
  readonly src: IPv4;
  readonly dst: IPv4;
  readonly protocol: IpProtocol;
  readonly ttl: number;
  /** IP total length in bytes (header included), as ping's "84" for -s 56. */
  readonly length: number;
  /** Don't Fragment. */
  readonly df: boolean;
  readonly sport?: number;
  readonly dport?: number;
  /** ICMP type/code: 8 echo request, 0 echo reply, 11 time exceeded, 3 unreachable. */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** skb->mark, set by iptables MARK. */
  readonly mark: number;
  /** When this packet is a tunnel's outer packet, what it carries. */
  readonly tunnel?: Tunnel;
  /** ICMP errors quote the header of the packet they answer (RFC 792): conntrack finds the flow by it. */
  readonly quoted?: Packet;
}

/** The payload of an outer (encapsulating) packet. */
export interface Tunnel {
  readonly kind: 'vxlan' | 'flannel-udp' | 'ipip';
  readonly vni?: number;
  /** Source and destination MACs of the inner Ethernet frame (vxlan only). */
  readonly innerSrcMac?: string;
  readonly innerDstMac?: string;
  readonly inner: Packet;
}

/** Ethernet framing while a packet is on a link. */
export interface Frame {
  readonly srcMac: Mac;
  readonly dstMac: Mac;
  readonly packet: Packet;
}

/** Linux's default TTL (net.ipv4.ip_default_ttl), what a socket sends with, and the outer TTL of `ttl auto` tunnels. */
export const DEFAULT_TTL = 64;

export const IPV4_HEADER = 20;
export const ICMP_HEADER = 8;
export const UDP_HEADER = 8;
export const TCP_HEADER = 20;
/** Inner Ethernet 14 + VXLAN 8 + UDP 8 + outer IPv4 20. */
export const VXLAN_OVERHEAD = 50;
/** IP-in-IP: one more IPv4 header. */
export const IPIP_OVERHEAD = 20;
/** flannel udp: outer IPv4 20 + UDP 8 around the bare inner IP packet. */
export const FLANNEL_UDP_OVERHEAD = 28;

export function l4HeaderLength(protocol: L4Protocol): number {
  return protocol === 'icmp' ? ICMP_HEADER : protocol === 'udp' ? UDP_HEADER : TCP_HEADER;
}

/** A short description of a packet as it looks on the wire, outer headers first. */
export function describePacket(p: Packet, format: (ip: IPv4) => string): string {
  const ports =
    p.protocol === 'icmp'
      ? ` icmp type ${p.icmpType ?? 8}`
      : p.protocol === 'ipip'
        ? ' ipip'
        : ` ${p.protocol} ${p.sport ?? 0} > ${p.dport ?? 0}`;
  const self = `${format(p.src)} > ${format(p.dst)}${ports} ttl ${p.ttl} len ${p.length}${p.df ? ' DF' : ''}${p.mark ? ` mark 0x${p.mark.toString(16)}` : ''}`;
  if (!p.tunnel) return self;
  const vni = p.tunnel.vni !== undefined ? ` vni ${p.tunnel.vni}` : '';
  return `${self} [${p.tunnel.kind}${vni}: ${describePacket(p.tunnel.inner, format)}]`;
}
