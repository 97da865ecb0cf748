/** Neighbour (ARP) and bridge forwarding database entries. */
import type { IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

export type NeighState = 'PERMANENT' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'INCOMPLETE' | 'NOARP';

export interface Neighbour {
  readonly ip: IPv4;
  readonly dev: string;
  readonly lladdr?: Mac;
  readonly state: NeighState;
  readonly router?: boolean;
}

/**
 * One line of `bridge fdb show`. `self` entries live in the device's own
 * table (vxlan remote VTEPs, a device's unicast/multicast addresses);
 * `master` entries live in the bridge the device is a port of.
 */
export interface FdbEntry {
  readonly mac: Mac;
  readonly dev: string;
  /** `master BR`: the entry is in bridge BR's table. */
  readonly master?: string;
  /** `self`: the entry is in the device's own table. */
  readonly self: boolean;
  /** vxlan: remote VTEP underlay address. */
  readonly dst?: IPv4;
  readonly vlan?: number;
  /** permanent entries print `permanent`; learned ones print nothing. */
  readonly permanent: boolean;
}
