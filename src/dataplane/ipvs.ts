/**
 * IPVS in the packet walk: which real server ip_vs_in gives a new
 * connection, and what a walk session remembers afterwards (persistence
 * templates for ClientIP affinity, connection entries for `ipvsadm -Lnc`).
 *
 * The kernel's rr scheduler hands the first connection to the head of the
 * destination list, whose order depends on the order kube-proxy added the
 * real servers (a Go map's); netlab leaves that choice to the session's
 * random source, one branch per real server with probability 1/n like
 * iptables' statistic chains, so `--seed` and `--all-endpoints` work the
 * same in both modes.
 */
import type { IpvsRealServer, IpvsVirtualServer } from '../kernel/ipvs.js';
import { formatIPv4, type IPv4 } from '../net/ipv4.js';
import type { IpvsConnection } from '../render/ipvsadm.js';
import type { Packet } from './packet.js';

/** Real servers in ipvsadm's order (address, port): the order choices and --all-endpoints enumerate. */
export function orderedRealServers(vs: IpvsVirtualServer): IpvsRealServer[] {
  return [...vs.realServers].sort((a, b) => ((a.addr - b.addr) | 0) || a.port - b.port);
}

export function virtualName(vs: IpvsVirtualServer): string {
  return `${vs.protocol} ${formatIPv4(vs.addr)}:${vs.port}`;
}

/** Default timeouts ipvsadm shows for a fresh entry (ip_vs_proto_tcp.c SYN_RECV 60s... ESTABLISHED 900s, UDP 300s). */
const EXPIRE: Readonly<Record<string, { state: string; seconds: number }>> = {
  TCP: { state: 'ESTABLISHED', seconds: 900 },
  UDP: { state: 'UDP', seconds: 300 },
  SCTP: { state: 'ESTABLISHED', seconds: 900 },
};

export class IpvsSessionState {
  /** Persistence templates: `ns|client|vip:port` to the real server a ClientIP-affine client sticks to. */
  private readonly templates = new Map<string, IpvsRealServer>();
  private readonly connections = new Map<string, IpvsConnection[]>();

  /** The real server for a new connection: the client's template when persistent, else the scheduler's pick. */
  choose(nsId: string, vs: IpvsVirtualServer, client: IPv4, random: (p: number) => boolean): { rs: IpvsRealServer; persisted: boolean } | undefined {
    const servers = orderedRealServers(vs);
    if (servers.length === 0) return undefined;
    const key = `${nsId}|${client}|${virtualName(vs)}`;
    if (vs.persistent !== undefined) {
      const known = this.templates.get(key);
      if (known && servers.some((s) => s.addr === known.addr && s.port === known.port)) return { rs: known, persisted: true };
    }
    let rs = servers[servers.length - 1]!;
    for (let i = 0; i < servers.length - 1; i++) {
      if (random(1 / (servers.length - i))) {
        rs = servers[i]!;
        break;
      }
    }
    if (vs.persistent !== undefined) this.templates.set(key, rs);
    return { rs, persisted: false };
  }

  record(nsId: string, vs: IpvsVirtualServer, before: Packet, rs: IpvsRealServer): void {
    const list = this.connections.get(nsId) ?? [];
    this.connections.set(nsId, list);
    const expire = EXPIRE[vs.protocol]!;
    list.push({
      protocol: vs.protocol,
      state: expire.state,
      expires: expire.seconds,
      source: `${formatIPv4(before.src)}:${before.sport ?? 0}`,
      virtual: `${formatIPv4(vs.addr)}:${vs.port}`,
      destination: `${formatIPv4(rs.addr)}:${rs.port}`,
    });
  }

  /** `ipvsadm -Lnc` entries of one netns after the session's walks. */
  entries(nsId: string): readonly IpvsConnection[] {
    return this.connections.get(nsId) ?? [];
  }
}
