/**
 * Connection tracking, one row per case, with the expected values from how
 * nf_conntrack and nf_nat work (net/netfilter/nf_conntrack_core.c,
 * nf_nat_core.c; conntrack(8) prints the two tuples of an entry):
 *
 * - an entry has the original tuple (the flow as its first packet arrived)
 *   and the reply tuple (what an answer looks like on arrival, after this
 *   netns' NAT): no NAT, the original turned around; a DNAT puts the new
 *   destination as the reply's source; a masquerade puts the new source as
 *   the reply's destination;
 * - a packet finds its entry in either direction, also half-translated: an
 *   skb keeps its entry through the hooks after its own NAT;
 * - later packets get the binding the first one got without the nat chains
 *   (nf_nat_packet), replies are translated back: destination before
 *   routing, source after the filter tables;
 * - states: the first packet is NEW at every hook it crosses (the entry is
 *   unconfirmed until it leaves the netns), a reply and later packets are
 *   ESTABLISHED, an ICMP error about the flow is RELATED.
 *
 * The flow of the rows is a NodePort reached from outside through a node
 * without an endpoint, which both DNATs and masquerades it:
 *   client 198.51.100.10:40000 -> node 10.234.2.11:30080
 *   DNAT to the endpoint 10.244.2.2:80, masquerade to flannel.1's 10.244.0.0
 *   conntrack -L: src=198.51.100.10 dst=10.234.2.11 sport=40000 dport=30080
 *                 src=10.244.2.2 dst=10.244.0.0 sport=80 dport=40000
 */
import { describe, expect, it } from 'vitest';
import { NetnsBuilder } from '../../src/kernel/builder.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { parseCidr } from '../../src/net/cidr.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../../src/net/ipv4.js';
import type { Packet } from '../../src/flow/packet.js';
import { Conntrack, type ConntrackEntry, type Tuple } from '../../src/dataplane/netfilter/conntrack.js';
import { forward, input, output, postrouting, prerouting, type HookSession } from '../../src/dataplane/netfilter/hooks.js';

const ip = (text: string): IPv4 => parseIPv4(text)!;
const CLIENT = ip('198.51.100.10');
const NODE = ip('10.234.2.11');
const ENDPOINT = ip('10.244.2.2');
const FLANNEL = ip('10.244.0.0');
const NS = 'node/master';

function tcp(src: IPv4, sport: number, dst: IPv4, dport: number, extra: Partial<Packet> = {}): Packet {
  return { src, dst, protocol: 'tcp', sport, dport, ttl: 64, length: 60, df: true, mark: 0, ...extra };
}

/** How conntrack -L would print a tuple. */
const show = (t: Pick<Tuple, 'src' | 'dst' | 'sport' | 'dport'>) => `${formatIPv4(t.src)}:${t.sport} > ${formatIPv4(t.dst)}:${t.dport}`;

/** The table after the NodePort's first packet: created on arrival, DNATed, then masqueraded. */
function nodePortFlow(): { conntrack: Conntrack; entry: ConntrackEntry } {
  const conntrack = new Conntrack();
  const entry = conntrack.create(NS, tcp(CLIENT, 40000, NODE, 30080));
  conntrack.natted(entry, tcp(CLIENT, 40000, ENDPOINT, 80));
  conntrack.natted(entry, tcp(FLANNEL, 40000, ENDPOINT, 80));
  return { conntrack, entry };
}

describe('conntrack entries: the two tuples', () => {
  it.each([
    { case: 'no NAT: the reply is the original turned around', nat: [], reply: '10.234.2.11:30080 > 198.51.100.10:40000' },
    {
      case: 'DNAT: the reply comes from the new destination',
      nat: [tcp(CLIENT, 40000, ENDPOINT, 80)],
      reply: '10.244.2.2:80 > 198.51.100.10:40000',
    },
    {
      case: 'DNAT and masquerade: from the new destination to the new source',
      nat: [tcp(CLIENT, 40000, ENDPOINT, 80), tcp(FLANNEL, 40000, ENDPOINT, 80)],
      reply: '10.244.2.2:80 > 10.244.0.0:40000',
    },
  ])('$case', ({ nat, reply }) => {
    const conntrack = new Conntrack();
    const entry = conntrack.create(NS, tcp(CLIENT, 40000, NODE, 30080));
    for (const after of nat) conntrack.natted(entry, after);
    expect(show(entry.original)).toBe('198.51.100.10:40000 > 10.234.2.11:30080');
    expect(show(entry.reply)).toBe(reply);
    // Nothing answered yet: conntrack -L shows [UNREPLIED].
    expect(entry.replied).toBe(false);
    expect(conntrack.entries(NS)).toEqual([entry]);
  });

  it("IPVS's translation is marked as its own: later packets are IPVS's again, not a NAT binding's", () => {
    const conntrack = new Conntrack();
    const entry = conntrack.create(NS, tcp(CLIENT, 40000, ip('10.96.0.10'), 80));
    conntrack.natted(entry, tcp(CLIENT, 40000, ENDPOINT, 80), 'ipvs');
    expect(entry.byIpvs).toBe(true);
    expect(show(entry.reply)).toBe('10.244.2.2:80 > 198.51.100.10:40000');
  });
});

