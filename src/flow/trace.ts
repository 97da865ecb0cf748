/**
 * A trace is data: the flow asked for, the hops it took (each a list of typed
 * steps, in the order the kernel takes them), and one disposition from a
 * closed set. Text, JSON, traceroute/ping output and diagrams only format it.
 */
import type { Route } from '../kernel/route.js';
import type { IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import type { Packet } from './packet.js';

export const DISPOSITIONS = [
  'DELIVERED',
  'DROPPED_BY_FILTER',
  'NO_ROUTE',
  'ROUTE_BLACKHOLE',
  'ROUTE_UNREACHABLE',
  'ROUTE_PROHIBIT',
  'NEIGHBOR_UNREACHABLE',
  'MTU_EXCEEDED',
  'TTL_EXCEEDED',
  'PORT_UNREACHABLE',
  'FORWARDING_DISABLED',
  'NO_ENDPOINTS',
  'LOOP',
] as const;

export type Disposition = (typeof DISPOSITIONS)[number];

/** What the sender is told, when anything (an ICMP error, a local errno). */
export type SenderNotice =
  | { readonly kind: 'icmp'; readonly from: IPv4; readonly type: number; readonly code: number; readonly mtu?: number }
  | {
      readonly kind: 'local-error';
      readonly errno: 'EMSGSIZE' | 'ENETUNREACH' | 'EHOSTUNREACH' | 'EINVAL' | 'EPERM' | 'EACCES';
      readonly mtu?: number;
    }
  | { readonly kind: 'tcp-rst'; readonly from: IPv4 }
  /** The connection was accepted, then closed by the process (a FIN without data: curl's "Empty reply from server"). */
  | { readonly kind: 'tcp-fin' }
  | { readonly kind: 'none' };

/** nftables: a rule that passed control to another chain on the way to a verdict (a jump, a goto, a map's verdict). */
export interface NftPathEntry {
  readonly chain: string;
  /** 0-based position of the rule in its chain. */
  readonly index: number;
  /** `jump services`, `goto endpoint-...`. */
  readonly action: string;
  /** Where the verdict came from when a map gave it: `vmap @service-ips`, `vmap` (anonymous), `numgen 1`. */
  readonly via?: string;
}

export type Step =
  | {
      readonly kind: 'route';
      readonly table: number;
      readonly route: Route;
      readonly routesExamined: number;
      readonly decision: 'local' | 'forward' | 'output';
    }
  | { readonly kind: 'no-route'; readonly dst: IPv4 }
  | { readonly kind: 'source'; readonly src: IPv4; readonly why: string }
  | {
      readonly kind: 'netfilter';
      readonly hook: string;
      readonly table: string;
      readonly chain: string;
      readonly rule?: string;
      readonly ruleIndex?: number;
      readonly verdict: string;
      readonly rulesEvaluated: number;
      /** NAT verdicts: the packet as the translation left it. */
      readonly after?: Packet;
      /**
       * nftables (absent for iptables): `table` is the table as nft names it (`ip kube-proxy`), `chain` and
       * `ruleIndex` the deciding rule; this says which base chain the hook called, at which priority, and
       * the rules that passed control on the way.
       */
      readonly nft?: { readonly baseChain: string; readonly priority: number; readonly path: readonly NftPathEntry[] };
    }
  | { readonly kind: 'forward'; readonly ttlBefore: number; readonly ttlAfter: number }
  | {
      readonly kind: 'neigh';
      readonly ip: IPv4;
      readonly dev: string;
      readonly mac?: Mac;
      readonly state: string;
      readonly answeredBy?: string;
    }
  | {
      readonly kind: 'bridge';
      readonly bridge: string;
      readonly dstMac: Mac;
      readonly result: 'local' | 'forward' | 'flood';
      readonly port?: string;
    }
  | { readonly kind: 'xmit'; readonly dev: string; readonly to: string }
  | { readonly kind: 'encap'; readonly tunnel: string; readonly dev: string; readonly outer: Packet; readonly vni?: number }
  | { readonly kind: 'decap'; readonly tunnel: string; readonly dev: string; readonly vni?: number }
  | { readonly kind: 'userspace'; readonly process: string; readonly action: string }
  /**
   * A proxy in user space (kube-proxy's userspace mode) between two connections: it accepted the
   * client's connection on its proxy socket, opened a new connection to the endpoint it chose
   * (round-robin, or the client's by session affinity), closed the client's connection for want of
   * endpoints, or wrote what the endpoint sent back into the client's connection.
   */
  | {
      readonly kind: 'proxy';
      readonly process: string;
      readonly action: 'accept' | 'connect' | 'close' | 'relay';
      /** `ns/name:port` of the service port the socket serves. */
      readonly servicePort: string;
      /** accept, close: the listening socket (`tcp *:40123`); connect, relay: the client's connection as kube-proxy holds it (`tcp 10.244.1.1:40123 ⇄ 10.244.1.3:45678`). */
      readonly socket: string;
      /** accept, close, relay: the client (`10.244.2.3:45678`); connect: the endpoint. */
      readonly peer: string;
      /** connect: how the endpoint was chosen, its place in the round-robin list, and the list's length. */
      readonly choice?: { readonly how: 'round-robin' | 'session-affinity'; readonly position: number; readonly of: number };
      /** connect, relay: the first packet the proxy's socket sends (its source is the route's choice). */
      readonly after?: Packet;
    }
  /**
   * IPVS (ip_vs_in at LOCAL_IN, or LOCAL_OUT for the node's own packets): the virtual server hit, the real
   * server the scheduler (or persistence) chose, and the packet after masquerading-mode DNAT.
   */
  | {
      readonly kind: 'ipvs';
      readonly hook: 'INPUT' | 'OUTPUT';
      readonly virtual: string;
      readonly scheduler: string;
      readonly realServers: number;
      readonly verdict: 'masq' | 'no-destination';
      readonly realServer?: string;
      readonly persistent?: boolean;
      readonly after?: Packet;
    }
  | {
      readonly kind: 'mtu';
      readonly dev: string;
      readonly mtu: number;
      readonly length: number;
      readonly result: 'ok' | 'fragment' | 'too-big';
    }
  | { readonly kind: 'switch'; readonly segment: string; readonly dstMac: Mac; readonly port: string }
  /**
   * A NetworkPolicy decision for one pod and direction: the policy and 1-based rule that allowed it, or the
   * policies that isolate the pod (denied). `not-enforced`: flannel alone, what calico would have decided.
   */
  | {
      readonly kind: 'policy';
      readonly direction: 'ingress' | 'egress';
      readonly pod: string;
      readonly verdict: 'allowed' | 'denied' | 'not-enforced';
      readonly policy?: string;
      readonly rule?: number;
      readonly enforcedBy: 'calico' | 'none';
      readonly reason: string;
    }
  | { readonly kind: 'deliver'; readonly socket: string }
  | { readonly kind: 'drop'; readonly disposition: Disposition; readonly reason: string };

/** One visit of the packet to a namespace or to a piece of the underlay. */
export interface Hop {
  /** `node/node-02`, `pod/default/pod-a`, `underlay/rack-1`, `router`. */
  readonly where: string;
  /** What a person calls it. */
  readonly name: string;
  readonly inDev?: string;
  outDev?: string;
  readonly steps: Step[];
  /** The packet as it left this hop (or as it was when dropped/delivered). */
  packet: Packet;
}

export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly src: IPv4;
  readonly dst: IPv4;
  readonly protocol: Packet['protocol'];
  readonly dport?: number;
  readonly sport?: number;
}

export interface Trace {
  readonly flow: Flow;
  readonly hops: Hop[];
  readonly disposition: Disposition;
  /** One sentence: where and why it ended. */
  readonly summary: string;
  readonly notice: SenderNotice;
  /** The packet as the receiver got it (DELIVERED only). */
  readonly delivered?: Packet;
}
