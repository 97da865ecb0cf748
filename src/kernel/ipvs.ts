/**
 * IPVS state of one netns (`ipvsadm -Ln`): virtual servers and their real
 * servers, as the kernel keeps them after kube-proxy's netlink calls. Only
 * what kube-proxy sets is modelled: masquerading forward (NAT), weight 1,
 * the scheduler, and persistence for ClientIP affinity.
 */
import type { IPv4 } from '../net/ipv4.js';

export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface IpvsRealServer {
  readonly addr: IPv4;
  readonly port: number;
  readonly weight: number;
  /** kube-proxy only ever uses masquerading (NAT): `Masq` in ipvsadm. */
  readonly forward: 'Masq';
}

export interface IpvsVirtualServer {
  readonly protocol: IpvsProtocol;
  readonly addr: IPv4;
  readonly port: number;
  /** rr, wrr, lc, sh, mh, ... (ipvsadm -s). */
  readonly scheduler: string;
  /** Persistence timeout in seconds (IP_VS_SVC_F_PERSISTENT): ClientIP session affinity. */
  readonly persistent?: number;
  /** The service port it stands for, `namespace/name:port` (not kernel state: for traces). */
  readonly servicePort: string;
  readonly realServers: readonly IpvsRealServer[];
}

export interface Ipvs {
  readonly services: readonly IpvsVirtualServer[];
}

/** The virtual server a packet is addressed to (ip_vs_service_find: protocol, address, port). */
export function findVirtualServer(ipvs: Ipvs, protocol: string, addr: IPv4, port: number | undefined): IpvsVirtualServer | undefined {
  const proto = protocol.toUpperCase();
  return ipvs.services.find((s) => s.protocol === proto && s.addr === addr && s.port === port);
}

/** struct ip_vs_kstats as ipvsadm --stats prints it: connections, packets and bytes in (client to real server) and out. */
export interface IpvsCounters {
  readonly conns: number;
  readonly inPkts: number;
  readonly outPkts: number;
  readonly inBytes: number;
  readonly outBytes: number;
}

/** What the connection table says of one real server: ipvsadm's ActiveConn, InActConn, PersistConn and its counters. */
export interface IpvsDestActivity {
  readonly activeConns: number;
  readonly inactConns: number;
  readonly persistConns: number;
  readonly counters: IpvsCounters;
}

/** Connection state per real server, kept apart from the configuration (traffic walks fill it). */
export interface IpvsActivity {
  dest(vs: IpvsVirtualServer, rs: IpvsRealServer): IpvsDestActivity;
}

/** One IPVS connection entry (`ipvsadm -Lnc`), as a walk leaves it. */
export interface IpvsConnection {
  readonly protocol: IpvsProtocol;
  readonly state: string;
  /** Seconds left, printed mm:ss. */
  readonly expires: number;
  readonly source: string;
  readonly virtual: string;
  readonly destination: string;
}
