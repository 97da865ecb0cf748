/**
 * `netlab export --format netns`: the model, built for real. Cluster and
 * dataplane in, a bash script out that creates on one Linux host, in network
 * namespaces, exactly the state netlab modelled (every link, address, MAC,
 * route, neighbour, FDB entry, sysctl and iptables rule), so that the real
 * tools print, and the real kernel does, what netlab says. Everything comes
 * from the model's NetNs objects (src/export/steps.ts walks them
 * generically); the only additions are the underlay plumbing the model
 * leaves abstract (src/export/underlay.ts), the process that holds a TUN
 * device (src/export/tun-holder.ts) and the lab's quieting sysctls.
 */
import type { Dataplane } from '../dataplane/build.js';
import { buildUnderlay } from '../dataplane/underlay.js';
import type { NetNs } from '../kernel/netns.js';
import type { Node, Pod, Subnet } from '../model/types.js';
import { formatIPv4 } from '../net/ipv4.js';
import { formatCidr } from '../net/cidr.js';
import { INTERFACE_NAME_RULE, interfaceNameProblem, printableName } from '../net/ifname.js';
import { defaultPrefix, labNames, labNetnsNames, prefixProblem, type LabNames } from './names.js';
import { buildScript, teardownScript, type ScriptSpec } from './script.js';
import { iptablesPayload, netnsSteps, nfacctNames, nftablesPayload, type Step, type StepContext, type TunHolder } from './steps.js';
import { underlayPortMac, underlaySteps } from './underlay.js';
import { shellLine, shellWord, UnquotableError } from './shell.js';

export interface NetnsExportOptions {
  /** Namespace name prefix (default: `nl-<metadata.name>-`). */
  readonly prefix?: string;
  /** Where the topology came from, for the script's header. */
  readonly source?: string;
  /** The what-if options the model was built with (`--set`, `--fail`, ... and their values), for the header. */
  readonly whatIf?: readonly string[];
  /** Where the script records what it built (default /run/netlab); tests running it with stub tools move it. */
  readonly stateRoot?: string;
}

export interface NetnsExport {
  readonly prefix: string;
  readonly names: LabNames;
  /** Every namespace the script creates, in creation order. */
  readonly netns: readonly string[];
  /** The real namespace name of a model namespace (NetNs id), e.g. `node/node-02`. */
  readonly netnsById: ReadonlyMap<string, string>;
  /** Kernel device kinds the build creates (veth, bridge, vxlan, tun, ipip, dummy). */
  readonly linkKinds: readonly string[];
  /** Commands the build runs. */
  readonly tools: readonly string[];
  readonly build: readonly string[];
  readonly teardown: readonly string[];
}

export type NetnsExportResult =
  | { readonly export: NetnsExport; readonly error?: undefined }
  | { readonly export?: undefined; readonly error: string; readonly hint?: string };

export function exportNetns(dataplane: Dataplane, options: NetnsExportOptions = {}): NetnsExportResult {
  try {
    return exportOrRefuse(dataplane, options);
  } catch (error) {
    if (error instanceof UnquotableError) return { error: `the export cannot write the lab as a script: ${error.message}` };
    throw error;
  }
}

function exportOrRefuse(dataplane: Dataplane, options: NetnsExportOptions): NetnsExportResult {
  const cluster = dataplane.cluster;
  const prefix = options.prefix ?? defaultPrefix(cluster.topology.metadata.name);
  const problem = prefixProblem(prefix);
  if (problem) return { error: problem, hint: 'e.g. --prefix lab1-' };
  const names = labNames(cluster, prefix);
  const underlay = buildUnderlay(cluster);
  const routerPorts = underlay.routerPorts;
  const segments: Subnet[] = [...cluster.subnets];
  for (const port of routerPorts) if (!segments.some((s) => s.name === port.subnet.name)) segments.push(port.subnet);
  const external = dataplane.externalNetns();
  const netns = labNetnsNames(cluster, names, segments, routerPorts.length > 0, true);
  if (netns.clash !== undefined) {
    return {
      error: `two parts of the lab would get the same namespace name ${netns.clash}`,
      hint: 'a node named like the router (router) or an underlay segment (ul-<subnet>)? rename it',
    };
  }

  const tooLong = netns.all.find((n) => Buffer.byteLength(n, 'utf8') > NETNS_NAME_MAX);
  if (tooLong !== undefined) {
    return {
      error: `the namespace name ${tooLong} is longer than ${NETNS_NAME_MAX} bytes, the longest file name /run/netns can hold`,
      hint: 'a shorter --prefix, or shorter node names',
    };
  }

  const netnsById = new Map<string, string>([[external.id, names.external]]);
  const nodeById = new Map<string, Node>();
  const podById = new Map<string, Pod>();
  for (const node of cluster.nodes) {
    netnsById.set(`node/${node.name}`, names.node(node));
    nodeById.set(`node/${node.name}`, node);
    for (const pod of node.pods) {
      if (pod.hostNetwork) continue;
      netnsById.set(`pod/${pod.key}`, names.pod(pod));
      podById.set(`pod/${pod.key}`, pod);
    }
  }
  const ctx: StepContext = {
    created: new Set(),
    explained: new Map(),
    netnsName: (id) => netnsById.get(id),
    modelNetns: (id) => {
      if (id === external.id) return external;
      const node = nodeById.get(id);
      if (node) return dataplane.nodeNetns(node);
      const pod = podById.get(id);
      return pod && dataplane.podNetns(pod);
    },
    nicPlug: (ns, link) => {
      // The underlay model knows which segment a host's eth0 is on (a node's subnet, the external segment).
      const segment = underlay.segmentOf(ns.id);
      if (!segment || link.name !== 'eth0') throw new Error(`bug: ${ns.id}/${link.name}: a NIC the underlay does not plug in`);
      const host = nodeById.get(ns.id)?.name ?? ns.displayName;
      return {
        segmentNetns: names.underlay(segment),
        bridge: names.underlayBridge,
        port: names.underlayPort(segment, host),
        portMac: underlayPortMac(segment, host),
      };
    },
    tunHolder: (ns, link) => tunHolder(dataplane, nodeById.get(ns.id), link.name, link.mtu),
  };

  const steps: Step[] = underlaySteps(segments, routerPorts, names);
  steps.push(...netnsSteps(external, ctx));
  const built: NetNs[] = [external];
  for (const node of cluster.nodes) {
    const ns = dataplane.nodeNetns(node);
    built.push(ns);
    steps.push(...netnsSteps(ns, ctx));
  }
  for (const id of podById.keys()) {
    if (!ctx.created.has(id)) throw new Error(`bug: pod namespace ${id} is not linked to its node: not exported`);
    built.push(ctx.modelNetns(id)!);
  }

  const badDevice = unfitDeviceName(built);
  if (badDevice !== undefined) return { error: badDevice, hint: INTERFACE_NAME_RULE };

  const spec: ScriptSpec = {
    title: title(dataplane, options, prefix),
    prefix,
    netns: netns.all,
    linkKinds: linkKinds(built),
    tools: tools(built),
    steps,
    ...(options.stateRoot !== undefined ? { stateRoot: options.stateRoot } : {}),
  };
  return {
    export: {
      prefix,
      names,
      netns: netns.all,
      netnsById,
      linkKinds: spec.linkKinds,
      tools: spec.tools,
      build: buildScript(spec),
      teardown: teardownScript(spec),
    },
  };
}

