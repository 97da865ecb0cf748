/**
 * `ipvsadm -Ln` and `ipvsadm -Lnc` as ipvsadm 1.31 prints them. This
 * machine's kernel has no IPVS, so the format comes from ipvsadm's sources
 * (ipvsadm.c list_all/print_service_entry/print_conn, libipvs
 * ipvs_cmp_services) and published outputs of kube-proxy nodes: services
 * sorted by protocol number, then address and port (an int subtraction of
 * the host-order addresses, as libipvs does), real servers by address and
 * port, `size=4096` (the default connection table bits, 12).
 */
import type { Ipvs, IpvsVirtualServer } from '../kernel/ipvs.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

const PROTOCOL_NUMBER: Readonly<Record<IpvsVirtualServer['protocol'], number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/** libipvs ipvs_cmp_services: `ntohl(a) - ntohl(b)` as a C int, so addresses far apart compare wrapped. */
export function compareVirtualServers(a: IpvsVirtualServer, b: IpvsVirtualServer): number {
  const proto = PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol];
  if (proto !== 0) return proto;
  const addr = (a.addr - b.addr) | 0;
  if (addr !== 0) return addr;
  return a.port - b.port;
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

export function* renderIpvsadmList(ipvs: Ipvs | undefined): Lines {
  yield 'IP Virtual Server version 1.2.1 (size=4096)';
  yield 'Prot LocalAddress:Port Scheduler Flags';
  yield '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn';
  const services = [...(ipvs?.services ?? [])].sort(compareVirtualServers);
  for (const vs of services) {
    let line = `${vs.protocol}  ${formatIPv4(vs.addr)}:${vs.port} ${vs.scheduler}`;
    if (vs.persistent !== undefined) line += ` persistent ${vs.persistent}`;
    yield line;
    const dests = [...vs.realServers].sort((a, b) => ((a.addr - b.addr) | 0) || a.port - b.port);
    for (const rs of dests) {
      yield `  -> ${pad(`${formatIPv4(rs.addr)}:${rs.port}`, 28)} ${pad(rs.forward, 7)} ${pad(String(rs.weight), 6)} ${pad('0', 10)} ${pad('0', 10)}`;
    }
  }
}

/** One IPVS connection entry (`ipvsadm -Lnc`), as a walk leaves it. */
export interface IpvsConnection {
  readonly protocol: IpvsVirtualServer['protocol'];
  readonly state: string;
  /** Seconds left, printed mm:ss. */
  readonly expires: number;
  readonly source: string;
  readonly virtual: string;
  readonly destination: string;
}

/** print_conn: `%-3s %-6s %-11s %-18s %-18s %s`. */
export function* renderIpvsadmConnections(conns: readonly IpvsConnection[]): Lines {
  yield 'IPVS connection entries';
  yield 'pro expire state       source             virtual            destination';
  for (const c of conns) {
    const mm = String(Math.floor(c.expires / 60)).padStart(2, '0');
    const ss = String(c.expires % 60).padStart(2, '0');
    yield `${pad(c.protocol, 3)} ${pad(`${mm}:${ss}`, 6)} ${pad(c.state, 11)} ${pad(c.source, 18)} ${pad(c.virtual, 18)} ${c.destination}`;
  }
}
