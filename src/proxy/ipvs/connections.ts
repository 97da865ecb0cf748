/**
 * IPVS's connection table in the packet walk: which real server ip_vs_in
 * gives a connection, and the table the walks leave behind (`ipvsadm -Lnc`,
 * the ActiveConn/InActConn columns and `--stats` counters of `ipvsadm -Ln`).
 * A walk session keeps one (its KernelState); the ipvs mode's walk step
 * (./mode.ts) reads and fills it.
 *
 * The kernel's rr scheduler hands the first connection to the head of the
 * destination list, whose order depends on the order kube-proxy added the
 * real servers (a Go map's); netlab leaves that choice to the session's
 * random source, one branch per real server with probability 1/n like
 * iptables' statistic chains, so `--seed` and `--all-endpoints` work the
 * same in both modes.
 *
 * What ip_vs_in does, and netlab after it: a packet of a connection IPVS
 * already knows goes to that connection's real server (ip_vs_conn_in_get
 * before any scheduling); a new one is scheduled, through the client's
 * persistence template when the service is persistent (ip_vs_sched_persist:
 * the template <proto, caddr, 0, vaddr, vport, daddr, dport> is created
 * first and controls the connection).
 */
import type { IpvsActivity, IpvsConnection, IpvsCounters, IpvsDestActivity, IpvsRealServer, IpvsVirtualServer } from '../../kernel/ipvs.js';
import { formatIPv4, type IPv4 } from '../../net/ipv4.js';
import type { Packet } from '../../flow/packet.js';
import { chainedChoice } from '../../flow/random.js';

/**
 * A connection's conntrack entry, as IPVS reads it: whether a reply went
 * through (ip_vs_conn's state follows it). The walk hands over its
 * conntrack entries (proxy/types.ts TrackedFlow, the same shape).
 */
interface TrackedFlow {
  readonly replied: boolean;
}

/** Real servers in ipvsadm's order (address, port): the order choices and --all-endpoints enumerate. */
export function orderedRealServers(vs: IpvsVirtualServer): IpvsRealServer[] {
  return [...vs.realServers].sort((a, b) => (a.addr - b.addr) | 0 || a.port - b.port);
}

export function virtualName(vs: IpvsVirtualServer): string {
  return `${vs.protocol} ${formatIPv4(vs.addr)}:${vs.port}`;
}

/**
 * Default timeouts, in seconds (net/netfilter/ipvs/ip_vs_proto_tcp.c tcp_timeouts, ip_vs_proto_udp.c
 * udp_timeouts). A template lives for the service's persistence timeout.
 */
const TIMEOUT = { tcpSynRecv: 60, tcpEstablished: 15 * 60, udp: 5 * 60 } as const;

/** ip_vs_sched_persist: the FTP control port gets a template with vport and dport 0 (data connections share it). */
const FTP_PORT = 21;

/** One entry of the kernel's IPVS connection table (struct ip_vs_conn), as the walks left it. */
interface Conn {
  /** IP_VS_CONN_F_TEMPLATE: a persistence template, not a connection. */
  readonly template: boolean;
  readonly vs: IpvsVirtualServer;
  readonly client: IPv4;
  readonly cport: number;
  readonly rs: IpvsRealServer;
  /** The netns' conntrack entry of the connection: a reply walked through it answers the connection. */
  readonly flow?: TrackedFlow;
  /** The template controlling a persistent connection (cp->control). */
  readonly control?: Conn;
  /** A template's controlled connections. */
  readonly controlled: Conn[];
  readonly counters: { conns: number; inPkts: number; outPkts: number; inBytes: number; outBytes: number };
}

