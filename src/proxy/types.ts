/**
 * One small interface per kube-proxy mode, as cni/types.ts has one per CNI
 * plugin. A mode programs a node the way kube-proxy does when it starts
 * there; when its datapath is more than netfilter rules, it also answers
 * the packet walk where the kernel hands it the packet:
 *
 * - ipvs: ip_vs_in, at LOCAL_IN for a packet the node received and at
 *   LOCAL_OUT for the node's own (./ipvs/mode.ts);
 * - userspace: the proxier's sockets, where a client's connection ends and
 *   kube-proxy opens its own to an endpoint (./userspace/mode.ts).
 *
 * iptables and nftables modes need no walk step: netfilter evaluates their
 * rules (src/dataplane/netfilter/). The walk (src/dataplane/walk/) asks the
 * cluster's mode and carries out its answer.
 */
import type { NetnsBuilder } from '../kernel/builder.js';
import type { NetNs } from '../kernel/netns.js';
import type { Cluster, Node } from '../model/types.js';
import type { KubeProxySpec } from '../topology/types.js';
import type { Packet } from '../flow/packet.js';
import type { Disposition, SenderNotice, Step } from '../flow/trace.js';
import type { IpvsSessionState } from './ipvs/connections.js';
import type { UserspaceProxySession } from './userspace/connections.js';

export interface KubeProxyMode {
  readonly name: KubeProxySpec['mode'];
  /** kube-proxy's start-up on a node: its sysctls, devices, sets, chains, virtual servers. */
  programNode(node: NetnsBuilder, model: Node): void;
  /**
   * A packet for one of the node's own addresses, after INPUT (received) or
   * OUTPUT (`local`: the node's own): the mode takes it, or not (undefined).
   */
  atLocalIn?(walk: ServiceWalk, ns: NetNs, p: Packet, local: boolean): ServiceAnswer | undefined;
  /** A packet delivered to a socket in `ns`: the mode's own socket takes it, or not (undefined). */
  atSocket?(walk: ServiceWalk, ns: NetNs, p: Packet, isReply: boolean): ServiceAnswer | undefined;
  /** A reply of a connection passed a hook of `ns` before routing (IPVS counts it: ip_vs_out). */
  replySeen?(memory: ProxyMemory, ns: NetNs, flow: TrackedFlow, p: Packet): void;
}

/** What a mode may ask of the walk. */
export interface ServiceWalk {
  readonly cluster: Cluster;
  /** The walk's random source (schedulers, round-robin starts). */
  readonly random: (probability: number) => boolean;
  /** What the modes remember between the packets of the session. */
  readonly memory: ProxyMemory;
  /** The node whose own netns `ns` is; undefined for a pod's and the outside's. */
  nodeOf(ns: NetNs): Node | undefined;
  /** The conntrack entry `p` belongs to in `ns`; `fresh` when this very packet created it (unconfirmed). */
  connection(
    ns: NetNs,
    p: Packet,
  ): { readonly flow: TrackedFlow; readonly direction: 'original' | 'reply'; readonly fresh: boolean } | undefined;
}

/** A connection's conntrack entry, as a mode sees it: whether a reply has gone through. */
export interface TrackedFlow {
  readonly replied: boolean;
}

/**
 * What the modes remember between the packets of a walk session (a
 * `--traffic` run shares it across its flows): one store per mode that
 * keeps any. The walk session's KernelState holds them.
 */
export interface ProxyMemory {
  /** IPVS's connection table and persistence templates (`ipvsadm -Lnc`). */
  readonly ipvs: IpvsSessionState;
  /** The userspace proxier's round-robin positions, affinities and connections to endpoints. */
  readonly userspaceProxy: UserspaceProxySession;
}

/** A mode's answer, which the walk carries out. */
export type ServiceAnswer =
  /** The packet's way ends here (no endpoint). */
  | {
      readonly kind: 'end';
      readonly step: Step;
      readonly disposition: Disposition;
      readonly summary: string;
      readonly notice: SenderNotice;
    }
  /**
   * Translated on its own connection (IPVS masquerading: ip_vs_nat_xmit): it
   * leaves by the route to its new destination, through LOCAL_OUT and
   * POSTROUTING, forwarded (its TTL decremented) unless the node sent it.
   */
  | { readonly kind: 'translated'; readonly step: Step; readonly packet: Packet; readonly by: string }
  /**
   * A process took the packet from its socket and sends another, on a
   * connection of its own, from the node: in a hop of its own.
   */
  | {
      readonly kind: 'relay';
      /** What happened to the delivered packet, for the hop it arrived in. */
      readonly here: Step;
      /** The name of the hop the new packet starts. */
      readonly hopName: string;
      /** The new hop's first step, if any (the choice of endpoint). */
      readonly first?: Step;
      /** From the proxy's socket; src 0 when the route is to choose it. */
      readonly packet: Packet;
    };
