/**
 * Connection tracking, per namespace, for one walk session: the first packet
 * of a flow creates an entry in every netns it crosses; NAT done on that
 * first packet is remembered so replies are translated back; replies find
 * their entry and are ESTABLISHED.
 */
import type { IPv4 } from '../../net/ipv4.js';
import type { Packet } from '../../flow/packet.js';

export interface Tuple {
  readonly src: IPv4;
  readonly dst: IPv4;
  readonly protocol: Packet['protocol'];
  readonly sport?: number;
  readonly dport?: number;
}

export interface ConntrackEntry {
  /** The flow as first seen by this netns. */
  readonly original: Tuple;
  /** What a reply looks like on arrival here (after this netns' NAT). */
  reply: Tuple;
  /** A packet of the reply direction went through this netns (conntrack -L drops [UNREPLIED]). */
  replied: boolean;
  /**
   * The destination was rewritten by IPVS (ip_vs_update_conntrack), not by a
   * NAT binding: later packets are translated by IPVS again at LOCAL_IN,
   * not by conntrack before routing (a masquerade on top is a binding).
   */
  byIpvs?: boolean;
}

export function tupleOf(p: Packet): Tuple {
  // ICMP echo request and reply share the id; ports stand for it here.
  return { src: p.src, dst: p.dst, protocol: p.protocol, sport: p.sport, dport: p.dport };
}

function key(t: Tuple): string {
  return `${t.protocol} ${t.src}:${t.sport ?? ''} > ${t.dst}:${t.dport ?? ''}`;
}

function reverse(t: Tuple): Tuple {
  return { src: t.dst, dst: t.src, protocol: t.protocol, sport: t.dport, dport: t.sport };
}

export class Conntrack {
  private readonly byNs = new Map<string, Map<string, ConntrackEntry>>();

  private table(ns: string): Map<string, ConntrackEntry> {
    let t = this.byNs.get(ns);
    if (!t) this.byNs.set(ns, (t = new Map()));
    return t;
  }

  /** The entry a packet belongs to in this netns, and in which direction. */
  find(ns: string, p: Packet): { entry: ConntrackEntry; direction: 'original' | 'reply' } | undefined {
    const t = this.table(ns);
    const wanted = key(tupleOf(p));
    for (const entry of t.values()) {
      if (key(entry.original) === wanted) return { entry, direction: 'original' };
      if (key(entry.reply) === wanted) return { entry, direction: 'reply' };
    }
    // The original direction after this netns' DNAT (the reply turned around): an skb keeps its conntrack
    // entry through later hooks (POSTROUTING after a PREROUTING DNAT, LOCAL_OUT after IPVS).
    for (const entry of t.values()) if (key(reverse(entry.reply)) === wanted) return { entry, direction: 'original' };
    // The original half way: DNATed before routing, not yet masqueraded (FORWARD, and POSTROUTING before its SNAT).
    for (const entry of t.values())
      if (key({ ...entry.original, dst: entry.reply.src, dport: entry.reply.sport }) === wanted) return { entry, direction: 'original' };
    // Likewise a reply after this netns' de-NAT (INPUT, then the socket): a node's own connection to a
    // cluster IP, DNATed and masqueraded in its own OUTPUT/POSTROUTING, gets its SYN-ACK back this way.
    for (const entry of t.values()) if (key(reverse(entry.original)) === wanted) return { entry, direction: 'reply' };
    // A reply half way: its destination translated back (PREROUTING), its source not yet (FORWARD, INPUT, POSTROUTING).
    for (const entry of t.values())
      if (key({ ...entry.reply, dst: entry.original.src, dport: entry.original.sport }) === wanted) return { entry, direction: 'reply' };
    return undefined;
  }

  /** A new flow seen here; `after` is the packet after this netns' NAT, if any. */
  create(ns: string, original: Packet): ConntrackEntry {
    const entry: ConntrackEntry = { original: tupleOf(original), reply: reverse(tupleOf(original)), replied: false };
    this.table(ns).set(key(entry.original), entry);
    return entry;
  }

  /** Records the NAT applied to the original direction: replies will come back to the translated addresses. */
  natted(entry: ConntrackEntry, after: Packet, by: 'netfilter' | 'ipvs' = 'netfilter'): void {
    entry.reply = reverse(tupleOf(after));
    if (by === 'ipvs') entry.byIpvs = true;
  }

  /**
   * A later packet of the original direction gets the NAT its connection's
   * first packet got, without the nat chains (nf_nat_packet applies the
   * stored binding): its destination where NAT changes destinations
   * (PREROUTING, OUTPUT: the DNAT to the chosen endpoint)...
   */
  static natDestination(entry: ConntrackEntry, p: Packet): Packet {
    const { src, sport } = entry.reply;
    return { ...p, dst: src, ...(sport !== undefined ? { dport: sport } : {}) };
  }

  /** ...and its source where NAT changes sources (POSTROUTING, INPUT: the masquerade). */
  static natSource(entry: ConntrackEntry, p: Packet): Packet {
    const { dst, dport } = entry.reply;
    return { ...p, src: dst, ...(dport !== undefined ? { sport: dport } : {}) };
  }

  /**
   * A reply's destination translated back to the original sender (undoing
   * the original's SNAT or masquerade). The kernel does it where NAT
   * changes destinations: PREROUTING, or OUTPUT for a local socket's reply.
   */
  static unNatDestination(entry: ConntrackEntry, reply: Packet): Packet {
    const { src, sport } = entry.original;
    return { ...reply, dst: src, ...(sport !== undefined ? { dport: sport } : {}) };
  }

  /**
   * A reply's source translated back to the address the sender asked for
   * (undoing the original's DNAT). The kernel does it where NAT changes
   * sources, after the filter tables: POSTROUTING, or INPUT for a local
   * socket. So FORWARD still sees the endpoint's address (flannel's
   * `FLANNEL-FWD -s <pod network> -j ACCEPT` lets a node port's reply through
   * a FORWARD policy DROP).
   */
  static unNatSource(entry: ConntrackEntry, reply: Packet): Packet {
    const { dst, dport } = entry.original;
    return { ...reply, src: dst, ...(dport !== undefined ? { sport: dport } : {}) };
  }

  /**
   * The flow an ICMP error is about: the error quotes the offending packet as
   * it left this netns (after its NAT), which is a reply tuple turned around;
   * after PREROUTING translated it back, the original packet itself.
   */
  related(ns: string, quoted: Packet): ConntrackEntry | undefined {
    const wanted = key(reverse(tupleOf(quoted)));
    for (const entry of this.table(ns).values()) if (key(entry.reply) === wanted) return entry;
    // The error keeps its entry through the later hooks of this netns, quoting the original packet once translated back.
    const translated = key(tupleOf(quoted));
    for (const entry of this.table(ns).values()) if (key(entry.original) === translated) return entry;
    return undefined;
  }

  /** A RELATED ICMP error translated back: to the flow's original source, quoting the original packet. */
  static unNatRelated(entry: ConntrackEntry, error: Packet): Packet {
    const { src, dst, sport, dport } = entry.original;
    const quoted = error.quoted && {
      ...error.quoted,
      src,
      dst,
      ...(sport !== undefined ? { sport } : {}),
      ...(dport !== undefined ? { dport } : {}),
    };
    return { ...error, dst: src, ...(quoted ? { quoted } : {}) };
  }

  entries(ns: string): ConntrackEntry[] {
    return [...this.table(ns).values()];
  }
}
