/**
 * What the kernels remember between packets: conntrack, IPVS connections,
 * nftables dynamic sets, xt_recent lists, device counters and kube-proxy
 * userspace's own memory. A walk session owns one; `--traffic` shares one
 * across all its flows, so a later packet finds what an earlier one left
 * (its connection, its sticky endpoint), `conntrack -L` / `ipvsadm -Lnc`
 * can list it and `ip -s link` counts it.
 */
import { Conntrack } from './netfilter/conntrack.js';
import { DeviceCounters } from './device-counters.js';
import { IpvsSessionState } from '../proxy/ipvs/connections.js';
import { NftDynamicSets } from './netfilter/nft-sets.js';
import { RecentLists } from './netfilter/recent.js';
import { UserspaceProxySession } from '../proxy/userspace/connections.js';
import type { ProxyMemory } from '../proxy/types.js';

export class KernelState implements ProxyMemory {
  readonly conntrack = new Conntrack();
  /** IPVS connection tables and persistence templates (`ipvsadm -Lnc`). */
  readonly ipvs = new IpvsSessionState();
  /** What nftables `update @set` statements added (kube-proxy's ClientIP affinity sets). */
  readonly nftSets = new NftDynamicSets();
  /** xt_recent lists (kube-proxy iptables mode's ClientIP affinity). */
  readonly recent = new RecentLists();
  /** kube-proxy userspace mode: its round-robin positions, affinities and connections to endpoints. */
  readonly userspaceProxy = new UserspaceProxySession();
  /** What the packets counted on the devices they crossed (`ip -s link`, `ifconfig`, `netlab show stats`). */
  readonly devices = new DeviceCounters();
}
