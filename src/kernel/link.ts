/**
 * Network devices as the kernel holds them (struct net_device and the
 * per-kind data `ip -d link` prints). Renderers read these; the CNI and
 * proxy builders write them.
 */
import type { IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

export type LinkKind = 'loopback' | 'ether' | 'veth' | 'bridge' | 'vxlan' | 'tun' | 'ipip' | 'dummy';

/** IFF_* style administrative and operational state. */
export interface LinkState {
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** Carrier present (IFF_LOWER_UP); false prints NO-CARRIER. */
  readonly carrier: boolean;
  /** RFC 2863 operstate as `ip link` prints it. */
  readonly operstate: 'UP' | 'DOWN' | 'UNKNOWN' | 'LOWERLAYERDOWN';
}

export interface Ipv4Address {
  readonly ip: IPv4;
  readonly len: number;
  /** Broadcast address; netlink fills it in for prefixes shorter than /31. */
  readonly broadcast?: IPv4;
  readonly scope: 'global' | 'link' | 'host';
  /** For point-to-point devices that print `peer`/`destination`; usually absent. */
  readonly peer?: IPv4;
}

export interface VethInfo {
  readonly kind: 'veth';
  /** Where the other end lives. */
  readonly peer: {
    readonly netns: string;
    readonly ifindex: number;
    readonly name: string;
    /**
     * How `ip link` names the peer namespace from this side:
     * `link-netns NAME` when it is a named netns, `link-netnsid N` otherwise.
     */
    readonly linkNetns: { readonly name: string } | { readonly nsid: number };
  };
}

export interface VxlanInfo {
  readonly kind: 'vxlan';
  readonly id: number;
  readonly local: IPv4;
  /** The underlay device name. */
  readonly dev: string;
  readonly dstport: number;
  readonly learning: boolean;
  readonly ageing: number;
}

export interface BridgeInfo {
  readonly kind: 'bridge';
  readonly stpState: number;
  readonly priority: number;
  readonly vlanFiltering: boolean;
  readonly forwardDelay: number;
  readonly helloTime: number;
  readonly maxAge: number;
  readonly ageingTime: number;
}

export interface TunInfo {
  readonly kind: 'tun';
  readonly type: 'tun' | 'tap';
  readonly pi: boolean;
  readonly vnetHdr: boolean;
  readonly persist: boolean;
}

export interface IpipInfo {
  readonly kind: 'ipip';
  readonly local?: IPv4;
  readonly remote?: IPv4;
}

export interface PlainInfo {
  readonly kind: 'loopback' | 'ether' | 'dummy';
}

export type LinkInfo = VethInfo | VxlanInfo | BridgeInfo | TunInfo | IpipInfo | PlainInfo;

/** A port's membership of a bridge (`bridge_slave` in `ip -d link`). */
export interface BridgePort {
  readonly bridge: string;
  /** 1-based port number on the bridge, in order of joining. */
  readonly portNo: number;
  readonly hairpin: boolean;
  readonly learning: boolean;
  readonly flood: boolean;
  readonly priority: number;
  readonly cost: number;
  readonly state: 'forwarding' | 'disabled' | 'blocking' | 'listening' | 'learning';
}

export interface Counters {
  readonly rxPackets: number;
  readonly rxBytes: number;
  readonly txPackets: number;
  readonly txBytes: number;
  readonly rxDropped: number;
  readonly txDropped: number;
  /** Transmissions the driver gave up on (a vxlan device with no route to the remote VTEP). */
  readonly txErrors: number;
  /** Of those, the ones for want of a path (the kernel's tx_carrier_errors: vxlan's ENETUNREACH). */
  readonly txCarrierErrors: number;
}

/**
 * Who made a device and what the request that made it carried
 * (RTM_NEWLINK, or TUNSETIFF for a TUN), attribute by attribute, so that
 * a reader, and the export that builds the device again, can tell a value
 * its creator chose from one the kernel filled in. Attributes a request
 * leaves out get the device kind's setup defaults (kernel/devices.ts).
 */
export interface LinkOrigin {
  /** The component and the source file and function that create the device. */
  readonly creator: string;
  /** Each attribute as `name value` (or `name: not sent`), with where it comes from, in request order. */
  readonly attributes: readonly (readonly [attribute: string, source: string])[];
}

/**
 * Where a renderer reads a device's counters: the state's own (`link.counters`,
 * what the device had counted when the state was taken), or those plus what
 * a run of packet walks counted since (src/dataplane/device-counters.ts).
 */
export type CountersOf = (link: Link) => Counters;

/** The counters the state itself holds: zero for a netns netlab built, whatever a captured device had for a fixture. */
export const stateCounters: CountersOf = (link) => link.counters;

export interface Link {
  readonly ifindex: number;
  readonly name: string;
  readonly info: LinkInfo;
  readonly mtu: number;
  /** Absent for devices without a hardware address (tun: `link/none`). */
  readonly mac?: Mac;
  readonly state: LinkState;
  readonly qdisc: string;
  /** tx_queue_len; 0 means `qlen` is not printed. */
  readonly txqueuelen: number;
  readonly flags: {
    readonly broadcast: boolean;
    readonly multicast: boolean;
    readonly noarp: boolean;
    readonly pointopoint: boolean;
    readonly loopback: boolean;
  };
  readonly promiscuity: number;
  readonly allmulti: number;
  readonly minmtu: number;
  readonly maxmtu: number;
  readonly numTxQueues: number;
  readonly numRxQueues: number;
  readonly gsoMaxSize: number;
  readonly gsoMaxSegs: number;
  readonly tsoMaxSize: number;
  readonly tsoMaxSegs: number;
  readonly groMaxSize: number;
  /** Set when this device is a bridge port. */
  readonly bridgePort?: BridgePort;
  readonly ipv4: readonly Ipv4Address[];
  /** True when the device has an EUI-64 IPv6 link-local address (fe80::/64 from its MAC). */
  readonly ipv6LinkLocal: boolean;
  /**
   * The link-local address when it is not derived from a MAC: a device
   * without one (a TUN, ARPHRD_NONE) is switched to addrgenmode random
   * once it has carrier and gets a random fe80:: address flagged
   * `stable-privacy`. Set it (with ipv6LinkLocal) to a stable stand-in for
   * the kernel's random choice, e.g. `fe80::` + 64 bits of a hash.
   */
  readonly ipv6LinkLocalAddress?: string;
  /** The device's link-layer multicast list (`ip maddr`), in the order the kernel keeps it. */
  readonly multicast: readonly Mac[];
  /**
   * The traffic counters as the state was taken: zero when netlab builds it.
   * Walks never change them; what they count is kept by the walk session
   * (src/dataplane/device-counters.ts).
   */
  readonly counters: Counters;
  /** Who created the device and how; absent for what the kernel or the machine has by itself (lo, the NIC). */
  readonly origin?: LinkOrigin;
}

export function zeroCounters(): Counters {
  return { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0, txErrors: 0, txCarrierErrors: 0 };
}