describe('conntrack lookups', () => {
  it.each([
    { case: "the client's packet as it arrives", packet: tcp(CLIENT, 40000, NODE, 30080), direction: 'original' },
    { case: "the same after PREROUTING's DNAT (the skb keeps its entry)", packet: tcp(CLIENT, 40000, ENDPOINT, 80), direction: 'original' },
    { case: 'the same as it leaves, masqueraded too', packet: tcp(FLANNEL, 40000, ENDPOINT, 80), direction: 'original' },
    { case: "the endpoint's answer as it arrives", packet: tcp(ENDPOINT, 80, FLANNEL, 40000), direction: 'reply' },
    {
      case: 'the answer half way: its destination translated back, its source not yet',
      packet: tcp(ENDPOINT, 80, CLIENT, 40000),
      direction: 'reply',
    },
    { case: 'the answer translated back entirely', packet: tcp(NODE, 30080, CLIENT, 40000), direction: 'reply' },
    { case: 'another connection of the same client (another port)', packet: tcp(CLIENT, 40001, NODE, 30080), direction: undefined },
    {
      case: 'another protocol on the same ports',
      packet: { ...tcp(CLIENT, 40000, NODE, 30080), protocol: 'udp' as const },
      direction: undefined,
    },
  ])('$case: $direction', ({ packet, direction }) => {
    const { conntrack, entry } = nodePortFlow();
    const found = conntrack.find(NS, packet);
    expect(found?.direction).toBe(direction);
    if (direction) expect(found?.entry).toBe(entry);
  });

  it('each netns has its own table', () => {
    const { conntrack } = nodePortFlow();
    expect(conntrack.find('node/node-02', tcp(CLIENT, 40000, NODE, 30080))).toBeUndefined();
    expect(conntrack.entries('node/node-02')).toEqual([]);
  });
});

describe('NAT tuples applied to later packets and replies', () => {
  it.each([
    {
      case: 'a later packet gets the DNAT binding before routing',
      apply: Conntrack.natDestination,
      packet: tcp(CLIENT, 40000, NODE, 30080),
      after: '198.51.100.10:40000 > 10.244.2.2:80',
    },
    {
      case: 'and its masquerade after routing',
      apply: Conntrack.natSource,
      packet: tcp(CLIENT, 40000, ENDPOINT, 80),
      after: '10.244.0.0:40000 > 10.244.2.2:80',
    },
    {
      case: "a reply's destination is translated back before routing",
      apply: Conntrack.unNatDestination,
      packet: tcp(ENDPOINT, 80, FLANNEL, 40000),
      after: '10.244.2.2:80 > 198.51.100.10:40000',
    },
    {
      case: 'its source after the filter tables',
      apply: Conntrack.unNatSource,
      packet: tcp(ENDPOINT, 80, CLIENT, 40000),
      after: '10.234.2.11:30080 > 198.51.100.10:40000',
    },
  ])('$case', ({ apply, packet, after }) => {
    const { entry } = nodePortFlow();
    expect(show(apply(entry, packet))).toBe(after);
  });

  it('an ICMP error about the flow is related to it and translated back like a reply, quoting the original packet', () => {
    const { conntrack, entry } = nodePortFlow();
    // The endpoint's node answers the packet as it left this netns (masqueraded, DNATed).
    const quoted = tcp(FLANNEL, 40000, ENDPOINT, 80);
    const error: Packet = {
      src: ip('10.244.2.1'),
      dst: FLANNEL,
      protocol: 'icmp',
      icmpType: 3,
      icmpCode: 1,
      ttl: 64,
      length: 88,
      df: false,
      mark: 0,
      quoted,
    };
    expect(conntrack.related(NS, quoted)).toBe(entry);
    const back = Conntrack.unNatRelated(entry, error);
    expect(formatIPv4(back.dst)).toBe('198.51.100.10');
    expect(show(back.quoted!)).toBe('198.51.100.10:40000 > 10.234.2.11:30080');
    // A packet that was never sent is nobody's error.
    expect(conntrack.related(NS, tcp(FLANNEL, 40001, ENDPOINT, 80))).toBeUndefined();
  });
});

