/**
 * ipsets (`ipset list`): named sets iptables rules match with `-m set
 * --match-set NAME src|dst`. Calico's Felix keeps its pools, hosts and
 * policy selectors in them; kube-proxy's ipvs mode keeps its cluster IPs.
 * Members are kept as data the packet walk can test.
 */
import { contains, type Cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';

export type IpSetMember =
  /** hash:net (a /32 is a host). */
  | { readonly kind: 'net'; readonly cidr: Cidr }
  /** hash:ip,port: an address with a protocol and port (Felix's named-port sets). */
  | { readonly kind: 'ip,port'; readonly ip: IPv4; readonly protocol: 'tcp' | 'udp' | 'sctp'; readonly port: number };

export interface IpSet {
  readonly name: string;
  readonly type: 'hash:net' | 'hash:ip' | 'hash:ip,port';
  readonly members: readonly IpSetMember[];
}

/**
 * `-m set --match-set NAME FLAGS`: the first flag says which address to
 * test (src or dst); for hash:ip,port the second says which port.
 */
export function ipsetMatches(set: IpSet, flags: readonly ('src' | 'dst')[], p: { src: IPv4; dst: IPv4; protocol: string; sport?: number; dport?: number }): boolean {
  const ip = flags[0] === 'src' ? p.src : p.dst;
  if (set.type !== 'hash:ip,port') return set.members.some((m) => m.kind === 'net' && contains(m.cidr, ip));
  const port = flags[1] === 'src' ? p.sport : p.dport;
  return set.members.some((m) => m.kind === 'ip,port' && m.ip === ip && m.protocol === p.protocol && m.port === port);
}
