/**
 * Which CNI the cluster runs, and how, from what it leaves on the objects:
 * - flannel: its node annotations (backend-type; backend-data with the VNI
 *   and the VTEP MAC; public-ip), kube-flannel-cfg's net-conf.json
 *   (backend, VNI, port, DirectRouting), its DaemonSet and pods;
 * - calico: projectcalico.org/IPv4Address on the nodes, the IPIP or VXLAN
 *   tunnel address annotations (the mode), VXLANTunnelMACAddr, the IP
 *   pool's ipipMode/vxlanMode (CrossSubnet) and blockSize, the route
 *   reflector cluster ID and AS number annotations, calico-node;
 * - canal: both (flannel routes, calico enforces policy), or its
 *   DaemonSet/ConfigMap.
 * A CNI netlab does not model is said so, and the nearest one it does is
 * used: kindnet routes node to node like flannel host-gw.
 */
import * as K from '../kube/well-known.js';
import { parseMac } from '../net/mac.js';
import { formatIPv4, parseIPv4 } from '../net/ipv4.js';
import type { DocumentCalicoCni, DocumentFlannelCni } from '../topology/document.js';
import type { ImportContext } from './context.js';
import type { ImportedNode } from './nodes.js';

export type ImportedCni = DocumentFlannelCni | DocumentCalicoCni;

/** What the objects say about the CNI, per node and overall. */
export interface CniResult {
  readonly cni: ImportedCni;
  /** Per node: pinned VTEP MAC and tunnel address. */
  readonly vtepMAC: ReadonlyMap<string, string>;
  readonly tunnelAddress: ReadonlyMap<string, string>;
}

type Flavour = 'flannel' | 'calico' | 'canal' | 'kindnet' | 'other';

/** DaemonSets (by name prefix) of the CNIs people run. */
const DAEMONSETS: readonly [string, Flavour | string][] = [
  ['kube-flannel', 'flannel'],
  ['calico-node', 'calico'],
  ['canal', 'canal'],
  ['kindnet', 'kindnet'],
  ['cilium', 'Cilium'],
  ['weave-net', 'Weave Net'],
  ['kube-router', 'kube-router'],
  ['antrea-agent', 'Antrea'],
  ['kube-ovn', 'Kube-OVN'],
];

/** The CNI DaemonSets the input shows: as objects, or as the owners of their pods. */
function daemonSets(context: ImportContext): Set<string> {
  const names = new Set<string>();
  for (const w of context.objects.workloads) if (w.object.kind === 'DaemonSet' && w.object.metadata.name) names.add(w.object.metadata.name);
  for (const p of context.objects.pods) {
    for (const ref of p.object.metadata.ownerReferences ?? []) if (ref.kind === 'DaemonSet') names.add(ref.name);
  }
  const found = new Set<string>();
  for (const name of names) for (const [prefix, what] of DAEMONSETS) if (name.startsWith(prefix)) found.add(what);
  return found;
}

export function importCni(context: ImportContext, nodes: readonly ImportedNode[]): CniResult {
  const { options, config } = context;
  const has = (key: string) => nodes.filter((n) => n.annotations[key] !== undefined);
  const flannelNodes = has(K.FLANNEL_BACKEND_TYPE);
  const calicoNodes = has(K.CALICO_IPV4_ADDRESS);
  const ipipNodes = has(K.CALICO_IPIP_TUNNEL_ADDR);
  const vxlanNodes = has(K.CALICO_VXLAN_TUNNEL_ADDR);
  const daemons = daemonSets(context);

  let flavour: Flavour;
  let evidence: string;
  if (options.cni !== undefined) {
    flavour = options.cni === 'canal' ? 'canal' : options.cni.startsWith('calico') ? 'calico' : 'flannel';
    evidence = '--cni';
  } else if (daemons.has('canal') || config.flannel?.canal === true || (flannelNodes.length > 0 && calicoNodes.length > 0)) {
    flavour = 'canal';
    evidence = daemons.has('canal')
      ? 'the canal DaemonSet'
      : config.flannel?.canal
        ? 'kube-system/canal-config'
        : "flannel's and calico's node annotations";
  } else if (flannelNodes.length > 0 || daemons.has('flannel') || config.flannel !== undefined) {
    flavour = 'flannel';
    evidence =
      flannelNodes.length > 0
        ? `flannel's node annotations (${K.FLANNEL_BACKEND_TYPE})`
        : daemons.has('flannel')
          ? 'the kube-flannel DaemonSet'
          : config.flannel!.from;
  } else if (
    calicoNodes.length > 0 ||
    ipipNodes.length > 0 ||
    vxlanNodes.length > 0 ||
    daemons.has('calico') ||
    config.ipPools.length > 0
  ) {
    flavour = 'calico';
    evidence =
      calicoNodes.length > 0
        ? `calico's node annotations (${K.CALICO_IPV4_ADDRESS})`
        : daemons.has('calico')
          ? 'the calico-node DaemonSet'
          : 'calico IP pools';
  } else if (daemons.has('kindnet')) {
    flavour = 'kindnet';
    evidence = 'the kindnet DaemonSet';
  } else {
    flavour = 'other';
    evidence = [...daemons].join(', ');
  }

  const vtepMAC = new Map<string, string>();
  const tunnelAddress = new Map<string, string>();
  if (flavour === 'flannel' || flavour === 'canal' || flavour === 'kindnet' || flavour === 'other') {
    const cni = flannelCni(context, flavour, evidence, flannelNodes, vtepMAC);
    return { cni, vtepMAC, tunnelAddress };
  }
  return { cni: calicoCni(context, evidence, nodes, vtepMAC, tunnelAddress), vtepMAC, tunnelAddress };
}

