/**
 * One network namespace: everything the real tools can show about it.
 * A node's netns is built on demand (see src/dataplane/build.ts): its
 * cluster-wide parts (overlay routes, neighbour and FDB entries for every
 * other node) are shared objects, referenced rather than copied.
 */
import type { IpSet } from './ipset.js';
import type { Ipvs } from './ipvs.js';
import type { Link } from './link.js';
import type { FdbEntry, Neighbour } from './neigh.js';
import type { Netfilter } from './netfilter/rule.js';
import type { NftRuleset } from './nftables.js';
import type { PolicyRule, Route } from './route.js';

export type NetnsKind = 'node' | 'pod' | 'underlay' | 'external';

export interface NetNs {
  /** Stable id: `node/<name>`, `pod/<namespace>/<name>`, `underlay/<subnet>`. */
  readonly id: string;
  readonly kind: NetnsKind;
  /** What the user calls it: `node-02`, `default/pod-a`. */
  readonly displayName: string;
  /** Hostname inside the namespace (`hostname`, prompts). */
  readonly hostname: string;
  /** Links in ifindex order. */
  readonly links: readonly Link[];
  /** Routing tables by id (255 local, 254 main, ...), each in FIB order. */
  readonly routes: ReadonlyMap<number, readonly Route[]>;
  readonly rules: readonly PolicyRule[];
  readonly neighbours: readonly Neighbour[];
  /** Entries the CNI programmed (vxlan VTEPs); the bridge's own entries derive from links. */
  readonly fdb: readonly FdbEntry[];
  /** sysctl name (dotted, `net.ipv4.ip_forward`) to value, as `sysctl -n` prints it. */
  readonly sysctls: ReadonlyMap<string, string>;
  readonly netfilter: Netfilter;
  /** Files components write (`/run/flannel/subnet.env`, `/etc/resolv.conf`). */
  readonly files: ReadonlyMap<string, string>;
  /** ipsets by name (absent: none); cluster-wide sets are shared between nodes, not copied. */
  readonly ipsets?: ReadonlyMap<string, IpSet>;
  /** IPVS virtual servers (`ipvsadm -Ln`); absent when nothing programmed IPVS (kube-proxy ipvs mode does). */
  readonly ipvs?: Ipvs;
  /** nftables tables (`nft list ruleset`); absent when nothing wrote nftables (kube-proxy nftables mode does). */
  readonly nftables?: NftRuleset;
}

export function linkByName(ns: NetNs, name: string): Link | undefined {
  return ns.links.find((l) => l.name === name);
}

export function linkByIndex(ns: NetNs, ifindex: number): Link | undefined {
  return ns.links.find((l) => l.ifindex === ifindex);
}
