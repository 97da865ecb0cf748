/**
 * kube-proxy in nftables mode (Kubernetes v1.33, pkg/proxy/nftables)
 * starting on a node: the `ip kube-proxy` table as its first full sync
 * leaves it. It writes no iptables rules (the kubelet's KUBE-FIREWALL and
 * canary chains, and the CNI's, stay as they are) and sets no sysctl.
 *
 * Sets, maps and chains come in kube-proxy's creation order, which is the
 * order `nft list` prints them in; where kube-proxy walks a Go map (the
 * service ports) netlab walks them sorted by namespace/name, then port.
 * The state of service ports that cannot differ between nodes is built
 * once per cluster and shared (chain and element objects), as in iptables
 * mode: 10,000 services with 10 endpoints are some 110,000 chains a node.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { NftChain, NftElement, NftRuleset, NftSet, NftTable } from '../../kernel/nftables.js';
import { contains } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';
import type { Cluster, Node } from '../../model/types.js';
import { isNodeSpecific, servicePortMap } from '../iptables/service-ports.js';
import { LOOPBACK_NET } from '../../net/cidr.js';
import type { NodeView } from '../iptables/service-rules.js';
import { baseObjects, type BaseObjects } from './base.js';
import { kubeProxyNftablesConfig, nodePortsOnAllAddresses, type KubeProxyNftablesConfig } from './config.js';
import {
  CLUSTER_IPS,
  FIREWALL_IPS,
  KUBE_PROXY_TABLE,
  NO_ENDPOINT_NODEPORTS,
  NO_ENDPOINT_SERVICES,
  NODEPORT_IPS,
  SERVICE_IPS,
  SERVICE_NODEPORTS,
  TABLE_COMMENT,
} from './names.js';
import { servicePortNft, type ServicePortNft } from './service-port.js';
import { addr, element } from './statements.js';

interface ClusterShared {
  /** Fragments of node-independent service ports under the cluster's own configuration, by position in the port map. */
  readonly fragments: (ServicePortNft | undefined)[];
  readonly base: Map<string, BaseObjects>;
}

const sharedCache = new WeakMap<Cluster, ClusterShared>();

function clusterShared(cluster: Cluster): ClusterShared {
  let shared = sharedCache.get(cluster);
  if (shared === undefined) sharedCache.set(cluster, (shared = { fragments: [], base: new Map() }));
  return shared;
}

/**
 * The addresses kube-proxy puts in nodeport-ips (NodePortAddresses.GetNodeIPs):
 * the node's addresses inside --nodeport-addresses, loopback ones left out
 * (logged: no localhost node ports in nftables mode). `primary` is the node IP.
 */
export function nodePortIPs(config: KubeProxyNftablesConfig, node: NodeView, nodeAddresses: readonly IPv4[]): IPv4[] {
  const prefixes = config.nodePortAddresses === 'primary' ? [{ addr: node.ip, len: 32 }] : config.nodePortAddresses;
  const out: IPv4[] = [];
  for (const ip of nodeAddresses) {
    if (contains(LOOPBACK_NET, ip) || out.includes(ip)) continue;
    if (prefixes.some((p) => contains(p, ip))) out.push(ip);
  }
  return out;
}

/** The `ip kube-proxy` table kube-proxy leaves on `node`; `nodeAddresses` are the addresses on its interfaces. */
export function kubeProxyNftTable(
  cluster: Cluster,
  node: NodeView,
  nodeAddresses: readonly IPv4[],
  config: KubeProxyNftablesConfig = kubeProxyNftablesConfig(cluster),
): NftTable {
  const shared = clusterShared(cluster);
  const configKey = JSON.stringify(config);
  let base = shared.base.get(configKey);
  if (base === undefined) shared.base.set(configKey, (base = baseObjects(config)));
  const cacheable = configKey === JSON.stringify(kubeProxyNftablesConfig(cluster));

  const elements = new Map<string, NftElement[]>(
    [CLUSTER_IPS, NODEPORT_IPS, NO_ENDPOINT_SERVICES, NO_ENDPOINT_NODEPORTS, FIREWALL_IPS, SERVICE_IPS, SERVICE_NODEPORTS].map((name) => [
      name,
      [],
    ]),
  );
  if (!nodePortsOnAllAddresses(config))
    for (const ip of nodePortIPs(config, node, nodeAddresses)) elements.get(NODEPORT_IPS)!.push(element([addr(ip)]));
  const affinitySets: NftSet[] = [];
  const chains: NftChain[] = [...base.chains];

  servicePortMap(cluster).ports.forEach((info, i) => {
    const cache = cacheable && !isNodeSpecific(info);
    let fragment = cache ? shared.fragments[i] : undefined;
    if (fragment === undefined) {
      fragment = servicePortNft(info, node, config);
      if (cache) shared.fragments[i] = fragment;
    }
    push(elements.get(CLUSTER_IPS)!, fragment.clusterIPs);
    push(elements.get(SERVICE_IPS)!, fragment.serviceIPs);
    push(elements.get(NO_ENDPOINT_SERVICES)!, fragment.noEndpointServices);
    push(elements.get(NO_ENDPOINT_NODEPORTS)!, fragment.noEndpointNodePorts);
    push(elements.get(SERVICE_NODEPORTS)!, fragment.serviceNodePorts);
    push(elements.get(FIREWALL_IPS)!, fragment.firewallIPs);
    push(affinitySets, fragment.affinitySets);
    push(chains, fragment.chains);
  });

  const sets: NftSet[] = base.sets.map((spec) => ({
    kind: spec.kind,
    name: spec.name,
    keyType: spec.keyType,
    ...(spec.kind === 'map' ? { dataType: 'verdict' as const } : {}),
    comment: spec.comment,
    elements: elements.get(spec.name)!,
  }));
  push(sets, affinitySets);
  return { family: 'ip', name: KUBE_PROXY_TABLE, comment: TABLE_COMMENT, sets, chains };
}

/** `push(...big)` overflows the stack at 10,000 services. */
function push<T>(into: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) into.push(items[i]!);
}

/** Every IPv4 address on the node's interfaces, in interface order. */
function interfaceAddresses(ns: NetnsBuilder): IPv4[] {
  const out: IPv4[] = [];
  for (const link of ns.currentLinks()) for (const a of link.ipv4) out.push(a.ip);
  return out;
}

/**
 * kube-proxy starting on `node` in nftables mode. The table is built when
 * the node's nftables are first looked at (from the finished links: the
 * periodic sync sees the addresses the CNI adds later), so commands that
 * never look at it do not pay for 200,000 rules.
 */
export function programKubeProxyNftables(
  ns: NetnsBuilder,
  cluster: Cluster,
  node: Node,
  config: KubeProxyNftablesConfig = kubeProxyNftablesConfig(cluster),
): void {
  const view: NodeView = { name: node.name, ip: node.ip };
  ns.setNftables((b): NftRuleset => ({ tables: [kubeProxyNftTable(cluster, view, interfaceAddresses(b), config)] }));
}
