/**
 * `ipvsadm -Ln`, `ipvsadm -Ln --stats` and `ipvsadm -Lnc` as ipvsadm 1.31
 * prints them. This machine's kernel has no IPVS, so the format comes from
 * ipvsadm's sources (ipvsadm.c list_all/print_title/print_service_entry/
 * print_largenum/list_conn/print_conn, libipvs ipvs_cmp_services) and
 * published outputs of kube-proxy nodes: services sorted by protocol
 * number, then address and port (an int subtraction of the host-order
 * addresses, as libipvs does), real servers by address and port,
 * `size=4096` (the default connection table bits, 12).
 */
import type { Ipvs, IpvsActivity, IpvsConnection, IpvsCounters, IpvsDestActivity, IpvsVirtualServer } from '../kernel/ipvs.js';
import { ipProtocolNumber } from '../net/ip-protocols.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

/** libipvs ipvs_cmp_services: `ntohl(a) - ntohl(b)` as a C int, so addresses far apart compare wrapped. */
export function compareVirtualServers(a: IpvsVirtualServer, b: IpvsVirtualServer): number {
  const proto = ipProtocolNumber(a.protocol) - ipProtocolNumber(b.protocol);
  if (proto !== 0) return proto;
  const addr = (a.addr - b.addr) | 0;
  if (addr !== 0) return addr;
  return a.port - b.port;
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

const IDLE: IpvsActivity = {
  dest: () => ({ activeConns: 0, inactConns: 0, persistConns: 0, counters: { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 } }),
};

const HEADER = 'IP Virtual Server version 1.2.1 (size=4096)';

/** print_service_entry's service name, `TCP  10.96.0.1:443`, cut at 33 characters for IPv4. */
function serviceName(vs: IpvsVirtualServer): string {
  return `${vs.protocol}  ${formatIPv4(vs.addr)}:${vs.port}`.slice(0, 33);
}

function sortedServices(ipvs: Ipvs | undefined): IpvsVirtualServer[] {
  return [...(ipvs?.services ?? [])].sort(compareVirtualServers);
}

function sortedDests(vs: IpvsVirtualServer): IpvsVirtualServer['realServers'] {
  return [...vs.realServers].sort((a, b) => (a.addr - b.addr) | 0 || a.port - b.port);
}

/** `ipvsadm -Ln`; `activity` gives the connection counts the walks left (none: all zero). */
export function* renderIpvsadmList(ipvs: Ipvs | undefined, activity: IpvsActivity = IDLE): Lines {
  yield HEADER;
  yield 'Prot LocalAddress:Port Scheduler Flags';
  yield '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn';
  for (const vs of sortedServices(ipvs)) {
    let line = `${serviceName(vs)} ${vs.scheduler}`;
    if (vs.persistent !== undefined) line += ` persistent ${vs.persistent}`;
    yield line;
    for (const rs of sortedDests(vs)) {
      const a = activity.dest(vs, rs);
      yield `  -> ${pad(`${formatIPv4(rs.addr)}:${rs.port}`, 28)} ${pad(rs.forward, 7)} ${pad(String(rs.weight), 6)} ${pad(String(a.activeConns), 10)} ${pad(String(a.inactConns), 10)}`;
    }
  }
}

/** print_largenum: `%9llu` under 100 million, then K/M/G/T with 8 digits; --exact widens to the number. */
export function largeNumber(n: number, exact: boolean): string {
  if (exact) {
    const digits = String(n);
    return digits.padStart(digits.length <= 8 ? 9 : digits.length + 1);
  }
  if (n < 1e8) return String(n).padStart(9);
  if (n < 1e9) return `${String(Math.floor(n / 1e3)).padStart(8)}K`;
  if (n < 1e11) return `${String(Math.floor(n / 1e6)).padStart(8)}M`;
  if (n < 1e14) return `${String(Math.floor(n / 1e9)).padStart(8)}G`;
  return `${String(Math.floor(n / 1e12)).padStart(8)}T`;
}

function countersText(c: IpvsCounters, exact: boolean): string {
  return [c.conns, c.inPkts, c.outPkts, c.inBytes, c.outBytes].map((n) => largeNumber(n, exact)).join('');
}

function sum(counters: readonly IpvsCounters[]): IpvsCounters {
  const total = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  for (const c of counters) for (const k of Object.keys(total) as (keyof IpvsCounters)[]) total[k] += c[k];
  return total;
}

/**
 * `ipvsadm -Ln --stats [--exact]`: a service's counters are the sum of its real servers' (the kernel
 * counts every packet in both, ip_vs_in_stats/ip_vs_out_stats/ip_vs_conn_stats).
 */
export function* renderIpvsadmStats(ipvs: Ipvs | undefined, activity: IpvsActivity = IDLE, exact = false): Lines {
  yield HEADER;
  yield `${pad('Prot LocalAddress:Port', 33)} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => h.padStart(8)).join(' ')}`;
  yield '  -> RemoteAddress:Port';
  for (const vs of sortedServices(ipvs)) {
    const dests = sortedDests(vs).map((rs): [typeof rs, IpvsDestActivity] => [rs, activity.dest(vs, rs)]);
    yield `${pad(serviceName(vs), 33)}${countersText(sum(dests.map(([, a]) => a.counters)), exact)}`;
    for (const [rs, a] of dests) yield `  -> ${pad(`${formatIPv4(rs.addr)}:${rs.port}`, 28)}${countersText(a.counters, exact)}`;
  }
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
