/**
 * The packet walk's loop, its events and its recording. A packet moves
 * through the simulated namespaces the way Linux moves it, one event at a
 * time; each event is a place where the kernel hands the packet on, and is
 * handled by the file of the path it enters (session.ts wires them):
 *
 *   local-out   ip_local_out: a socket's packet is routed and sent   output.ts
 *   output      dst_output: POSTROUTING, then ip_finish_output       output.ts
 *   xmit        dev_queue_xmit: a frame handed to a device           output.ts
 *   rx          netif_receive_skb: a frame arrives on a device       input.ts
 *   ip-rcv      ip_rcv: the IP layer takes the packet                input.ts
 *   deliver     ip_local_deliver_finish: to a socket of the netns    local.ts
 *   segment     the underlay switch forwards a frame                 underlay.ts
 *   router      the underlay router receives a frame                 underlay.ts
 *   router-out  the underlay router sends its own packet             underlay.ts
 *
 * A walk records where the packet is (hops) and every decision there
 * (steps), and ends with a disposition: delivered, or dropped and why, with
 * what the sender is told. It keeps what one packet carries along: the
 * conntrack entries it created (unconfirmed until it leaves a netns) and
 * whether it is a tunnel's outer packet.
 */
import type { Link } from '../../kernel/link.js';
import type { NetNs } from '../../kernel/netns.js';
import type { Route } from '../../kernel/route.js';
import type { Node, Pod } from '../../model/types.js';
import type { Frame, Packet } from '../../flow/packet.js';
import type { Disposition, Hop, SenderNotice, Step } from '../../flow/trace.js';
import type { ServiceWalk } from '../../proxy/types.js';
import type { Dataplane } from '../build.js';
import type { KernelState } from '../kernel-state.js';
import type { ArpReach } from '../neighbour.js';
import type { Conntrack, ConntrackEntry } from '../netfilter/conntrack.js';
import type { HookSession } from '../netfilter/hooks.js';
import type { RouterPort, Underlay } from '../underlay.js';

/** Hops after which a walk is declared a loop. */
const MAX_HOPS = 64;

export type Event =
  | { readonly kind: 'local-out'; readonly ns: NetNs; readonly packet: Packet }
  | { readonly kind: 'output'; readonly ns: NetNs; readonly route: Route; readonly packet: Packet; readonly local: boolean }
  | { readonly kind: 'xmit'; readonly ns: NetNs; readonly dev: Link; readonly frame: Frame }
  | { readonly kind: 'rx'; readonly ns: NetNs; readonly dev: string; readonly frame: Frame }
  | { readonly kind: 'ip-rcv'; readonly ns: NetNs; readonly dev: string; readonly packet: Packet; readonly prerouted?: boolean }
  | { readonly kind: 'deliver'; readonly ns: NetNs; readonly dev: string; readonly packet: Packet }
  | { readonly kind: 'segment'; readonly port: { readonly subnet: string }; readonly frame: Frame; readonly from: string }
  | { readonly kind: 'router'; readonly port: RouterPort; readonly frame: Frame }
  | { readonly kind: 'router-out'; readonly packet: Packet };

/**
 * Events that carry the packet on within the same step of its way (a
 * bridge port transmitting, a translated packet leaving or delivered): the
 * loop check waits for the packet to move on, as it did when these paths
 * called each other directly.
 */
const CONTINUATIONS: ReadonlySet<Event['kind']> = new Set(['output', 'xmit', 'deliver']);

/** One handler per event: where the packet goes next, or undefined when the walk ended. */
export type EventHandlers = { readonly [K in Event['kind']]: (walk: Walk, event: Extract<Event, { kind: K }>) => Event | undefined };

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

/** What a walk needs of its session (session.ts): the build, the underlay, the shared kernel memory, who owns a netns. */
export interface WalkEnv extends ArpReach {
  readonly dataplane: Dataplane;
  readonly underlay: Underlay;
  readonly random: (probability: number) => boolean;
  readonly kernel: KernelState;
  readonly conntrack: Conntrack;
  /** The netns a veth peer or a segment host names. */
  netnsById(id: string): NetNs;
  ownerOf(ns: NetNs): { node?: Node; pod?: Pod };
  /** The node a netns is on (a pod's node). */
  nodeOf(ns: NetNs): Node | undefined;
}