/** flannel's udp backend: flanneld's relay on flannel0; any other TUN: only held open. */
function tunHolder(dataplane: Dataplane, node: Node | undefined, dev: string, mtu: number): TunHolder {
  const cni = dataplane.cluster.topology.network.cni;
  if (node && cni.plugin === 'flannel' && cni.backend === 'udp' && dev === 'flannel0') {
    const routes = dataplane.cluster.nodes.filter((n) => n !== node).map((n) => `${formatCidr(n.podCIDR)}=${formatIPv4(n.ip)}`);
    return { port: cni.port, tunIp: formatIPv4(node.podCIDR.addr), bufferLength: mtu, routes };
  }
  return { port: 0, tunIp: '0.0.0.0', bufferLength: mtu, routes: [] };
}

/** The kernel device kinds the build needs (the underlay needs veth and bridge). */
function linkKinds(built: readonly NetNs[]): string[] {
  const kinds = new Set(['veth', 'bridge']);
  for (const ns of built) {
    for (const link of ns.links) {
      if (link.info.kind === 'loopback') continue;
      kinds.add(link.info.kind === 'ether' ? 'veth' : link.info.kind);
    }
  }
  return [...kinds];
}

/** NAME_MAX: a namespace name is a file name in /run/netns. */
const NETNS_NAME_MAX = 255;

/**
 * The first device name the kernel would refuse, said as an error; the
 * topology's checks refuse such names already, so this guards the names
 * netlab makes itself (and any made in future).
 */
function unfitDeviceName(built: readonly NetNs[]): string | undefined {
  for (const ns of built) {
    for (const link of ns.links) {
      const problem = interfaceNameProblem(link.name);
      if (problem !== undefined) return `${ns.displayName}: the device name ${printableName(link.name)} cannot be created: ${problem}`;
    }
  }
  return undefined;
}

/** What the script itself runs besides the build's own tools: the state file's identities and the kernel probe. */
const SCRIPT_TOOLS = ['stat', 'mktemp', 'unshare'];

function tools(built: readonly NetNs[]): string[] {
  const list = ['ip', ...SCRIPT_TOOLS];
  if (built.some((ns) => ns.netfilter.tables.length > 0)) list.push('iptables-restore');
  if (built.some((ns) => nfacctNames(iptablesPayload(ns)).length > 0)) list.push('nfacct');
  if (built.some((ns) => (ns.ipsets?.size ?? 0) > 0)) list.push('ipset');
  if (built.some((ns) => nftablesPayload(ns).length > 0)) list.push('nft');
  if (built.some((ns) => ns.fdb.some((e) => e.master === undefined || e.permanent))) list.push('bridge');
  if (built.some((ns) => ns.links.some((l) => l.info.kind === 'tun'))) list.push('perl', 'setsid');
  return list;
}

function title(dataplane: Dataplane, options: NetnsExportOptions, prefix: string): string[] {
  const cluster = dataplane.cluster;
  const cni = cluster.topology.network.cni;
  const plugin = cni.plugin === 'flannel' ? `flannel ${cni.backend}${cni.directRouting ? ' + DirectRouting' : ''}` : `calico ${cni.mode}`;
  const pods = cluster.pods.filter((p) => !p.hostNetwork).length;
  const from = options.source !== undefined ? ` from ${shellWord(options.source)}` : '';
  const whatIf = options.whatIf !== undefined && options.whatIf.length > 0 ? ` with ${shellLine(options.whatIf)}` : '';
  const lines = [
    `Built by \`netlab export --format netns\`${from}${whatIf}: lab ${shellWord(cluster.topology.metadata.name)},`,
    `${plugin}, ${cluster.nodes.length} node(s), ${pods} pod(s), ${cluster.subnets.length} subnet(s); namespaces ${shellWord(prefix)}*.`,
  ];
  for (const w of dataplane.warnings) lines.push(`netlab warns (${w.code}): ${w.message}`);
  return lines;
}
