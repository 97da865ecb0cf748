/**
 * The packet walk: a packet moves through the simulated namespaces the way
 * Linux moves it. Locally generated packets take the output path (route,
 * source selection, OUTPUT, POSTROUTING, neighbour, device); received ones
 * the input path (PREROUTING, route, INPUT or FORWARD, POSTROUTING). Devices
 * decide where a frame goes next: a veth to its peer, a bridge by its FDB, a
 * vxlan device into a UDP packet of its own, a TUN device to flanneld, a NIC
 * onto the underlay segment. Every decision is recorded as a step.
 */
import type { Link, VethInfo } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import type { BuiltinChain } from '../kernel/netfilter/rule.js';
import type { Route } from '../kernel/route.js';
import { contains } from '../net/cidr.js';
import { formatIPv4, type IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import type { Node, Pod } from '../model/types.js';
import type { Dataplane } from './build.js';
import { Conntrack, type ConntrackEntry } from './conntrack.js';
import { fibLookup, isLocalAddress, masqueradeSource, selectSource } from './fib.js';
import { runHook, type CtState, type HookContext, type HookResult } from './netfilter-eval.js';
import { DEFAULT_TTL, FLANNEL_UDP_OVERHEAD, IPIP_OVERHEAD, VXLAN_OVERHEAD, type Frame, type Packet } from '../flow/packet.js';
import { findListener } from './sockets.js';
import { listenersOfNode, listenersOfPod } from '../model/listeners.js';
import type { Disposition, Hop, SenderNotice, Step } from '../flow/trace.js';
import { ROUTER_ID, type RouterPort, type Underlay } from './underlay.js';
import { resolveNeighbour } from './neighbour.js';
import { EXTERNAL_NETNS_ID } from './external.js';
import { findVirtualServer, type IpvsVirtualServer } from '../kernel/ipvs.js';
import { virtualName, type IpvsSessionState } from './ipvs.js';
import type { UserspaceProxySession, ProxyRelay } from './userspace-proxy.js';
import { KernelState } from './kernel-state.js';

const FLANNEL_UDP_PORT = 8285;
/** Hops after which a walk is declared a loop. */
const MAX_HOPS = 64;
/**
 * How long a new neighbour entry waits for an ARP answer before it fails and
 * the packets queued on it get host unreachable: mcast_solicit (3) probes,
 * retrans_time (1 s) apart. Measured in a namespace: 3.07 s.
 */
export const NEIGHBOUR_RESOLUTION_MS = 3000;

export interface WalkEnd {
  readonly disposition: Disposition;
  readonly summary: string;
  readonly notice: SenderNotice;
  readonly delivered?: Packet;
  /** Where it ended. */
  readonly where: string;
  /** For ICMP errors: the netns (or router) that sent it, to walk it back. */
  readonly icmpFrom?: { readonly ns?: NetNs; readonly routerPort?: RouterPort };
  /** The packet an ICMP error answers, as the sender of the error saw it (the error quotes it). */
  readonly offending?: Packet;
  /**
   * The sender's own kernel could not resolve its next hop: its host unreachable comes only when the
   * resolution gives up (NEIGHBOUR_RESOLUTION_MS), which a tool waiting less never hears.
   */
  readonly afterOwnNeighbourResolution?: boolean;
}

export interface WalkResult extends WalkEnd {
  readonly hops: Hop[];
}

/** A walk session: shared conntrack so a reply walk sees what the request did. */
export class WalkSession {
  constructor(
    readonly dataplane: Dataplane,
    readonly underlay: Underlay,
    readonly random: (probability: number) => boolean = () => false,
    /** Shared between sessions when several walks should see each other's flows (--traffic, conntrack -L). */
    readonly kernel: KernelState = new KernelState(),
  ) {}

  get conntrack(): Conntrack {
    return this.kernel.conntrack;
  }

  get ipvs(): IpvsSessionState {
    return this.kernel.ipvs;
  }

  get userspaceProxy(): UserspaceProxySession {
    return this.kernel.userspaceProxy;
  }

  /** A node's or pod's netns by id; undefined for the underlay, the router and the outside client (no state a user inspects). */
  nodeOrPodNetns(id: string): NetNs | undefined {
    return id.startsWith('node/') || id.startsWith('pod/') ? this.netnsById(id) : undefined;
  }

  /** The netns a veth peer id names. */
  netnsById(id: string): NetNs {
    if (id === EXTERNAL_NETNS_ID) return this.dataplane.externalNetns();
    const owner = this.ownerOfId(id);
    if (owner.node) return this.dataplane.nodeNetns(owner.node);
    if (owner.pod) return this.dataplane.podNetns(owner.pod);
    throw new Error(`bug: no netns ${id}`);
  }

  /** The other end of a veth: the netns it is in, and the device there. */
  vethPeer(veth: VethInfo): { ns: NetNs; link: Link | undefined } {
    const ns = this.netnsById(veth.peer.netns);
    return { ns, link: ns.links.find((l) => l.ifindex === veth.peer.ifindex) };
  }

  ownerOf(ns: NetNs): { node?: Node; pod?: Pod } {
    return this.ownerOfId(ns.id);
  }

  /** Netns ids are `node/<name>` and `pod/<namespace>/<name>` (see src/dataplane/build.ts). */
  private ownerOfId(id: string): { node?: Node; pod?: Pod } {
    const cluster = this.dataplane.cluster;
    if (id.startsWith('node/')) {
      const node = cluster.nodeByName.get(id.slice(5));
      return node ? { node } : {};
    }
    if (id.startsWith('pod/')) {
      const pod = cluster.podByKey.get(id.slice(4));
      return pod && !pod.hostNetwork ? { pod } : {};
    }
    return {};
  }

  nodeOf(ns: NetNs): Node | undefined {
    const owner = this.ownerOf(ns);
    return owner.node ?? owner.pod?.node;
  }

  /** Sends a packet from a process in `ns` and follows it to its end. */
  send(ns: NetNs, packet: Packet): WalkResult {
    return new Walk(this).run({ kind: 'local-out', ns, packet });
  }

  /** A packet the underlay router itself sends (its ICMP errors). */
  sendFromRouter(packet: Packet): WalkResult {
    return new Walk(this).run({ kind: 'router-out', packet });
  }
}

/** The devices a hook sees the packet on: in and out, and the bridge ports when it is being bridged. */
type HookIfaces = Pick<HookContext, 'inIface' | 'outIface' | 'physIn' | 'physOut'>;

type Event =
  | { kind: 'local-out'; ns: NetNs; packet: Packet }
  | { kind: 'rx'; ns: NetNs; dev: string; frame: Frame }
  | { kind: 'ip-rcv'; ns: NetNs; dev: string; packet: Packet; prerouted?: boolean }
  | { kind: 'segment'; port: { subnet: string }; frame: Frame; from: string }
  | { kind: 'router'; port: RouterPort; frame: Frame }
  | { kind: 'router-out'; packet: Packet };

/** Route types whose lookup fails (fib_props' errors), as dispositions. */
const ROUTE_REFUSALS: Partial<Record<Route['type'], Disposition>> = { blackhole: 'ROUTE_BLACKHOLE', unreachable: 'ROUTE_UNREACHABLE', prohibit: 'ROUTE_PROHIBIT' };

class Walk {
  private readonly hops: Hop[] = [];
  /** Conntrack entries created by this walk's packet (unconfirmed: the packet is still NEW in them). */
  private readonly createdHere = new Set<ConntrackEntry>();
  /**
   * Set while the walk carries a vxlan or flannel-udp outer packet (from the
   * encapsulation to the decapsulation): an error about that packet belongs to
   * the tunnel's UDP socket, not to whoever sent the inner packet.
   */
  private outerOf?: 'vxlan' | 'flannel-udp';
  private end?: WalkEnd;

  constructor(private readonly session: WalkSession) {}

  run(first: Event): WalkResult {
    let next: Event | undefined = first;
    while (next && !this.end) {
      if (this.hops.length > MAX_HOPS) {
        this.finish('LOOP', `the packet was still moving after ${MAX_HOPS} hops`, { kind: 'none' }, 'loop');
        break;
      }
      next = this.step(next);
    }
    if (!this.end) throw new Error('bug: walk ended without a disposition');
    return { ...this.end, hops: this.hops };
  }

  private step(event: Event): Event | undefined {
    switch (event.kind) {
      case 'local-out':
        return this.localOut(event.ns, event.packet);
      case 'rx':
        return this.receive(event.ns, event.dev, event.frame);
      case 'ip-rcv':
        return this.ipReceive(event.ns, event.dev, event.packet, event.prerouted ?? false);
      case 'segment':
        return this.segment(event.port.subnet, event.frame);
      case 'router':
        return this.router(event.port, event.frame);
      case 'router-out':
        return this.routerOut(event.packet);
    }
  }

  // ---------------------------------------------------------------- hops

  private hop(where: string, name: string, inDev: string | undefined, packet: Packet): Hop {
    const last = this.hops[this.hops.length - 1];
    if (last && last.where === where && inDev === undefined) return last;
    const hop: Hop = { where, name, ...(inDev !== undefined ? { inDev } : {}), steps: [], packet };
    this.hops.push(hop);
    return hop;
  }

  private current(): Hop {
    return this.hops[this.hops.length - 1]!;
  }

  private record(step: Step): void {
    this.current().steps.push(step);
  }

  private finish(disposition: Disposition, summary: string, notice: SenderNotice, where: string, extra: Partial<WalkEnd> = {}): undefined {
    if (this.outerOf && disposition !== 'DELIVERED' && notice.kind !== 'none') {
      // The kernel's vxlan socket and flanneld's socket take the error (or the failed send) and relay nothing
      // (vxlan_err_lookup only finds the socket; flanneld logs): the inner packet is just lost.
      const socket = this.outerOf === 'vxlan' ? "the kernel's vxlan socket" : "flanneld's UDP socket";
      summary = `${summary}; ${socket} gets the error about the outer packet and does not relay it: the sender hears nothing`;
      notice = { kind: 'none' };
    }
    this.record({ kind: disposition === 'DELIVERED' ? 'deliver' : 'drop', ...(disposition === 'DELIVERED' ? { socket: summary } : { disposition, reason: summary }) } as Step);
    this.end = { disposition, summary, notice, where, ...extra };
    return undefined;
  }

  // ---------------------------------------------------------------- output path

  private localOut(ns: NetNs, packet: Packet): Event | undefined {
    this.hop(ns.id, ns.displayName, undefined, packet);
    const lookup = this.route(ns, packet.dst, packet.src || undefined, 'output');
    if (!lookup) {
      return this.finish('NO_ROUTE', `no route to ${formatIPv4(packet.dst)} in ${ns.displayName}`, { kind: 'local-error', errno: 'ENETUNREACH' }, ns.id);
    }
    const special = this.specialRoute(ns, lookup, true);
    if (special !== undefined || this.end) return special;
    let p = packet;
    if (!p.src) {
      const src = selectSource(ns, lookup);
      if (src === undefined) return this.finish('NO_ROUTE', `no source address for ${formatIPv4(p.dst)} in ${ns.displayName}`, { kind: 'local-error', errno: 'EINVAL' }, ns.id);
      p = { ...p, src };
      this.record({ kind: 'source', src, why: lookup.prefsrc !== undefined ? 'the route\'s src' : `the primary address of ${lookup.dev ?? 'the egress device'}` });
    }
    const local = (r: Route) => r.type === 'local' || r.type === 'broadcast';
    const out = this.hook(ns, 'OUTPUT', p, { outIface: local(lookup) ? 'lo' : lookup.dev });
    if (out.verdict !== 'ACCEPT') return this.filtered(ns, out, true);
    p = out.packet;
    // IPVS takes the node's own connections to a service address at LOCAL_OUT, after nat OUTPUT.
    const vs = local(lookup) ? this.virtualServer(ns, p) : undefined;
    if (vs) return this.ipvsIn(ns, 'lo', p, vs, true);
    let route = lookup;
    // DNAT in OUTPUT (a node reaching its own NodePort, a pod its service) re-routes the packet.
    if (p.dst !== packet.dst) {
      const rerouted = this.route(ns, p.dst, p.src, 'output');
      if (!rerouted) return this.finish('NO_ROUTE', `no route to ${formatIPv4(p.dst)} after DNAT`, { kind: 'local-error', errno: 'ENETUNREACH' }, ns.id);
      const special2 = this.specialRoute(ns, rerouted, true);
      if (special2 !== undefined || this.end) return special2;
      route = rerouted;
    }
    if (local(route)) return this.loopback(ns, p);
    return this.postroutingAndOutput(ns, route, p, true);
  }

  private postroutingAndOutput(ns: NetNs, route: Route, packet: Packet, local: boolean): Event | undefined {
    const post = this.hook(ns, 'POSTROUTING', packet, { outIface: route.dev });
    if (post.verdict !== 'ACCEPT') return this.filtered(ns, post, local);
    return this.output(ns, route, post.packet, local);
  }

  /** Leaving by a route: MTU, next hop, neighbour, device. */
  private output(ns: NetNs, route: Route, p: Packet, local: boolean): Event | undefined {
    const dev = this.link(ns, route.dev!);
    // A tunnel's outer packet leaves by a second device: show both (flannel.1 → eth0).
    const hop = this.current();
    hop.outDev = hop.outDev !== undefined && hop.outDev !== dev.name && hop.steps.some((s) => s.kind === 'encap') ? `${hop.outDev} → ${dev.name}` : dev.name;
    this.current().packet = p;
    const mtu = route.mtu ?? dev.mtu;
    if (p.length > mtu) {
      if (p.df) {
        this.record({ kind: 'mtu', dev: dev.name, mtu, length: p.length, result: 'too-big' });
        if (local) {
          return this.finish('MTU_EXCEEDED', `${p.length}-byte packet with DF set does not fit ${dev.name} (mtu ${mtu}): message too long`, { kind: 'local-error', errno: 'EMSGSIZE', mtu }, ns.id);
        }
        return this.icmpError(ns, p, 3, 4, 'MTU_EXCEEDED', `${p.length}-byte packet with DF set does not fit ${dev.name} (mtu ${mtu}): fragmentation needed`, mtu);
      }
      this.record({ kind: 'mtu', dev: dev.name, mtu, length: p.length, result: 'fragment' });
    }
    const nexthop = route.gateway ?? p.dst;
    if (!dev.state.up || !dev.state.carrier) {
      // A `linkdown` route is still used (ignore_routes_with_linkdown=0): the packet goes nowhere and ARP is never answered.
      const why = `${dev.name} in ${ns.displayName} has no carrier (link down): nothing answers ARP for ${formatIPv4(nexthop)}`;
      this.record({ kind: 'neigh', ip: nexthop, dev: dev.name, state: 'FAILED' });
      if (local) return this.ownNeighbourFailed(ns, p, why);
      return this.icmpError(ns, p, 3, 1, 'NEIGHBOR_UNREACHABLE', why);
    }
    if (dev.info.kind === 'tun') return this.toFlanneld(ns, dev, p);
    if (dev.info.kind === 'ipip') return this.ipipEncap(ns, dev, p, nexthop);
    const neigh = resolveNeighbour(this.session, ns, dev, nexthop);
    this.record({ kind: 'neigh', ip: nexthop, dev: dev.name, ...(neigh.mac ? { mac: neigh.mac } : {}), state: neigh.state, ...(neigh.answeredBy ? { answeredBy: neigh.answeredBy } : {}) });
    if (!neigh.mac) {
      const why = `no answer to ARP for ${formatIPv4(nexthop)} on ${dev.name} in ${ns.displayName}${neigh.why ? ` (${neigh.why})` : ''}`;
      if (local) return this.ownNeighbourFailed(ns, p, why);
      return this.icmpError(ns, p, 3, 1, 'NEIGHBOR_UNREACHABLE', why);
    }
    return this.transmit(ns, dev, { srcMac: dev.mac ?? '00:00:00:00:00:00', dstMac: neigh.mac, packet: p });
  }

  /**
   * The sender's own neighbour resolution failed: its kernel answers the sending socket with host
   * unreachable from the packet's own source address (ipv4_link_failure), once the resolution gives up.
   */
  private ownNeighbourFailed(ns: NetNs, p: Packet, why: string): undefined {
    return this.finish('NEIGHBOR_UNREACHABLE', why, { kind: 'icmp', from: p.src, type: 3, code: 1 }, ns.id, {
      icmpFrom: { ns },
      offending: p,
      afterOwnNeighbourResolution: true,
    });
  }

  /** A frame handed to a device for transmission. */
  private transmit(ns: NetNs, dev: Link, frame: Frame): Event | undefined {
    // A vxlan device counts what it managed to encapsulate (vxlanEncap).
    if (dev.info.kind !== 'vxlan') count(dev, 'tx', frame.packet.length);
    switch (dev.info.kind) {
      case 'veth': {
        const peerNs = this.session.netnsById(dev.info.peer.netns);
        this.record({ kind: 'xmit', dev: dev.name, to: `${dev.info.peer.name} in ${peerNs.displayName}` });
        // Crossing into another netns scrubs the skb: its mark stays behind (veth_xmit, skb_scrub_packet).
        return { kind: 'rx', ns: peerNs, dev: dev.info.peer.name, frame: { ...frame, packet: { ...frame.packet, mark: 0 } } };
      }
      case 'bridge':
        return this.bridgeForward(ns, dev, undefined, frame);
      case 'vxlan':
        return this.vxlanEncap(ns, dev, frame);
      case 'ether': {
        const segment = this.session.underlay.segmentOf(ns.id);
        if (!segment) throw new Error(`bug: ${ns.id} has a NIC but no underlay segment`);
        this.record({ kind: 'xmit', dev: dev.name, to: `underlay segment ${segment.name}` });
        // The mark is skb metadata: it does not go on the wire.
        return { kind: 'segment', port: { subnet: segment.name }, frame: { ...frame, packet: { ...frame.packet, mark: 0 } }, from: ns.id };
      }
      case 'loopback':
        return { kind: 'ip-rcv', ns, dev: 'lo', packet: frame.packet };
      default:
        return this.finish('NO_ROUTE', `netlab does not model transmission on ${dev.info.kind} device ${dev.name} yet`, { kind: 'none' }, ns.id);
    }
  }

  // ---------------------------------------------------------------- tunnels

  private vxlanEncap(ns: NetNs, dev: Link, frame: Frame): Event | undefined {
    if (dev.info.kind !== 'vxlan') throw new Error('bug: not a vxlan device');
    const info = dev.info;
    const entry = ns.fdb.find((e) => e.dev === dev.name && e.mac === frame.dstMac && e.dst !== undefined);
    if (!entry) {
      return this.finish('NEIGHBOR_UNREACHABLE', `${dev.name} has no FDB entry for ${frame.dstMac}: no VTEP to send to (nolearning)`, { kind: 'none' }, ns.id);
    }
    const inner = frame.packet;
    const outer: Packet = {
      src: info.local,
      dst: entry.dst!,
      protocol: 'udp',
      // The kernel picks the source port from a hash of the inner flow.
      sport: flowPort(inner),
      dport: info.dstport,
      ttl: DEFAULT_TTL,
      length: inner.length + VXLAN_OVERHEAD,
      df: false,
      mark: 0,
      tunnel: { kind: 'vxlan', vni: info.id, innerSrcMac: frame.srcMac, innerDstMac: frame.dstMac, inner },
    };
    this.record({ kind: 'encap', tunnel: 'vxlan', dev: dev.name, outer, vni: info.id });
    this.outerOf = 'vxlan';
    // vxlan_xmit_one looks up the route to the remote VTEP itself: without one the device counts a tx
    // (carrier) error and drops the frame; nobody is told.
    if (!fibLookup(ns, outer.dst, { src: outer.src }).ok) {
      this.record({ kind: 'no-route', dst: outer.dst });
      dev.counters.txErrors++;
      dev.counters.txCarrierErrors++;
      return this.finish('NO_ROUTE', `${dev.name}: no route to the remote VTEP ${formatIPv4(outer.dst)} in ${ns.displayName}: a tx error on ${dev.name}, the frame is dropped`, { kind: 'none' }, ns.id);
    }
    count(dev, 'tx', inner.length);
    // The outer packet is the node's own UDP packet: it takes the output path again.
    return { kind: 'local-out', ns, packet: outer };
  }

  /**
   * IP-in-IP on calico's tunl0 (`remote any local any ttl inherit`): the
   * outer destination is the route's next hop (the remote node), the outer
   * header is protocol 4 and 20 bytes, TTL and DF are copied from the inner
   * header; the node's own routing then sends the outer packet.
   */
  private ipipEncap(ns: NetNs, dev: Link, inner: Packet, nexthop: IPv4): Event | undefined {
    if (dev.info.kind !== 'ipip') throw new Error('bug: not an ipip device');
    count(dev, 'tx', inner.length);
    const outer: Packet = {
      src: dev.info.local ?? 0,
      dst: dev.info.remote ?? nexthop,
      protocol: 'ipip',
      ttl: inner.ttl,
      length: inner.length + IPIP_OVERHEAD,
      df: inner.df,
      mark: 0,
      tunnel: { kind: 'ipip', inner },
    };
    this.record({ kind: 'encap', tunnel: 'ipip', dev: dev.name, outer });
    return { kind: 'local-out', ns, packet: outer };
  }

  private toFlanneld(ns: NetNs, dev: Link, inner: Packet): Event | undefined {
    const cluster = this.session.dataplane.cluster;
    const target = cluster.nodes.find((n) => contains(n.podCIDR, inner.dst));
    const self = this.session.nodeOf(ns)!;
    this.record({ kind: 'xmit', dev: dev.name, to: 'flanneld (user space, reads the TUN device)' });
    if (!target || target === self) {
      // proxy.c send_net_unreachable(): written back into the TUN from the TUN's address, never about ICMP.
      const notice: SenderNotice = inner.protocol === 'icmp' ? { kind: 'none' } : { kind: 'icmp', from: self.podCIDR.addr, type: 3, code: 0 };
      return this.finish('NO_ROUTE', `flanneld has no lease for ${formatIPv4(inner.dst)}`, notice, ns.id, { icmpFrom: { ns } });
    }
    // proxy.c decrement_ttl(): flanneld decrements the inner TTL on each side, and drops at 0 without a word.
    if (inner.ttl <= 1) return this.flanneldTtlDrop(ns, 'sending');
    inner = { ...inner, ttl: inner.ttl - 1 };
    const length = inner.length + FLANNEL_UDP_OVERHEAD;
    const outer: Packet = {
      src: 0,
      dst: target.ip,
      protocol: 'udp',
      sport: FLANNEL_UDP_PORT,
      dport: FLANNEL_UDP_PORT,
      ttl: DEFAULT_TTL,
      length,
      // flanneld's socket keeps the default path MTU discovery (IP_PMTUDISC_WANT): a datagram that fits the
      // route leaves with DF set (a smaller hop further on answers frag needed); a larger one is fragmented here.
      df: this.fitsRoute(ns, target.ip, length),
      mark: 0,
      tunnel: { kind: 'flannel-udp', inner },
    };
    this.record({ kind: 'userspace', process: 'flanneld', action: `lease ${formatIPv4(target.podCIDR.addr)}/${target.podCIDR.len} belongs to ${target.name}: send to ${formatIPv4(target.ip)}:${FLANNEL_UDP_PORT}` });
    this.record({ kind: 'encap', tunnel: 'flannel-udp', dev: dev.name, outer: { ...outer, src: self.ip } });
    this.outerOf = 'flannel-udp';
    return { kind: 'local-out', ns, packet: outer };
  }

  /** Whether a packet of `length` bytes fits the MTU of the route this netns has to `dst` (no route: it does not). */
  private fitsRoute(ns: NetNs, dst: IPv4, length: number): boolean {
    const lookup = fibLookup(ns, dst);
    if (!lookup.ok) return false;
    const dev = lookup.route.dev !== undefined ? ns.links.find((l) => l.name === lookup.route.dev) : undefined;
    const mtu = lookup.route.mtu ?? dev?.mtu;
    return mtu !== undefined && length <= mtu;
  }

  // ---------------------------------------------------------------- input path

  private receive(ns: NetNs, devName: string, frame: Frame): Event | undefined {
    const dev = this.link(ns, devName);
    this.hop(ns.id, ns.displayName, devName, frame.packet);
    count(dev, 'rx', frame.packet.length);
    if (dev.bridgePort) return this.bridgeInput(ns, this.link(ns, dev.bridgePort.bridge), dev, frame);
    return { kind: 'ip-rcv', ns, dev: devName, packet: frame.packet };
  }

  /**
   * A frame entering a bridge port. With br_netfilter (bridge-nf-call-iptables=1)
   * the IPv4 PREROUTING hook runs here, before the bridge decides, and the IP
   * layer does not run it again (ip_sabotage_in). When that DNATs a packet
   * addressed to the bridge to an address behind the same bridge, br_netfilter
   * re-routes it and bridges it straight back out: no IP forwarding, no TTL
   * decrement (a pod reaching a service endpoint on its own node).
   */
  private bridgeInput(ns: NetNs, bridge: Link, inPort: Link, frame: Frame): Event | undefined {
    const toBridge = frame.dstMac === bridge.mac || this.ports(ns, bridge).some((p) => p.mac === frame.dstMac);
    const brNetfilter = ns.sysctls.get('net.bridge.bridge-nf-call-iptables') === '1';
    let p = frame.packet;
    if (brNetfilter) {
      const pre = this.hook(ns, 'PREROUTING', p, { inIface: bridge.name, physIn: inPort.name });
      if (pre.verdict !== 'ACCEPT') return this.filtered(ns, pre, false);
      const dnatted = pre.packet.dst !== p.dst;
      p = pre.packet;
      if (toBridge && dnatted) {
        const rerouted = fibLookup(ns, p.dst);
        if (rerouted.ok && rerouted.route.type === 'unicast' && rerouted.route.dev === bridge.name) {
          this.record({ kind: 'route', table: rerouted.table, route: rerouted.route, routesExamined: rerouted.examined, decision: 'output' });
          const neigh = resolveNeighbour(this.session, ns, bridge, rerouted.route.gateway ?? p.dst);
          this.record({ kind: 'neigh', ip: rerouted.route.gateway ?? p.dst, dev: bridge.name, ...(neigh.mac ? { mac: neigh.mac } : {}), state: neigh.state });
          if (!neigh.mac) return this.finish('NEIGHBOR_UNREACHABLE', `no answer to ARP for ${formatIPv4(p.dst)} on ${bridge.name} in ${ns.displayName}`, { kind: 'none' }, ns.id);
          // br_nf_pre_routing_finish_bridge: the frame gets the new destination's MAC and stays on the bridge.
          return this.bridgeForward(ns, bridge, inPort, { srcMac: frame.srcMac, dstMac: neigh.mac, packet: p }, true);
        }
      }
    }
    if (toBridge) {
      this.record({ kind: 'bridge', bridge: bridge.name, dstMac: frame.dstMac, result: 'local' });
      count(bridge, 'rx', p.length);
      return { kind: 'ip-rcv', ns, dev: bridge.name, packet: p, prerouted: brNetfilter };
    }
    return this.bridgeForward(ns, bridge, inPort, { ...frame, packet: p }, brNetfilter);
  }

  /** Bridging a frame to the port behind which its destination MAC lives. */
  private bridgeForward(ns: NetNs, bridge: Link, inPort: Link | undefined, frame: Frame, prerouted = false): Event | undefined {
    // A disabled port (its link is down) forwards nothing, and the bridge forgot what it learned there.
    const outPort = this.ports(ns, bridge).find((port) => port.bridgePort!.state !== 'disabled' && this.peerMac(port) === frame.dstMac);
    if (!outPort) {
      this.record({ kind: 'bridge', bridge: bridge.name, dstMac: frame.dstMac, result: 'flood' });
      return this.finish('NEIGHBOR_UNREACHABLE', `no port of ${bridge.name} leads to ${frame.dstMac}`, { kind: 'none' }, ns.id);
    }
    if (inPort && outPort === inPort && !outPort.bridgePort!.hairpin) {
      return this.finish('DROPPED_BY_FILTER', `${bridge.name} does not send a frame back out of ${inPort.name} (hairpin off)`, { kind: 'none' }, ns.id);
    }
    this.record({ kind: 'bridge', bridge: bridge.name, dstMac: frame.dstMac, result: 'forward', port: outPort.name });
    if (inPort && ns.sysctls.get('net.bridge.bridge-nf-call-iptables') === '1') {
      // br_netfilter: a bridged IPv4 frame crosses the iptables hooks too, with in=out=the bridge
      // (PREROUTING already ran at bridge ingress).
      let p = frame.packet;
      const hooks = prerouted ? (['FORWARD', 'POSTROUTING'] as const) : (['PREROUTING', 'FORWARD', 'POSTROUTING'] as const);
      for (const hook of hooks) {
        const result = this.hook(ns, hook, p, { inIface: bridge.name, ...(hook !== 'PREROUTING' ? { outIface: bridge.name } : {}), physIn: inPort.name, physOut: outPort.name });
        if (result.verdict !== 'ACCEPT') return this.filtered(ns, result, false);
        p = result.packet;
      }
      frame = { ...frame, packet: p };
    }
    return this.transmit(ns, outPort, frame);
  }

  private ipReceive(ns: NetNs, devName: string, packet: Packet, prerouted: boolean): Event | undefined {
    let p = packet;
    if (!prerouted) {
      const pre = this.hook(ns, 'PREROUTING', p, { inIface: devName });
      if (pre.verdict !== 'ACCEPT') return this.filtered(ns, pre, false);
      p = pre.packet;
    }
    const route = this.route(ns, p.dst, p.src, 'input');
    if (!route) return this.icmpError(ns, p, 3, 0, 'NO_ROUTE', `no route to ${formatIPv4(p.dst)} in ${ns.displayName}`);
    const special = this.specialRoute(ns, route, false, p);
    if (special !== undefined || this.end) return special;
    if (route.type === 'local' || route.type === 'broadcast') {
      const input = this.hook(ns, 'INPUT', p, { inIface: devName });
      if (input.verdict !== 'ACCEPT') return this.filtered(ns, input, false);
      const vs = this.virtualServer(ns, input.packet);
      if (vs) return this.ipvsIn(ns, devName, input.packet, vs, false);
      return this.localDeliver(ns, devName, input.packet);
    }
    if (ns.sysctls.get('net.ipv4.ip_forward') !== '1') {
      return this.finish('FORWARDING_DISABLED', `${ns.displayName} does not forward (net.ipv4.ip_forward=0): dropped silently`, { kind: 'none' }, ns.id);
    }
    if (p.ttl <= 1) return this.icmpError(ns, p, 11, 0, 'TTL_EXCEEDED', `TTL expired in transit at ${ns.displayName}`);
    const fwd = this.hook(ns, 'FORWARD', p, { inIface: devName, outIface: route.dev });
    if (fwd.verdict !== 'ACCEPT') return this.filtered(ns, fwd, false);
    p = { ...fwd.packet, ttl: fwd.packet.ttl - 1 };
    this.record({ kind: 'forward', ttlBefore: fwd.packet.ttl, ttlAfter: p.ttl });
    return this.postroutingAndOutput(ns, route, p, false);
  }

  private localDeliver(ns: NetNs, devName: string, p: Packet): Event | undefined {
    // Tunnel endpoints are sockets of the kernel (vxlan) or of flanneld (udp).
    if (p.tunnel?.kind === 'vxlan') {
      const vxlan = ns.links.find((l) => l.info.kind === 'vxlan' && l.info.dstport === p.dport && l.info.id === p.tunnel!.vni);
      if (vxlan) {
        this.record({ kind: 'decap', tunnel: 'vxlan', dev: vxlan.name, vni: p.tunnel.vni });
        this.outerOf = undefined;
        count(vxlan, 'rx', p.tunnel.inner.length);
        // The inner packet arrived off the wire: no skb mark from the sending node.
        return { kind: 'ip-rcv', ns, dev: vxlan.name, packet: { ...p.tunnel.inner, mark: 0 } };
      }
    }
    if (p.tunnel?.kind === 'ipip') {
      // The ipip module's receive handler: the fallback tunl0 takes IP-in-IP from any address.
      const tunl = ns.links.find((l) => l.info.kind === 'ipip' && l.state.up);
      if (!tunl) return this.icmpError(ns, p, 3, 2, 'PORT_UNREACHABLE', `${ns.displayName} has no ipip tunnel device: protocol 4 unreachable`);
      this.record({ kind: 'decap', tunnel: 'ipip', dev: tunl.name });
      count(tunl, 'rx', p.tunnel.inner.length);
      return { kind: 'ip-rcv', ns, dev: tunl.name, packet: { ...p.tunnel.inner, mark: 0 } };
    }
    if (p.tunnel?.kind === 'flannel-udp' && p.dport === FLANNEL_UDP_PORT) {
      const tun = ns.links.find((l) => l.info.kind === 'tun');
      if (tun) {
        this.record({ kind: 'userspace', process: 'flanneld', action: `received on UDP ${FLANNEL_UDP_PORT}, writes the inner packet to ${tun.name}` });
        if (p.tunnel.inner.ttl <= 1) return this.flanneldTtlDrop(ns, 'receiving');
        this.record({ kind: 'decap', tunnel: 'flannel-udp', dev: tun.name });
        this.outerOf = undefined;
        count(tun, 'rx', p.tunnel.inner.length);
        return { kind: 'ip-rcv', ns, dev: tun.name, packet: { ...p.tunnel.inner, ttl: p.tunnel.inner.ttl - 1 } };
      }
    }
    if (p.protocol === 'icmp') {
      const what = p.icmpType === 8 || p.icmpType === undefined ? 'ICMP echo request: the kernel answers' : 'ICMP message for the sending socket';
      return this.finish('DELIVERED', `${what} (${ns.displayName}, ${devName})`, { kind: 'none' }, ns.id, { delivered: p });
    }
    // A reply to a connection this netns opened goes to the socket that opened it.
    const flow = this.session.conntrack.find(ns.id, p);
    // kube-proxy's userspace mode: its sockets end this packet's way, and it sends another (userspace-proxy.ts).
    const relay = this.session.userspaceProxy.deliver({ cluster: this.session.dataplane.cluster, ...this.session.ownerOf(ns), random: this.session.random }, ns, p, flow?.direction === 'reply');
    if (relay) return this.proxyRelay(ns, relay);
    if (flow?.direction === 'reply') {
      return this.finish('DELIVERED', `${p.protocol} reply to the connected socket (${ns.displayName}, ${devName})`, { kind: 'none' }, ns.id, { delivered: p });
    }
    const owner = this.session.ownerOf(ns);
    const listeners = owner.pod ? listenersOfPod(owner.pod) : owner.node ? listenersOfNode(owner.node) : [];
    const listener = findListener(listeners, p);
    if (listener) return this.finish('DELIVERED', `${p.protocol}/${p.dport} socket of ${listener.owner}`, { kind: 'none' }, ns.id, { delivered: p });
    if (p.protocol === 'tcp') {
      return this.finish('PORT_UNREACHABLE', `nothing listens on tcp/${p.dport} in ${ns.displayName}: the kernel answers with a TCP RST`, { kind: 'tcp-rst', from: p.dst }, ns.id);
    }
    return this.icmpError(ns, p, 3, 3, 'PORT_UNREACHABLE', `nothing listens on udp/${p.dport} in ${ns.displayName}: ICMP port unreachable`);
  }

  /** A process took the packet from its socket: the walk goes on with the packet it sends, on another connection. */
  private proxyRelay(ns: NetNs, relay: ProxyRelay): Event | undefined {
    this.record(relay.here);
    if (relay.kind === 'closed') return this.finish(relay.disposition, relay.summary, relay.notice, ns.id);
    // The delivered packet's connection is confirmed; the new packet starts one of its own, in a hop of its own.
    this.createdHere.clear();
    this.hops.push({ where: ns.id, name: relay.hopName, steps: relay.first ? [relay.first] : [], packet: relay.packet });
    return { kind: 'local-out', ns, packet: relay.packet };
  }

  private flanneldTtlDrop(ns: NetNs, side: 'sending' | 'receiving'): undefined {
    return this.finish('TTL_EXCEEDED', `flanneld (${side}) decrements the inner TTL to 0 and drops the packet; it sends no ICMP error`, { kind: 'none' }, ns.id);
  }

  /**
   * A packet to one of the namespace's own addresses (OUTPUT already ran): it
   * leaves through POSTROUTING, where conntrack confirms the flow, loops
   * through lo and comes back in through PREROUTING (no NAT: the flow is no
   * longer new) and INPUT.
   */
  private loopback(ns: NetNs, p: Packet): Event | undefined {
    const post = this.hook(ns, 'POSTROUTING', p, { outIface: 'lo' });
    if (post.verdict !== 'ACCEPT') return this.filtered(ns, post, true);
    this.createdHere.clear();
    this.record({ kind: 'xmit', dev: 'lo', to: `${ns.displayName} itself` });
    const lo = ns.links.find((l) => l.info.kind === 'loopback');
    if (lo) {
      count(lo, 'tx', post.packet.length);
      count(lo, 'rx', post.packet.length);
    }
    const pre = this.hook(ns, 'PREROUTING', post.packet, { inIface: 'lo' });
    if (pre.verdict !== 'ACCEPT') return this.filtered(ns, pre, true);
    const input = this.hook(ns, 'INPUT', pre.packet, { inIface: 'lo' });
    if (input.verdict !== 'ACCEPT') return this.filtered(ns, input, true);
    return this.localDeliver(ns, 'lo', input.packet);
  }

  // ---------------------------------------------------------------- IPVS

  /**
   * The virtual server a client's packet is for: a new connection, or a later packet of one IPVS
   * translates (ip_vs_in finds its connection); replies are conntrack's business.
   */
  private virtualServer(ns: NetNs, p: Packet): IpvsVirtualServer | undefined {
    if (ns.ipvs === undefined || p.tunnel !== undefined) return undefined;
    const vs = findVirtualServer(ns.ipvs, p.protocol, p.dst, p.dport);
    if (!vs) return undefined;
    const ct = this.session.conntrack.find(ns.id, p);
    if (ct && !this.createdHere.has(ct.entry) && !(ct.direction === 'original' && this.session.ipvs.knows(ns.id, vs, p))) return undefined;
    return vs;
  }

  /**
   * ip_vs_in in masquerading mode: a real server is chosen, the destination
   * rewritten (conntrack learns it, so replies are translated back), and the
   * packet leaves by the route to the real server through LOCAL_OUT and
   * POSTROUTING (ip_vs_nat_xmit, ip_vs_nat_send_or_cont). A forwarded
   * packet's TTL is decremented (__ip_vs_get_out_rt). A virtual server
   * without real servers answers ICMP port unreachable (ip_vs_leave).
   */
  private ipvsIn(ns: NetNs, devName: string, p: Packet, vs: IpvsVirtualServer, local: boolean): Event | undefined {
    const hook = local ? 'OUTPUT' : 'INPUT';
    const choice = this.session.ipvs.choose(ns.id, vs, p, this.session.random);
    const base = { kind: 'ipvs', hook, virtual: virtualName(vs), scheduler: vs.scheduler, realServers: vs.realServers.length, ...(vs.persistent !== undefined ? { persistent: true } : {}) } as const;
    if (!choice) {
      this.record({ ...base, verdict: 'no-destination' });
      const why = `IPVS ${virtualName(vs)} has no real servers (service ${vs.servicePort} has no endpoints): ICMP port unreachable`;
      if (local) return this.finish('NO_ENDPOINTS', why, { kind: 'local-error', errno: 'EHOSTUNREACH' }, ns.id);
      return this.finish('NO_ENDPOINTS', why, { kind: 'icmp', from: p.dst, type: 3, code: 3 }, ns.id, { icmpFrom: { ns }, offending: p });
    }
    const { rs } = choice;
    const after: Packet = { ...p, dst: rs.addr, dport: rs.port };
    this.record({ ...base, verdict: 'masq', realServer: `${formatIPv4(rs.addr)}:${rs.port}`, after });
    const entry = this.session.conntrack.find(ns.id, p);
    this.session.ipvs.record(ns.id, vs, p, rs, entry?.entry);
    if (entry?.direction === 'original') this.session.conntrack.natted(entry.entry, after, 'ipvs');
    const route = this.route(ns, after.dst, undefined, 'output');
    if (!route) return this.finish('NO_ROUTE', `IPVS: no route to real server ${formatIPv4(after.dst)}`, { kind: 'none' }, ns.id);
    // A blackhole, unreachable or prohibit route fails IPVS's route lookup as a missing one does (__ip_vs_get_out_rt):
    // the packet goes no further (a failed calico node's own block is a blackhole).
    const refused = ROUTE_REFUSALS[route.type];
    if (refused !== undefined) return this.finish(refused, `IPVS: ${route.type} route ${formatIPv4(route.dst.addr)}/${route.dst.len} to real server ${formatIPv4(after.dst)} in ${ns.displayName}`, { kind: 'none' }, ns.id);
    // A real server on one of this node's own addresses (a hostNetwork endpoint): delivered here.
    if (route.type === 'local') return this.localDeliver(ns, devName, after);
    let q = after;
    if (!local) {
      if (q.ttl <= 1) return this.icmpError(ns, p, 11, 0, 'TTL_EXCEEDED', `TTL expired at ${ns.displayName} (IPVS forwarding)`);
      q = { ...q, ttl: q.ttl - 1 };
      this.record({ kind: 'forward', ttlBefore: after.ttl, ttlAfter: q.ttl });
    }
    const out = this.hook(ns, 'OUTPUT', q, { outIface: route.dev });
    if (out.verdict !== 'ACCEPT') return this.filtered(ns, out, local);
    return this.postroutingAndOutput(ns, route, out.packet, local);
  }

  // ---------------------------------------------------------------- underlay

  private segment(segmentName: string, frame: Frame): Event | undefined {
    const underlay = this.session.underlay;
    const segment = underlay.segmentByName(segmentName)!;
    this.hop(`underlay/${segmentName}`, `underlay ${segmentName}`, undefined, frame.packet);
    const receiver = underlay.byMac(segment, frame.dstMac);
    if (!receiver) return this.finish('NEIGHBOR_UNREACHABLE', `nothing on segment ${segmentName} has MAC ${frame.dstMac}`, { kind: 'none' }, `underlay/${segmentName}`);
    if (receiver.kind === 'router') {
      this.record({ kind: 'switch', segment: segmentName, dstMac: frame.dstMac, port: `router ${receiver.port.dev}` });
      return { kind: 'router', port: receiver.port, frame };
    }
    this.record({ kind: 'switch', segment: segmentName, dstMac: frame.dstMac, port: `${receiver.host.name} eth0` });
    return { kind: 'rx', ns: this.session.netnsById(receiver.host.netnsId), dev: 'eth0', frame };
  }

  /** The underlay router: routes between the node subnets it is connected to, and nothing else. */
  private router(inPort: RouterPort, frame: Frame): Event | undefined {
    const p = frame.packet;
    this.hop(ROUTER_ID, 'router', inPort.dev, p);
    // As in Linux: the route lookup (ip_route_input) comes before the TTL check (ip_forward).
    const route = this.session.underlay.routerRoute(p.dst);
    if (!route) {
      return this.routerError(inPort, p, 3, 0, 'NO_ROUTE', `the underlay router has no route to ${formatIPv4(p.dst)} (it knows the node subnets, not the pod networks)`);
    }
    const { port: outPort, nexthop } = route;
    // A pod block the router learned by peering with calico's nodes (routerPeering): via the node that owns it.
    if (route.learnedFrom !== undefined) this.record({ kind: 'userspace', process: 'router (BGP)', action: `${formatIPv4(p.dst)} is in a block node ${route.learnedFrom} announced: next hop ${formatIPv4(nexthop)}` });
    if (p.ttl <= 1) return this.routerError(inPort, p, 11, 0, 'TTL_EXCEEDED', 'TTL expired in transit at the router');
    const out: Packet = { ...p, ttl: p.ttl - 1 };
    this.record({ kind: 'forward', ttlBefore: p.ttl, ttlAfter: out.ttl });
    this.current().outDev = outPort.dev;
    this.current().packet = out;
    const mtu = outPort.subnet.mtu;
    if (out.length > mtu) {
      if (out.df) return this.routerError(inPort, p, 3, 4, 'MTU_EXCEEDED', `${out.length}-byte packet with DF set does not fit subnet ${outPort.subnet.name} (mtu ${mtu})`, mtu);
      this.record({ kind: 'mtu', dev: outPort.dev, mtu, length: out.length, result: 'fragment' });
    }
    const target = this.session.underlay.resolve(outPort.subnet, nexthop);
    if (!target || target.kind !== 'host') {
      return this.routerError(inPort, p, 3, 1, 'NEIGHBOR_UNREACHABLE', `no host answers ARP for ${formatIPv4(nexthop)} on ${outPort.subnet.name}`);
    }
    this.record({ kind: 'neigh', ip: nexthop, dev: outPort.dev, mac: target.host.mac, state: 'REACHABLE' });
    return { kind: 'segment', port: { subnet: outPort.subnet.name }, frame: { srcMac: outPort.mac, dstMac: target.host.mac, packet: out }, from: ROUTER_ID };
  }

  /** The router originates a packet (its ICMP errors), by the same routes. */
  private routerOut(p: Packet): Event | undefined {
    this.hop(ROUTER_ID, 'router', undefined, p);
    const route = this.session.underlay.routerRoute(p.dst);
    if (!route) return this.finish('NO_ROUTE', `the underlay router has no route to ${formatIPv4(p.dst)}`, { kind: 'none' }, ROUTER_ID);
    const { port: outPort, nexthop } = route;
    this.current().outDev = outPort.dev;
    const target = this.session.underlay.resolve(outPort.subnet, nexthop);
    if (!target || target.kind !== 'host') return this.finish('NEIGHBOR_UNREACHABLE', `no host answers ARP for ${formatIPv4(nexthop)} on ${outPort.subnet.name}`, { kind: 'none' }, ROUTER_ID);
    this.record({ kind: 'neigh', ip: nexthop, dev: outPort.dev, mac: target.host.mac, state: 'REACHABLE' });
    return { kind: 'segment', port: { subnet: outPort.subnet.name }, frame: { srcMac: outPort.mac, dstMac: target.host.mac, packet: p }, from: ROUTER_ID };
  }

  private routerError(inPort: RouterPort, p: Packet, type: number, code: number, disposition: Disposition, why: string, mtu?: number): undefined {
    return this.finish(disposition, why, { kind: 'icmp', from: inPort.ip, type, code, ...(mtu !== undefined ? { mtu } : {}) }, ROUTER_ID, { icmpFrom: { routerPort: inPort }, offending: p });
  }

  // ---------------------------------------------------------------- helpers

  private route(ns: NetNs, dst: IPv4, src: IPv4 | undefined, decision: 'output' | 'input'): Route | undefined {
    const result = fibLookup(ns, dst, src !== undefined ? { src } : {});
    if (!result.ok) {
      this.record({ kind: 'no-route', dst });
      return undefined;
    }
    const kind = result.route.type === 'local' || result.route.type === 'broadcast' ? 'local' : decision === 'input' ? 'forward' : 'output';
    this.record({ kind: 'route', table: result.table, route: result.route, routesExamined: result.examined, decision: kind });
    return result.route;
  }

  /** blackhole / unreachable / prohibit routes end the walk as the kernel does. */
  private specialRoute(ns: NetNs, route: Route, local: boolean, p?: Packet): Event | undefined {
    switch (route.type) {
      case 'blackhole':
        return this.finish('ROUTE_BLACKHOLE', `blackhole route ${formatIPv4(route.dst.addr)}/${route.dst.len} in ${ns.displayName}: dropped silently`, local ? { kind: 'local-error', errno: 'EINVAL' } : { kind: 'none' }, ns.id);
      case 'unreachable':
        if (local) return this.finish('ROUTE_UNREACHABLE', `unreachable route in ${ns.displayName}`, { kind: 'local-error', errno: 'EHOSTUNREACH' }, ns.id);
        return this.icmpError(ns, p!, 3, 1, 'ROUTE_UNREACHABLE', `unreachable route in ${ns.displayName}`);
      case 'prohibit':
        if (local) return this.finish('ROUTE_PROHIBIT', `prohibit route in ${ns.displayName}`, { kind: 'local-error', errno: 'EACCES' }, ns.id);
        return this.icmpError(ns, p!, 3, 13, 'ROUTE_PROHIBIT', `prohibit route in ${ns.displayName}`);
      default:
        return undefined;
    }
  }

  private hook(ns: NetNs, hook: BuiltinChain, p: Packet, ifaces: HookIfaces): HookResult {
    let packet = p;
    // An ICMP error about a flow this netns tracks is RELATED: conntrack translates it back like a reply.
    const related = p.quoted !== undefined ? this.session.conntrack.related(ns.id, p.quoted) : undefined;
    if (related) {
      if (hook === 'PREROUTING' || hook === 'OUTPUT') packet = Conntrack.unNatRelated(related, p);
      return this.recordHook(ns, hook, packet, ifaces, 'RELATED');
    }
    const ct = this.session.conntrack.find(ns.id, p);
    let ctState: CtState = 'NEW';
    // An entry this very packet created is unconfirmed until it leaves the netns: still NEW.
    if (ct && !this.createdHere.has(ct.entry)) {
      ctState = 'ESTABLISHED';
      // A reply's destination is translated back before routing (de-SNAT); its source after the filter tables (below).
      if (ct.direction === 'reply') ct.entry.replied = true;
      if (ct.direction === 'reply' && (hook === 'PREROUTING' || hook === 'OUTPUT')) {
        packet = Conntrack.unNatDestination(ct.entry, p);
        this.session.ipvs.reply(ns.id, ct.entry, p);
      }
      // A later packet of the connection: the binding its first packet made, applied without the nat chains.
      if (ct.direction === 'original' && !ct.entry.byIpvs && (hook === 'PREROUTING' || hook === 'OUTPUT')) packet = Conntrack.natDestination(ct.entry, p);
    }
    const result = this.recordHook(ns, hook, packet, ifaces, ctState);
    if (!ct && (hook === 'PREROUTING' || hook === 'OUTPUT')) this.createdHere.add(this.session.conntrack.create(ns.id, packet));
    if (result.nat) {
      const entry = this.session.conntrack.find(ns.id, result.nat.before);
      if (entry?.direction === 'original') this.session.conntrack.natted(entry.entry, result.packet);
    }
    // A reply's source is translated back last (NF_IP_PRI_NAT_SRC, after the filter tables).
    if (ctState === 'ESTABLISHED' && (hook === 'POSTROUTING' || hook === 'INPUT')) {
      if (ct?.direction === 'reply') return { ...result, packet: Conntrack.unNatSource(ct.entry, result.packet) };
      if (ct?.direction === 'original') return { ...result, packet: Conntrack.natSource(ct.entry, result.packet) };
    }
    return result;
  }

  /** Runs a hook's tables and records each table's verdict as a step. */
  private recordHook(ns: NetNs, hook: BuiltinChain, packet: Packet, ifaces: HookIfaces, ctState: CtState): HookResult {
    const result = runHook(
      {
        ns,
        hook,
        ...ifaces,
        ctState,
        random: this.session.random,
        nftSets: this.session.kernel.nftSets,
        recent: this.session.kernel.recent,
        redirectAddress: (inIface) => ns.links.find((l) => l.name === inIface)?.ipv4[0]?.ip,
        masqueradeSource: (out) => masqueradeSource(ns, out),
      },
      packet,
    );
    for (const hit of result.hits) {
      // The translating table shows the packet as NAT left it.
      const natted = result.nat !== undefined && hit.nat !== undefined;
      this.record({
        kind: 'netfilter',
        hook,
        table: hit.table,
        chain: hit.chain,
        ...(hit.index !== undefined ? { ruleIndex: hit.index } : {}),
        verdict: hit.verdict,
        rulesEvaluated: hit.rulesEvaluated,
        ...(natted ? { after: result.nat!.after } : {}),
        ...(hit.nft ? { nft: { baseChain: hit.nft.baseChain, priority: hit.nft.priority, path: hit.nft.path } } : {}),
      });
    }
    // Where calico's Felix decides NetworkPolicy (or, under flannel alone, would have): name the policy and rule.
    // Packets of a known connection are accepted before any policy (ctstate RELATED,ESTABLISHED in cali-fw/tw).
    if ((hook === 'FORWARD' || hook === 'INPUT') && ctState === 'NEW') {
      for (const step of this.session.dataplane.cni.policySteps?.(ns, { hook, ...ifaces }, packet) ?? []) this.record(step);
    }
    return result;
  }

  private filtered(ns: NetNs, result: HookResult, local: boolean): undefined {
    const hit = result.hits[result.hits.length - 1];
    const where = hit ? `${hit.table} ${hit.chain}${hit.index !== undefined ? ` rule ${hit.index + 1}` : ''}` : 'netfilter';
    const notice: SenderNotice = local ? { kind: 'local-error', errno: 'EPERM' } : result.verdict === 'REJECT' ? { kind: 'icmp', from: 0, type: 3, code: 3 } : { kind: 'none' };
    // When the chains are Felix's NetworkPolicy chains, say which policy decided.
    const policy = this.current().steps.find((st) => st.kind === 'policy' && st.verdict === 'denied');
    const because = policy?.kind === 'policy' ? `; NetworkPolicy: ${policy.reason}` : '';
    const by = hit?.nft ? 'nftables' : 'iptables';
    return this.finish('DROPPED_BY_FILTER', `${result.verdict === 'REJECT' ? 'rejected' : 'dropped'} by ${by} in ${ns.displayName} (${where})${because}`, notice, ns.id);
  }

  /**
   * The kernel answers an undeliverable packet with an ICMP error from this
   * netns (icmp_send). About a packet addressed to this netns (port
   * unreachable) it answers from that very address; about one in transit,
   * from the address the route back to the sender picks.
   */
  private icmpError(ns: NetNs, p: Packet, type: number, code: number, disposition: Disposition, why: string, mtu?: number): undefined {
    const back = fibLookup(ns, p.src);
    const from = back.ok ? (isLocalAddress(ns, p.dst) ? p.dst : selectSource(ns, back.route)) : undefined;
    const notice: SenderNotice = from !== undefined ? { kind: 'icmp', from, type, code, ...(mtu !== undefined ? { mtu } : {}) } : { kind: 'none' };
    return this.finish(disposition, why, notice, ns.id, { icmpFrom: { ns }, offending: p });
  }

  private link(ns: NetNs, name: string): Link {
    const link = ns.links.find((l) => l.name === name);
    if (!link) throw new Error(`bug: no device ${name} in ${ns.id}`);
    return link;
  }

  private ports(ns: NetNs, bridge: Link): Link[] {
    return ns.links.filter((l) => l.bridgePort?.bridge === bridge.name);
  }

  private peerMac(port: Link): Mac | undefined {
    if (port.info.kind !== 'veth') return undefined;
    return this.session.vethPeer(port.info).link?.mac;
  }
}

function count(dev: Link, direction: 'rx' | 'tx', bytes: number): void {
  // Counters count Ethernet frames: the IP packet plus the 14-byte header where there is one.
  const frameBytes = bytes + (dev.mac !== undefined && dev.info.kind !== 'loopback' ? 14 : 0);
  if (direction === 'rx') {
    dev.counters.rxPackets++;
    dev.counters.rxBytes += frameBytes;
  } else {
    dev.counters.txPackets++;
    dev.counters.txBytes += frameBytes;
  }
}

/** A stable stand-in for the kernel's flow-hash source port (within the default 32768-60999 range). */
function flowPort(p: Packet): number {
  let h = 2166136261;
  for (const v of [p.src, p.dst, p.sport ?? 0, p.dport ?? 0, p.protocol.length]) {
    h = Math.imul(h ^ v, 16777619) >>> 0;
  }
  return 32768 + (h % (60999 - 32768 + 1));
}

