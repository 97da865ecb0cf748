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
  | { readonly kind: 'ip,port'; readonly ip: IPv4; readonly protocol: 'tcp' | 'udp' | 'sctp'; readonly port: number }
  /** hash:ip (kube-proxy's KUBE-IPVS-IPS). */
  | { readonly kind: 'ip'; readonly ip: IPv4 }
  /** hash:ip,port,ip: kube-proxy's KUBE-LOOP-BACK (endpoint, port, the endpoint again as source). */
  | { readonly kind: 'ip,port,ip'; readonly ip: IPv4; readonly protocol: 'tcp' | 'udp' | 'sctp'; readonly port: number; readonly ip2: IPv4 }
  /** hash:ip,port,net: kube-proxy's KUBE-LOAD-BALANCER-SOURCE-CIDR. */
  | {
      readonly kind: 'ip,port,net';
      readonly ip: IPv4;
      readonly protocol: 'tcp' | 'udp' | 'sctp';
      readonly port: number;
      readonly net: Cidr;
    }
  /** bitmap:port: a port of any protocol (the protocol is in the iptables rule, `-p tcp`). */
  | { readonly kind: 'port'; readonly port: number };

export interface IpSet {
  readonly name: string;
  readonly type: 'hash:net' | 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';
  readonly members: readonly IpSetMember[];
  /** bitmap:port only: the port range it was created with (kube-proxy: 0-65535). */
  readonly range?: readonly [number, number];
}

/**
 * `-m set --match-set NAME FLAGS`: the first flag says which address to
 * test (src or dst); for hash:ip,port the second says which port.
 */
export function ipsetMatches(
  set: IpSet,
  flags: readonly ('src' | 'dst')[],
  p: { src: IPv4; dst: IPv4; protocol: string; sport?: number; dport?: number },
): boolean {
  const ip = flags[0] === 'src' ? p.src : p.dst;
  const portOf = (flag: 'src' | 'dst' | undefined): number | undefined => (flag === 'src' ? p.sport : p.dport);
  switch (set.type) {
    case 'hash:net':
      return set.members.some((m) => m.kind === 'net' && contains(m.cidr, ip));
    case 'hash:ip':
      // Felix's hash:ip sets are stored as /32 nets; kube-proxy's as plain addresses.
      return set.members.some((m) => (m.kind === 'ip' && m.ip === ip) || (m.kind === 'net' && contains(m.cidr, ip)));
    case 'bitmap:port': {
      // The first flag names the port to test; bitmap:port knows no protocol.
      const port = portOf(flags[0]);
      return set.members.some((m) => m.kind === 'port' && m.port === port);
    }
    case 'hash:ip,port': {
      const port = portOf(flags[1]);
      return set.members.some((m) => m.kind === 'ip,port' && m.ip === ip && m.protocol === p.protocol && m.port === port);
    }
    case 'hash:ip,port,ip': {
      const port = portOf(flags[1]);
      const ip2 = flags[2] === 'src' ? p.src : p.dst;
      return set.members.some(
        (m) => m.kind === 'ip,port,ip' && m.ip === ip && m.protocol === p.protocol && m.port === port && m.ip2 === ip2,
      );
    }
    case 'hash:ip,port,net': {
      const port = portOf(flags[1]);
      const ip2 = flags[2] === 'src' ? p.src : p.dst;
      return set.members.some(
        (m) => m.kind === 'ip,port,net' && m.ip === ip && m.protocol === p.protocol && m.port === port && contains(m.net, ip2),
      );
    }
  }
}