export class Walk {
  private readonly hops: Hop[] = [];
  /** Conntrack entries created by this walk's packet (unconfirmed: the packet is still NEW in them). */
  readonly unconfirmed = new Set<ConntrackEntry>();
  /**
   * Set while the walk carries a vxlan or flannel-udp outer packet (from the
   * encapsulation to the decapsulation): an error about that packet belongs to
   * the tunnel's UDP socket, not to whoever sent the inner packet.
   */
  outerOf?: 'vxlan' | 'flannel-udp';
  private end?: WalkEnd;
  /** What the netfilter hooks keep across this walk's packets: the session's conntrack and sets, this packet's new entries. */
  readonly netfilter: HookSession;
  /** What kube-proxy's mode may ask of this walk (its service step). */
  readonly services: ServiceWalk;

  constructor(
    readonly session: WalkEnv,
    private readonly handlers: EventHandlers,
  ) {
    this.netfilter = {
      conntrack: session.conntrack,
      unconfirmed: this.unconfirmed,
      random: session.random,
      nftSets: session.kernel.nftSets,
      recent: session.kernel.recent,
      onReply: (ns, entry, p) => session.dataplane.kubeProxy.replySeen?.(session.kernel, ns, entry, p),
    };
    this.services = {
      cluster: session.dataplane.cluster,
      random: session.random,
      memory: session.kernel,
      nodeOf: (ns) => session.ownerOf(ns).node,
      connection: (ns, p) => {
        const ct = session.conntrack.find(ns.id, p);
        return ct && { flow: ct.entry, direction: ct.direction, fresh: this.unconfirmed.has(ct.entry) };
      },
    };
  }

  run(first: Event): WalkResult {
    let next: Event | undefined = first;
    while (next && !this.end) {
      if (this.hops.length > MAX_HOPS && !CONTINUATIONS.has(next.kind)) {
        this.finish('LOOP', `the packet was still moving after ${MAX_HOPS} hops`, { kind: 'none' }, 'loop');
        break;
      }
      next = this.step(next);
    }
    if (!this.end) throw new Error('bug: walk ended without a disposition');
    return { ...this.end, hops: this.hops };
  }

  private step<K extends Event['kind']>(event: Extract<Event, { kind: K }>): Event | undefined {
    const handler = this.handlers[event.kind as K] as (walk: Walk, event: Extract<Event, { kind: K }>) => Event | undefined;
    return handler(this, event);
  }

  /** Whether the walk has ended. */
  get ended(): boolean {
    return this.end !== undefined;
  }

  // ---------------------------------------------------------------- hops and steps

  /** The packet is in a new place (a netns, a segment, the router); the same place again without an incoming device is the same hop. */
  hop(where: string, name: string, inDev: string | undefined, packet: Packet): Hop {
    const last = this.hops[this.hops.length - 1];
    if (last && last.where === where && inDev === undefined) return last;
    const hop: Hop = { where, name, ...(inDev !== undefined ? { inDev } : {}), steps: [], packet };
    this.hops.push(hop);
    return hop;
  }

  /** A hop of its own, even in the same place: a new packet a process sends. */
  newHop(hop: Hop): void {
    this.hops.push(hop);
  }

  current(): Hop {
    return this.hops[this.hops.length - 1]!;
  }

  record(step: Step): void {
    this.current().steps.push(step);
  }

  /** A packet received or sent on a device: the session counts it (ip -s link, ifconfig). */
  count(ns: NetNs, dev: Link, direction: 'rx' | 'tx', ipBytes: number): void {
    this.session.kernel.devices.frame(ns, dev, direction, ipBytes);
  }

  finish(disposition: Disposition, summary: string, notice: SenderNotice, where: string, extra: Partial<WalkEnd> = {}): undefined {
    if (this.outerOf && disposition !== 'DELIVERED' && notice.kind !== 'none') {
      // The kernel's vxlan socket and flanneld's socket take the error (or the failed send) and relay nothing
      // (vxlan_err_lookup only finds the socket; flanneld logs): the inner packet is just lost.
      const socket = this.outerOf === 'vxlan' ? "the kernel's vxlan socket" : "flanneld's UDP socket";
      summary = `${summary}; ${socket} gets the error about the outer packet and does not relay it: the sender hears nothing`;
      notice = { kind: 'none' };
    }
    this.record({
      kind: disposition === 'DELIVERED' ? 'deliver' : 'drop',
      ...(disposition === 'DELIVERED' ? { socket: summary } : { disposition, reason: summary }),
    } as Step);
    this.end = { disposition, summary, notice, where, ...extra };
    return undefined;
  }
}

/** A device of the netns by name (the routes and ports name only devices that exist). */
export function deviceOf(ns: NetNs, name: string): Link {
  const link = ns.links.find((l) => l.name === name);
  if (!link) throw new Error(`bug: no device ${name} in ${ns.id}`);
  return link;
}