function zeroCounters(): Conn['counters'] {
  return { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
}

const destKey = (vs: IpvsVirtualServer, rs: IpvsRealServer): string => `${virtualName(vs)} -> ${formatIPv4(rs.addr)}:${rs.port}`;

/** IPVS connection tables of every netns a walk session (or several sharing it, as --traffic does) went through. */
export class IpvsSessionState {
  private readonly byNs = new Map<string, Conn[]>();

  private table(nsId: string): Conn[] {
    let t = this.byNs.get(nsId);
    if (!t) this.byNs.set(nsId, (t = []));
    return t;
  }

  /** ip_vs_conn_in_get: the connection a client's packet to a virtual server belongs to. */
  private connectionOf(nsId: string, vs: IpvsVirtualServer, p: Packet): Conn | undefined {
    return this.byNs.get(nsId)?.find((c) => !c.template && c.vs === vs && c.client === p.src && c.cport === (p.sport ?? 0));
  }

  /** Whether IPVS in this netns already translates this packet's connection (a later packet of it). */
  knows(nsId: string, vs: IpvsVirtualServer, p: Packet): boolean {
    return this.connectionOf(nsId, vs, p) !== undefined;
  }

  /**
   * The real server for a packet: its connection's when IPVS knows the connection, else the
   * client's live template when the service is persistent, else the scheduler's pick.
   */
  choose(
    nsId: string,
    vs: IpvsVirtualServer,
    p: Packet,
    random: (p: number) => boolean,
  ): { rs: IpvsRealServer; persisted: boolean } | undefined {
    const known = this.connectionOf(nsId, vs, p);
    if (known) return { rs: known.rs, persisted: known.control !== undefined };
    const servers = orderedRealServers(vs);
    if (servers.length === 0) return undefined;
    if (vs.persistent !== undefined) {
      const template = this.templateOf(nsId, vs, p.src);
      if (template && servers.some((s) => s.addr === template.rs.addr && s.port === template.rs.port))
        return { rs: template.rs, persisted: true };
    }
    return { rs: servers[chainedChoice(servers.length, random)]!, persisted: false };
  }

  private templateOf(nsId: string, vs: IpvsVirtualServer, client: IPv4): Conn | undefined {
    return this.byNs.get(nsId)?.find((c) => c.template && c.vs === vs && c.client === client);
  }

  /**
   * The packet `p` (before translation) went to `rs`: a new connection is created (with its
   * template first when the service is persistent and the client has none), or the known one
   * counts the packet (ip_vs_in_stats: skb->len, the IP packet's length).
   */
  record(nsId: string, vs: IpvsVirtualServer, p: Packet, rs: IpvsRealServer, flow: TrackedFlow | undefined): void {
    let conn = this.connectionOf(nsId, vs, p);
    if (!conn) {
      const table = this.table(nsId);
      let control: Conn | undefined;
      if (vs.persistent !== undefined) {
        control = this.templateOf(nsId, vs, p.src);
        if (!control) {
          control = { template: true, vs, client: p.src, cport: 0, rs, controlled: [], counters: zeroCounters() };
          table.push(control);
        }
      }
      conn = {
        template: false,
        vs,
        client: p.src,
        cport: p.sport ?? 0,
        rs,
        ...(flow ? { flow } : {}),
        ...(control ? { control } : {}),
        controlled: [],
        counters: zeroCounters(),
      };
      conn.counters.conns = 1;
      control?.controlled.push(conn);
      table.push(conn);
    }
    conn.counters.inPkts++;
    conn.counters.inBytes += p.length;
  }

  /** A reply of a tracked flow went through this netns: the IPVS connection on it counts it (ip_vs_out_stats). */
  reply(nsId: string, flow: TrackedFlow, p: Packet): void {
    const conn = this.byNs.get(nsId)?.find((c) => c.flow === flow);
    if (!conn) return;
    conn.counters.outPkts++;
    conn.counters.outBytes += p.length;
  }

  /**
   * `ipvsadm -Lnc` entries of one netns, in creation order (the kernel lists its hash table,
   * whose order depends on a random seed). Timers are what the tool shows a moment after the
   * exchange (the timeout minus one second), and a TCP connection that was answered is shown
   * established, as conntrack -L shows it: the handshake's last ACK has gone.
   */
  entries(nsId: string): IpvsConnection[] {
    return (this.byNs.get(nsId) ?? []).map((c) => {
      const { state, seconds } = this.stateOf(c);
      const ftp = c.template && c.vs.port === FTP_PORT;
      return {
        protocol: c.vs.protocol,
        state,
        expires: seconds - 1,
        source: `${formatIPv4(c.client)}:${c.cport}`,
        virtual: `${formatIPv4(c.vs.addr)}:${ftp ? 0 : c.vs.port}`,
        destination: `${formatIPv4(c.rs.addr)}:${ftp ? 0 : c.rs.port}`,
      };
    });
  }

  private stateOf(c: Conn): { state: string; seconds: number } {
    if (c.template) {
      // ip_vs_control_assure_ct: a controlled TCP connection reaching ESTABLISHED, or a UDP reply, assures it.
      const assured = c.controlled.some((d) => d.flow?.replied === true);
      return { state: assured ? 'ASSURED' : 'NONE', seconds: c.vs.persistent ?? 0 };
    }
    if (c.vs.protocol === 'UDP') return { state: 'UDP', seconds: TIMEOUT.udp };
    // SYN in: NONE -> SYN_RECV; the SYN-ACK out keeps SYN_RECV; the client's ACK in: ESTABLISHED (tcp_states).
    return c.flow?.replied ? { state: 'ESTABLISHED', seconds: TIMEOUT.tcpEstablished } : { state: 'SYN_RECV', seconds: TIMEOUT.tcpSynRecv };
  }

  /** The counters and connection counts ipvsadm -Ln shows for one netns. */
  activity(nsId: string): IpvsActivity {
    const dests = new Map<string, { active: number; inactive: number; persist: number; counters: IpvsCounters & Conn['counters'] }>();
    for (const c of this.byNs.get(nsId) ?? []) {
      const key = destKey(c.vs, c.rs);
      let d = dests.get(key);
      if (!d) dests.set(key, (d = { active: 0, inactive: 0, persist: 0, counters: zeroCounters() }));
      if (c.template) {
        d.persist++;
        continue;
      }
      // A new connection starts inactive (the dest's IP_VS_CONN_F_INACTIVE); TCP's SYN_RECV and ESTABLISHED are
      // active states (tcp_state_active), UDP never changes state.
      if (c.vs.protocol === 'TCP') d.active++;
      else d.inactive++;
      for (const k of Object.keys(d.counters) as (keyof IpvsCounters)[]) d.counters[k] += c.counters[k];
    }
    const none: IpvsDestActivity = { activeConns: 0, inactConns: 0, persistConns: 0, counters: zeroCounters() };
    return {
      dest: (vs, rs) => {
        const d = dests.get(destKey(vs, rs));
        return d ? { activeConns: d.active, inactConns: d.inactive, persistConns: d.persist, counters: d.counters } : none;
      },
    };
  }
}
