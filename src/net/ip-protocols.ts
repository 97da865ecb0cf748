/**
 * IP protocol numbers (IANA, as /etc/protocols and the kernel's IPPROTO_*
 * have them) for the protocols netlab models, keyed by the lower-case names
 * the tools print. One table: the packet model, nftables, IPVS and Felix read it.
 */
export const IP_PROTOCOL_NUMBERS = { icmp: 1, ipip: 4, tcp: 6, udp: 17, sctp: 132 } as const;

export type IpProtocolName = keyof typeof IP_PROTOCOL_NUMBERS;

/** The number of a protocol named in either case (Kubernetes and IPVS write TCP, the tools tcp). */
export function ipProtocolNumber(name: IpProtocolName | Uppercase<IpProtocolName>): number {
  return IP_PROTOCOL_NUMBERS[name.toLowerCase() as IpProtocolName];
}
