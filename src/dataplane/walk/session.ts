/**
 * A walk session, and where each event of a walk is handled. The session
 * holds what several walks share: the build, the underlay, the random
 * source, and the kernels' memory (conntrack, IPVS connections, dynamic
 * sets, device counters), so a reply walk sees what its request did and a
 * `--traffic` run sees what its earlier flows did.
 *
 * Reading one packet from sender to delivery, in the kernel's order:
 * output.ts (ip_local_out, POSTROUTING, the neighbour, the device), then
 * bridge.ts or tunnels.ts or underlay.ts depending on the device, input.ts
 * on the receiving side (PREROUTING, routing, INPUT or FORWARD), local.ts
 * (the sockets); hooks.ts and routing.ts are what each of them calls at a
 * netfilter hook and a route lookup, service.ts where kube-proxy's mode
 * takes the packet.
 */
import type { Link, VethInfo } from '../../kernel/link.js';
import type { NetNs } from '../../kernel/netns.js';
import type { Node, Pod } from '../../model/types.js';
import type { Packet } from '../../flow/packet.js';
import type { Dataplane } from '../build.js';
import { EXTERNAL_NETNS_ID } from '../external.js';
import { KernelState } from '../kernel-state.js';
import type { Conntrack } from '../netfilter/conntrack.js';
import type { Underlay } from '../underlay.js';
import { ipReceive, receive } from './input.js';
import { localDeliver } from './local.js';
import { dstOutput, localOut, transmit } from './output.js';
import { router, routerOut, segment } from './underlay.js';
import { Walk, type EventHandlers, type WalkEnv, type WalkResult } from './walk.js';

/** Each event, to the path that handles it. */
const HANDLERS: EventHandlers = {
  'local-out': (walk, e) => localOut(walk, e.ns, e.packet),
  output: (walk, e) => dstOutput(walk, e.ns, e.route, e.packet, e.local),
  xmit: (walk, e) => transmit(walk, e.ns, e.dev, e.frame),
  rx: (walk, e) => receive(walk, e.ns, e.dev, e.frame),
  'ip-rcv': (walk, e) => ipReceive(walk, e.ns, e.dev, e.packet, e.prerouted ?? false),
  deliver: (walk, e) => localDeliver(walk, e.ns, e.dev, e.packet),
  segment: (walk, e) => segment(walk, e.port.subnet, e.frame),
  router: (walk, e) => router(walk, e.port, e.frame),
  'router-out': (walk, e) => routerOut(walk, e.packet),
};

/** A walk session: shared conntrack so a reply walk sees what the request did. */
export class WalkSession implements WalkEnv {
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
    return new Walk(this, HANDLERS).run({ kind: 'local-out', ns, packet });
  }

  /** A packet the underlay router itself sends (its ICMP errors). */
  sendFromRouter(packet: Packet): WalkResult {
    return new Walk(this, HANDLERS).run({ kind: 'router-out', packet });
  }
}