function flannelCni(
  context: ImportContext,
  flavour: Flavour,
  evidence: string,
  annotated: readonly ImportedNode[],
  vtepMAC: Map<string, string>,
): DocumentFlannelCni {
  const { notes, options, config } = context;
  const net = config.flannel?.netConf.Backend;
  const types = new Set(annotated.map((n) => n.annotations[K.FLANNEL_BACKEND_TYPE]!));
  let backend: 'vxlan' | 'host-gw' | 'udp';
  if (options.cni !== undefined && options.cni !== 'canal') {
    backend = options.cni.slice('flannel/'.length) as typeof backend;
  } else if (flavour === 'kindnet') {
    backend = 'host-gw';
    notes.assumed(
      "CNI kindnet (kind's, seen in " +
        evidence +
        ") is not modelled: flannel host-gw stands in, routing each node's pod range via the node's address as kindnet does, with pods on a cni0 bridge rather than kindnet's point-to-point veths (--cni to choose another)",
    );
  } else if (flavour === 'other') {
    backend = 'vxlan';
    notes.assumed(
      evidence !== ''
        ? `CNI ${evidence} is not modelled: flannel vxlan stands in (--cni to choose another)`
        : 'CNI flannel vxlan: nothing in the input shows which CNI runs (--cni)',
    );
  } else {
    const fromAnnotations = types.size === 1 ? [...types][0] : undefined;
    const written = (fromAnnotations ?? net?.Type ?? 'vxlan').toLowerCase();
    backend = written === 'host-gw' || written === 'udp' ? written : 'vxlan';
    if (written !== backend) notes.notExpressible('flannel backends netlab does not model (vxlan stands in)', written);
    if (types.size > 1) notes.notExpressible('nodes on different flannel backends (the majority is used)', [...types].join(', '));
  }
  const cni: { -readonly [K in keyof DocumentFlannelCni]: DocumentFlannelCni[K] } = { plugin: 'flannel', backend };
  if (backend === 'vxlan') {
    const vnis = new Set<number>();
    for (const node of annotated) {
      const data = backendData(node.annotations[K.FLANNEL_BACKEND_DATA]);
      if (data?.VNI !== undefined) vnis.add(data.VNI);
      const mac = data?.VtepMAC !== undefined ? parseMac(data.VtepMAC) : undefined;
      if (mac !== undefined) vtepMAC.set(node.name, mac);
    }
    const vni = vnis.size === 1 ? [...vnis][0]! : net?.VNI;
    if (vni !== undefined && vni !== 1) cni.vni = vni;
    if (net?.Port !== undefined && net.Port !== 8472) cni.port = net.Port;
    if (net?.DirectRouting === true) cni.directRouting = true;
    if (vnis.size > 1) notes.notExpressible('nodes with different flannel VNIs', [...vnis].join(', '));
  }
  if (backend === 'udp' && net?.Port !== undefined && net.Port !== 8285) cni.port = net.Port;
  if (flavour === 'canal') cni.networkPolicy = 'calico';
  if (config.flannel?.netConf.EnableNFTables === true)
    notes.notExpressible("flannel in nftables mode (EnableNFTables in net-conf.json; netlab programs flannel's iptables rules)");
  for (const node of annotated) {
    const publicIp = node.annotations[K.FLANNEL_PUBLIC_IP];
    if (publicIp !== undefined && parseIPv4(publicIp) !== node.ip)
      notes.notExpressible("flannel public-ip other than the node's address (flanneld on another interface)", `${node.name} ${publicIp}`);
  }
  if (flavour === 'flannel' || flavour === 'canal') {
    const what = flavour === 'canal' ? `canal: flannel ${backend} with calico enforcing network policy` : `flannel ${backend}`;
    if (options.cni === undefined) notes.inferred(`CNI ${what} from ${evidence}`);
  }
  if (backend === 'vxlan' && annotated.length > 0 && vtepMAC.size > 0)
    notes.inferred(`flannel.1 MACs from the nodes' backend-data (VtepMAC)`);
  return cni;
}