describe('connection states through the hooks', () => {
  const VIP = ip('10.96.0.10');
  const POD = ip('10.244.1.3');
  /** A node whose nat PREROUTING DNATs tcp to 10.96.0.10 to the endpoint's port 8080. */
  const node: NetNs = (() => {
    const b = new NetnsBuilder(NS, 'node', 'master', 'master');
    b.appendRule('nat', 'PREROUTING', {
      dst: { value: parseCidr('10.96.0.10/32')! },
      protocol: { value: 'tcp' },
      matches: [],
      target: { kind: 'DNAT', to: { ip: ENDPOINT, port: 8080 } },
    });
    return b.finish();
  })();
  const session = (): HookSession => ({ conntrack: new Conntrack(), unconfirmed: new Set(), random: () => false });

  it('NEW at every hook the first packet crosses, ESTABLISHED for the answer and the packets after it', () => {
    const s = session();
    const first = tcp(POD, 40000, VIP, 80);
    // The first packet: DNATed in PREROUTING, still NEW in FORWARD and POSTROUTING (unconfirmed).
    const pre = prerouting(s, node, first, { inIface: 'cni0' });
    expect([pre.ctState, show(pre.packet)]).toEqual(['NEW', '10.244.1.3:40000 > 10.244.2.2:8080']);
    expect(forward(s, node, pre.packet, { inIface: 'cni0', outIface: 'flannel.1' }).ctState).toBe('NEW');
    expect(postrouting(s, node, pre.packet, { outIface: 'flannel.1' }).ctState).toBe('NEW');
    const entry = s.conntrack.entries(NS)[0]!;
    expect(show(entry.reply)).toBe('10.244.2.2:8080 > 10.244.1.3:40000');
    // It left the netns: confirmed.
    s.unconfirmed.clear();
    const answer = tcp(ENDPOINT, 8080, POD, 40000);
    const replyPre = prerouting(s, node, answer, { inIface: 'flannel.1' });
    expect(replyPre.ctState).toBe('ESTABLISHED');
    expect(entry.replied).toBe(true);
    expect(forward(s, node, replyPre.packet, { inIface: 'flannel.1', outIface: 'cni0' }).ctState).toBe('ESTABLISHED');
    // The answer's source is the service again once it leaves (de-DNAT after the filter tables).
    const replyPost = postrouting(s, node, replyPre.packet, { outIface: 'cni0' });
    expect([replyPost.ctState, show(replyPost.packet)]).toEqual(['ESTABLISHED', '10.96.0.10:80 > 10.244.1.3:40000']);
    // A later packet of the connection: the stored binding, without the nat chains.
    const later = prerouting(s, node, first, { inIface: 'cni0' });
    expect([later.ctState, show(later.packet)]).toEqual(['ESTABLISHED', '10.244.1.3:40000 > 10.244.2.2:8080']);
    expect(later.hits.filter((h) => h.table === 'nat')).toEqual([]);
    expect(s.conntrack.entries(NS)).toHaveLength(1);
  });

  it('a new connection (another source port) is NEW and gets an entry of its own', () => {
    const s = session();
    prerouting(s, node, tcp(POD, 40000, VIP, 80), { inIface: 'cni0' });
    s.unconfirmed.clear();
    const other = prerouting(s, node, tcp(POD, 40001, VIP, 80), { inIface: 'cni0' });
    expect(other.ctState).toBe('NEW');
    expect(s.conntrack.entries(NS)).toHaveLength(2);
  });

  it('an ICMP error about a tracked flow is RELATED at every hook, and translated back before routing', () => {
    const s = session();
    const first = prerouting(s, node, tcp(POD, 40000, VIP, 80), { inIface: 'cni0' });
    s.unconfirmed.clear();
    const error: Packet = {
      src: ip('10.244.2.1'),
      dst: POD,
      protocol: 'icmp',
      icmpType: 3,
      icmpCode: 1,
      ttl: 64,
      length: 88,
      df: false,
      mark: 0,
      quoted: first.packet,
    };
    const pre = prerouting(s, node, error, { inIface: 'flannel.1' });
    expect(pre.ctState).toBe('RELATED');
    expect(show(pre.packet.quoted!)).toBe('10.244.1.3:40000 > 10.96.0.10:80');
    expect(input(s, node, pre.packet, { inIface: 'flannel.1' }).ctState).toBe('RELATED');
    expect(output(s, node, pre.packet, { outIface: 'cni0' }).ctState).toBe('RELATED');
  });
});
