/**
 * kube-proxy in ipvs mode (Kubernetes v1.33, pkg/proxy/ipvs) starting on a
 * node: its sysctls, the kube-ipvs0 dummy device holding every service
 * address, the ipsets, the IPVS virtual servers, and the few iptables rules
 * that remain. kube-ipvs0 is created and never set up (EnsureDummyDevice):
 * DOWN, `<BROADCAST,NOARP>`; each address is added as /32 (netlink AddrAdd),
 * and the kernel still installs its `local` route in table local
 * (fib_add_ifaddr adds the host route before checking IFF_UP), which is what
 * makes the service addresses local and hands their packets to IPVS at
 * LOCAL_IN.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { LinkOrigin } from '../../kernel/link.js';
import type { IptRule } from '../../kernel/netfilter/rule.js';
import { fnv1a32 } from '../../net/hash.js';
import type { IPv4 } from '../../net/ipv4.js';
import { macFromBytes, type Mac } from '../../net/mac.js';
import type { Cluster, Node } from '../../model/types.js';
import { kubeProxyConfig } from '../iptables/config.js';
import { ensureRulePrepended } from '../iptables/kubelet.js';
import { comment, jump } from '../iptables/service-rules.js';
import { ipvsSync, ipvsVirtualServers } from './state.js';
import { IPVS_JUMPS, ipvsIptablesRules } from './rules.js';

export const KUBE_IPVS0 = 'kube-ipvs0';

/** kube-ipvs0, as EnsureDummyDevice asks netlink for it. */
export const KUBE_IPVS0_ORIGIN: LinkOrigin = {
  creator: 'kube-proxy (ipvs): pkg/proxy/ipvs/netlink_linux.go EnsureDummyDevice',
  attributes: [
    ['txqueuelen 0', 'the netlink.LinkAttrs literal (only Name) leaves TxQLen 0, which vishvananda/netlink sends as IFLA_TXQLEN 0'],
    ['mtu: not sent', "dummy_setup's ether_setup: 1500"],
    ['address: not sent', 'random (dummy_setup); netlab pins a stable one'],
    ['never up', 'nothing calls LinkSetUp: DOWN, qdisc noop, no IPv6 link-local'],
    ['the service addresses /32', 'EnsureAddressBind: AddrAdd, per service IP'],
  ],
};

/** The node's addresses kube-proxy puts node ports on: every local address but kube-ipvs0's and loopback's. */
export function nodePortAddresses(ns: NetnsBuilder): IPv4[] {
  const out: IPv4[] = [];
  for (const link of ns.currentLinks()) {
    if (link.name === KUBE_IPVS0 || link.info.kind === 'loopback') continue;
    for (const a of link.ipv4) if (!out.includes(a.ip)) out.push(a.ip);
  }
  return out;
}

export function programKubeProxyIpvs(ns: NetnsBuilder, cluster: Cluster, node: Node): void {
  const spec = cluster.topology.network.kubeProxy;
  const scheduler = spec.scheduler ?? 'rr';
  // NewProxier's sysctls (conn_reuse_mode is left alone on kernels >= 5.9).
  ns.setSysctl('net.ipv4.vs.conntrack', '1');
  ns.setSysctl('net.ipv4.vs.expire_nodest_conn', '1');
  ns.setSysctl('net.ipv4.vs.expire_quiescent_template', '1');
  ns.setSysctl('net.ipv4.ip_forward', '1');
  const view = { name: node.name, ip: node.ip };
  const sync = ipvsSync(cluster, view, nodePortAddresses(ns));
  ns.addLink({
    name: KUBE_IPVS0,
    info: { kind: 'dummy' },
    // No IFLA_MTU: ether_setup's 1500. No IFLA_ADDRESS: random, here a stable stand-in.
    mtu: 1500,
    mac: dummyMac(node.name),
    // EnsureDummyDevice's LinkAttrs literal leaves TxQLen 0: netlink sends IFLA_TXQLEN 0 (no qlen in `ip link`).
    txqueuelen: 0,
    // Never set up: no carrier, the noop qdisc, no link-local.
    up: false,
    carrier: false,
    operstate: 'DOWN',
    qdisc: 'noop',
    ipv6LinkLocal: false,
    // dummy_setup: IFF_NOARP, and IFF_MULTICAST cleared.
    flags: { broadcast: true, noarp: true, multicast: false },
    origin: KUBE_IPVS0_ORIGIN,
  });
  for (const ip of sync.bindAddrs) ns.addAddress(KUBE_IPVS0, ip, 32);
  for (const set of sync.entries.sets()) ns.addIpset(set);
  ns.setIpvs((b) => ({ services: ipvsVirtualServers(cluster, view, nodePortAddresses(b), scheduler) }));
  // kube-proxy's iptables settings: the ipvs rules read the masquerade ones (IpvsRulesConfig).
  const rules = ipvsIptablesRules(sync.entries, kubeProxyConfig(cluster));
  // Like iptables mode, kube-proxy's rules are written last (it prepends its jumps whoever came first).
  ns.deferNetfilter((b) => {
    for (const [table, chains] of [
      ['nat', rules.nat],
      ['filter', rules.filter],
    ] as const)
      for (const chain of chains.keys()) b.ensureChain(table, chain);
    for (const j of IPVS_JUMPS) {
      const rule: IptRule = { matches: [comment(j.comment)], target: jump(j.to) };
      ensureRulePrepended(b, j.table, j.from, rule);
    }
    for (const [name, list] of rules.nat) b.setSharedChain('nat', { name, rules: list });
    for (const [name, list] of rules.filter) b.setSharedChain('filter', { name, rules: list });
  });
}

/** A dummy device gets a random MAC (eth_hw_addr_random); netlab's is stable per node, locally administered. */
function dummyMac(nodeName: string): Mac {
  const h = fnv1a32(nodeName);
  return macFromBytes([(h & 0xfc) | 0x02, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24, 0x1b, 0x5a]);
}