function backendData(text: string | undefined): { VNI?: number; VtepMAC?: string } | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as { VNI?: number; VtepMAC?: string }) : undefined;
  } catch {
    return undefined;
  }
}

function calicoCni(
  context: ImportContext,
  evidence: string,
  nodes: readonly ImportedNode[],
  vtepMAC: Map<string, string>,
  tunnelAddress: Map<string, string>,
): DocumentCalicoCni {
  const { notes, options, config } = context;
  const pool = config.ipPools[0];
  const ipip = nodes.some((n) => n.annotations[K.CALICO_IPIP_TUNNEL_ADDR] !== undefined);
  const vxlan = nodes.some((n) => n.annotations[K.CALICO_VXLAN_TUNNEL_ADDR] !== undefined);
  let mode: 'bgp' | 'ipip' | 'vxlan';
  let crossSubnet = false;
  if (options.cni !== undefined) {
    mode = options.cni.slice('calico/'.length) as typeof mode;
  } else if (pool !== undefined && (pool.spec.ipipMode ?? 'Never') !== 'Never') {
    mode = 'ipip';
    crossSubnet = pool.spec.ipipMode === 'CrossSubnet';
  } else if (pool !== undefined && (pool.spec.vxlanMode ?? 'Never') !== 'Never') {
    mode = 'vxlan';
    crossSubnet = pool.spec.vxlanMode === 'CrossSubnet';
  } else if (pool !== undefined) {
    mode = 'bgp';
  } else {
    mode = vxlan ? 'vxlan' : ipip ? 'ipip' : 'bgp';
    if (mode !== 'bgp')
      notes.assumed(
        `calico ${mode} encapsulates Always, not CrossSubnet: the IP pool (kubectl get ippools.crd.projectcalico.org -o yaml) says which`,
      );
  }
  if (ipip && vxlan) notes.notExpressible('calico nodes with both IPIP and VXLAN tunnel addresses (one mode per cluster)');
  const cni: { -readonly [K in keyof DocumentCalicoCni]: DocumentCalicoCni[K] } = { plugin: 'calico', mode };
  if (crossSubnet) cni.crossSubnet = true;
  if (pool?.spec.blockSize !== undefined && pool.spec.blockSize !== 26) cni.blockSize = pool.spec.blockSize;
  const reflectors = nodes.filter((n) => n.annotations[K.CALICO_ROUTE_REFLECTOR_CLUSTER_ID] !== undefined).map((n) => n.name);
  if (reflectors.length > 0) cni.routeReflectors = reflectors;
  const asNumbers = new Set(nodes.map((n) => n.annotations[K.CALICO_AS_NUMBER]).filter((a): a is string => a !== undefined));
  if (asNumbers.size === 1) cni.asNumber = Number([...asNumbers][0]);
  if (asNumbers.size > 1) notes.notExpressible('calico nodes in different AS numbers', [...asNumbers].join(', '));
  const tunnelKey = mode === 'ipip' ? K.CALICO_IPIP_TUNNEL_ADDR : mode === 'vxlan' ? K.CALICO_VXLAN_TUNNEL_ADDR : undefined;
  for (const node of nodes) {
    const tunnel = tunnelKey !== undefined ? parseIPv4(node.annotations[tunnelKey] ?? '') : undefined;
    if (tunnel !== undefined) tunnelAddress.set(node.name, formatIPv4(tunnel));
    const mac = mode === 'vxlan' ? parseMac(node.annotations[K.CALICO_VXLAN_TUNNEL_MAC] ?? '') : undefined;
    if (mac !== undefined) vtepMAC.set(node.name, mac);
  }
  if (options.cni === undefined) {
    const how =
      pool !== undefined
        ? ` (IP pool ${pool.metadata.name}: ipipMode ${pool.spec.ipipMode ?? 'Never'}, vxlanMode ${pool.spec.vxlanMode ?? 'Never'})`
        : mode !== 'bgp'
          ? ` (the nodes' ${mode.toUpperCase()} tunnel addresses)`
          : ' (no tunnel addresses on the nodes)';
    notes.inferred(`CNI calico ${mode}${crossSubnet ? ' CrossSubnet' : ''} from ${evidence}${how}`);
  }
  if (reflectors.length > 0)
    notes.inferred(`calico route reflectors: ${reflectors.join(', ')} (projectcalico.org/RouteReflectorClusterID)`);
  return cni;
}
