/**
 * A network namespace of netlab's model turned into the commands that build
 * it for real, generically: whatever links, addresses, routes, neighbours,
 * FDB entries, sysctls and iptables rules the CNI (or anything else) put in
 * the NetNs, in an order that gives the kernel the same ifindexes and the
 * same state. What the kernel adds by itself (lo's 127.0.0.1/8, the
 * local/broadcast/connected routes of an address, IPv6 link-locals, the
 * multicast lists, a bridge's learned entries) is left to the kernel.
 *
 * Order, as test/golden/capture.sh established on a real kernel:
 *  - links in ifindex order; a veth whose other end lives in another
 *    namespace of the model (a pod) is created from this side, right after
 *    that namespace, which is then configured completely (its end up
 *    *before* its address, as the bridge plugin does: with arp_notify=1 an
 *    address present at NETDEV_UP would send a gratuitous ARP);
 *  - a device's own sysctls right after it exists, before it goes up;
 *  - a bridge goes up empty and gets its addresses once its first port is up
 *    (the bridge plugin's order); other devices get theirs before going up;
 *  - routes, policy rules, neighbours and FDB entries once every link exists;
 *  - iptables last, through iptables-restore --noflush of netlab's own
 *    iptables-save rendering; then nftables (kube-proxy's nftables mode),
 *    through `nft -f` of the transaction kube-proxy would send.
 */
import { BRIDGE_DEFAULTS, kernelQueues, KERNEL_TXQUEUELEN } from '../kernel/devices.js';
import type { Link, LinkOrigin } from '../kernel/link.js';
import type { FdbEntry, Neighbour } from '../kernel/neigh.js';
import type { NetNs } from '../kernel/netns.js';
import { DEFAULT_POLICY_RULES, RT_TABLE, RTPROT, type PolicyRule, type Route } from '../kernel/route.js';
import { broadcastOf, cidr, formatCidr, type Cidr } from '../net/cidr.js';
import { formatIPv4, type IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import { renderIptablesSave } from '../render/iptables-save.js';
import { knftablesTransaction } from '../render/knftables.js';
import { hereDocument, shellComment, shellLine } from './shell.js';

/** One named step of the script: what it does (for the error message) and its commands. */
export interface Step {
  readonly what: string;
  readonly commands: readonly string[];
}

/** Where a node NIC (an `ether` link: netlab's physical eth0) plugs in: a port of a segment's bridge. */
export interface NicPlug {
  readonly segmentNetns: string;
  readonly bridge: string;
  readonly port: string;
  readonly portMac: Mac;
}

/** A TUN device's holder: the perl program's arguments after DEV and FLAGS (see tun-holder.ts). */
export interface TunHolder {
  readonly port: number;
  readonly tunIp: string;
  readonly bufferLength: number;
  readonly routes: readonly string[];
}

export interface StepContext {
  /** The real namespace name of a model namespace (by NetNs id); undefined when the model has no such namespace. */
  netnsName(id: string): string | undefined;
  /** A model namespace by id (to configure a veth's far end). */
  modelNetns(id: string): NetNs | undefined;
  /** The segment port a NIC plugs into. */
  nicPlug(ns: NetNs, link: Link): NicPlug;
  /** The process that holds (and for flannel udp, serves) a TUN device. */
  tunHolder(ns: NetNs, link: Link): TunHolder;
  /** Namespaces already created (pods are created when their node's veth is). */
  readonly created: Set<string>;
  /** Device origins already told in full in the script, with the device they were told for. */
  readonly explained: Map<LinkOrigin, string>;
}

/** Sysctls every lab namespace gets before anything else: quiet and deterministic (see docs/export.md). */
export const QUIET_SYSCTLS: readonly (readonly [string, string])[] = [
  // No DAD (no `tentative` addresses, no NS traffic), no router solicitations (they repeat for ever).
  ['net/ipv6/conf/all/accept_dad', '0'],
  ['net/ipv6/conf/default/accept_dad', '0'],
  ['net/ipv6/conf/all/router_solicitations', '0'],
  ['net/ipv6/conf/default/router_solicitations', '0'],
  // traceroute sends probes in bursts: ICMP errors must not be rate limited.
  ['net/ipv4/icmp_ratelimit', '0'],
  // ...nor by the namespace's global ICMP budget (icmp_msgs_per_sec): no type is rate limited.
  ['net/ipv4/icmp_ratemask', '0'],
];

/** A model sysctl name (dotted, device names may contain dots) as a /proc/sys path, and its device if per-device. */
export function sysctlPath(name: string): { readonly path: string; readonly device?: string } {
  const m = /^net\.(ipv4|ipv6)\.(conf|neigh)\.(.+)\.([^.]+)$/.exec(name);
  if (m) {
    const [, family, kind, device, key] = m as unknown as [string, string, string, string, string];
    const path = `net/${family}/${kind}/${device}/${key}`;
    return device === 'all' || device === 'default' ? { path } : { path, device };
  }
  return { path: name.replace(/\./g, '/') };
}

function sysctlCommand(netns: string, entries: readonly (readonly [string, string])[]): string {
  return shellLine(['nsysctl', netns, ...entries.flat()]);
}

/**
 * `address MAC mtu N [txqueuelen N] [numtxqueues N numrxqueues N]`: what
 * `ip link add` is told about one device. A queue length or queue count is
 * sent only when it is not what the kernel gives a device of that kind by
 * itself, that is when the device's creator sent it (its LinkOrigin says
 * why): `txqueuelen 0` is then the very IFLA_TXQLEN 0 that flanneld,
 * dockerd or kube-proxy send (test/golden/probes/netlink-attributes.txt
 * compares the two ways), and a veth whose creator left its queues to the
 * kernel keeps one per possible CPU of this host, one of them real
 * (veth_init_queues).
 */
function linkAttributes(link: Link): (string | number)[] {
  const words: (string | number)[] = [];
  if (link.mac !== undefined) words.push('address', link.mac);
  words.push('mtu', link.mtu);
  if (link.txqueuelen !== KERNEL_TXQUEUELEN[link.info.kind]) words.push('txqueuelen', link.txqueuelen);
  const queues = kernelQueues(link.info.kind);
  if (link.numTxQueues !== queues || link.numRxQueues !== queues)
    words.push('numtxqueues', link.numTxQueues, 'numrxqueues', link.numRxQueues);
  return words;
}

/**
 * Comment lines saying who makes a device on a real node and where each
 * attribute of its creation comes from (the LinkOrigin the model holds),
 * so a reader can tell the creator's choices from the kernel's defaults.
 * Told in full once; later devices of the same origin point back to it.
 */
export function originComments(link: Link, ctx: Pick<StepContext, 'explained'>): string[] {
  const origin = link.origin;
  if (origin === undefined) return [];
  const first = ctx.explained.get(origin);
  if (first !== undefined) {
    const which = first === link.name ? `the first ${first}` : first;
    return [shellComment(`${link.name}: made the same way as ${which} above`)];
  }
  ctx.explained.set(origin, link.name);
  return [
    shellComment(`${link.name}: made by ${origin.creator}`),
    ...origin.attributes.map(([attribute, source]) => shellComment(`  ${attribute}: ${source}`)),
  ];
}

function bridgeOptions(link: Link): (string | number)[] {
  if (link.info.kind !== 'bridge') return [];
  const info = link.info;
  const words: (string | number)[] = [];
  if (info.forwardDelay !== BRIDGE_DEFAULTS.forwardDelay) words.push('forward_delay', info.forwardDelay);
  if (info.helloTime !== BRIDGE_DEFAULTS.helloTime) words.push('hello_time', info.helloTime);
  if (info.maxAge !== BRIDGE_DEFAULTS.maxAge) words.push('max_age', info.maxAge);
  if (info.ageingTime !== BRIDGE_DEFAULTS.ageingTime) words.push('ageing_time', info.ageingTime);
  if (info.stpState !== BRIDGE_DEFAULTS.stpState) words.push('stp_state', info.stpState);
  if (info.priority !== BRIDGE_DEFAULTS.priority) words.push('priority', info.priority);
  if (info.vlanFiltering !== BRIDGE_DEFAULTS.vlanFiltering) words.push('vlan_filtering', 1);
  return words;
}

function addressCommands(netns: string, link: Link): string[] {
  const out: string[] = [];
  for (const a of link.ipv4) {
    // lo gets 127.0.0.1/8 from the kernel when it goes up.
    if (link.info.kind === 'loopback' && a.ip === 0x7f000001 && a.len === 8) continue;
    const words: (string | number)[] = ['ip', '-n', netns, 'addr', 'add'];
    words.push(a.peer !== undefined ? formatIPv4(a.ip) : `${formatIPv4(a.ip)}/${a.len}`);
    if (a.peer !== undefined) words.push('peer', `${formatIPv4(a.peer)}/${a.len}`);
    if (a.broadcast !== undefined) words.push('brd', a.broadcast === broadcastOf(cidr(a.ip, a.len)) ? '+' : formatIPv4(a.broadcast));
    if (a.scope !== 'global') words.push('scope', a.scope);
    words.push('dev', link.name);
    out.push(shellLine(words));
  }
  return out;
}

function deviceSysctls(ns: NetNs, device: string): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of ns.sysctls) {
    const p = sysctlPath(name);
    if (p.device === device) out.push([p.path, value]);
  }
  return out;
}

function globalSysctls(ns: NetNs): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of ns.sysctls) {
    const p = sysctlPath(name);
    if (p.device === undefined) out.push([p.path, value]);
  }
  return out;
}

const SCOPE_WORD = { universe: 'global', link: 'link', host: 'host' } as const;

export function routeCommand(netns: string, route: Route): string {
  const words: (string | number)[] = ['ip', '-n', netns, 'route', 'add'];
  if (route.type !== 'unicast') words.push(route.type);
  words.push(route.dst.len === 0 && route.dst.addr === 0 ? 'default' : formatCidr(route.dst));
  if (route.gateway !== undefined) words.push('via', formatIPv4(route.gateway));
  if (route.dev !== undefined) words.push('dev', route.dev);
  words.push('proto', route.protocol === RTPROT.boot ? 'boot' : route.protocol);
  words.push('scope', SCOPE_WORD[route.scope]);
  if (route.prefsrc !== undefined) words.push('src', formatIPv4(route.prefsrc));
  if (route.metric !== undefined) words.push('metric', route.metric);
  if (route.onlink) words.push('onlink');
  if (route.mtu !== undefined) words.push('mtu', route.mtu);
  if (route.table !== RT_TABLE.main) words.push('table', route.table === RT_TABLE.local ? 'local' : route.table);
  return shellLine(words);
}

function isDefaultRule(rule: PolicyRule): boolean {
  return DEFAULT_POLICY_RULES.some(
    (d) => d.priority === rule.priority && d.table === rule.table && rule.from === undefined && rule.fwmark === undefined,
  );
}

function ruleCommand(netns: string, rule: PolicyRule): string {
  const words: (string | number)[] = ['ip', '-n', netns, 'rule', 'add', 'priority', rule.priority];
  if (rule.from !== undefined) words.push('from', formatCidr(rule.from));
  if (rule.fwmark !== undefined) words.push('fwmark', `0x${rule.fwmark.value.toString(16)}/0x${rule.fwmark.mask.toString(16)}`);
  words.push('table', rule.table === RT_TABLE.main ? 'main' : rule.table === RT_TABLE.local ? 'local' : rule.table);
  return shellLine(words);
}

const NUD_WORD: Partial<Record<Neighbour['state'], string>> = {
  PERMANENT: 'permanent',
  NOARP: 'noarp',
  REACHABLE: 'reachable',
  STALE: 'stale',
};

function neighbourCommand(netns: string, n: Neighbour): string {
  const nud = NUD_WORD[n.state];
  if (nud === undefined || n.lladdr === undefined)
    return `# ${formatIPv4(n.ip)} dev ${n.dev} ${n.state}: a state only traffic creates, not programmed`;
  const words: (string | number)[] = [
    'ip',
    '-n',
    netns,
    'neigh',
    'replace',
    formatIPv4(n.ip),
    'lladdr',
    n.lladdr,
    'dev',
    n.dev,
    'nud',
    nud,
  ];
  if (n.router) words.push('router');
  return shellLine(words);
}

function fdbCommand(netns: string, e: FdbEntry): string {
  // A bridge learns these from traffic (the pods' first IPv6 multicast reports); programming them would make them static.
  if (e.master !== undefined && !e.permanent) return `# ${e.mac} dev ${e.dev} master ${e.master}: learned by the bridge from traffic`;
  const words: (string | number)[] = ['bridge', '-n', netns, 'fdb', 'append', e.mac, 'dev', e.dev];
  if (e.dst !== undefined) words.push('dst', formatIPv4(e.dst));
  if (e.vlan !== undefined) words.push('vlan', e.vlan);
  if (e.master !== undefined) words.push('master');
  if (e.self) words.push('self');
  if (e.permanent) words.push('permanent');
  return shellLine(words);
}

/** The iptables-save text netlab renders for this namespace, without its comment lines; empty when no table exists. */
export function iptablesPayload(ns: NetNs): string[] {
  if (ns.netfilter.tables.length === 0) return [];
  return [...renderIptablesSave(ns.netfilter)].filter((l) => !l.startsWith('#'));
}

/** `nft -f` input for the namespace's nftables tables (kube-proxy's transaction); empty when it has none. */
export function nftablesPayload(ns: NetNs): string[] {
  const lines: string[] = [];
  for (const table of ns.nftables?.tables ?? []) lines.push(...knftablesTransaction(table));
  return lines;
}

/** `ipset restore` input for the namespace's sets (the rules match them, so they come first). */
export function ipsetPayload(ns: NetNs): string[] {
  const lines: string[] = [];
  for (const set of ns.ipsets?.values() ?? []) {
    const type: string = set.type;
    lines.push(`create ${set.name} ${type}${type.startsWith('hash:') ? ' family inet' : type === 'bitmap:port' ? ' range 0-65535' : ''}`);
    for (const member of set.members) lines.push(`add ${set.name} ${ipsetEntry(member)}`);
  }
  return lines;
}

/** One member as `ipset add` takes it (`10.0.0.0/8`, `10.0.0.1,tcp:80`, `10.0.0.1,tcp:80,10.0.0.1`, `80`). */
function ipsetEntry(member: object): string {
  // Read by field, so set kinds added to the model later still print.
  const m = member as { kind: string; cidr?: Cidr; net?: Cidr; ip?: IPv4; ip2?: IPv4; protocol?: string; port?: number };
  const net = (c: Cidr) => (c.len === 32 ? formatIPv4(c.addr) : formatCidr(c));
  const parts: string[] = [];
  if (m.cidr) parts.push(net(m.cidr));
  if (m.ip !== undefined) parts.push(formatIPv4(m.ip));
  if (m.port !== undefined) parts.push(m.protocol !== undefined ? `${m.protocol}:${m.port}` : String(m.port));
  if (m.ip2 !== undefined) parts.push(formatIPv4(m.ip2));
  if (m.net) parts.push(net(m.net));
  if (parts.length === 0) throw new Error(`bug: an ipset member of kind ${m.kind} the export cannot write`);
  return parts.join(',');
}

/** The nfacct objects the rules count into (`-m nfacct --nfacct-name NAME`), in order of first use. */
export function nfacctNames(payload: readonly string[]): string[] {
  const names = new Set<string>();
  for (const line of payload) {
    for (const m of line.matchAll(/--nfacct-name\s+("(?:[^"\\]|\\.)*"|\S+)/g)) {
      const raw = m[1]!;
      names.add(raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
    }
  }
  return [...names];
}

function tunFlags(link: Link): string {
  if (link.info.kind !== 'tun') throw new Error('bug: not a tun');
  const flags: string[] = [link.info.type];
  if (!link.info.pi) flags.push('no_pi');
  if (link.info.vnetHdr) flags.push('vnet_hdr');
  return flags.join(',');
}

/** Builds one model namespace (and, through its veths, the namespaces at their far ends). */
export function netnsSteps(ns: NetNs, ctx: StepContext): Step[] {
  const name = ctx.netnsName(ns.id);
  if (name === undefined) throw new Error(`bug: no real name for ${ns.id}`);
  const steps: Step[] = [];
  steps.push(...createNetns(ns, name, ctx));
  steps.push(...linkSteps(ns, name, ctx));
  steps.push(...tableSteps(ns, name));
  return steps;
}

function createNetns(ns: NetNs, name: string, ctx: StepContext): Step[] {
  ctx.created.add(ns.id);
  const global = globalSysctls(ns);
  return [
    {
      what: `${ns.displayName}: create namespace ${name}`,
      commands: [shellLine(['mkns', name]), ...(global.length > 0 ? [sysctlCommand(name, global)] : [])],
    },
  ];
}

/** `madeByPeer`: links already created from the other end of their veth (a pod's eth0, made by its node). */
function linkSteps(ns: NetNs, name: string, ctx: StepContext, madeByPeer: ReadonlySet<string> = new Set()): Step[] {
  const steps: Step[] = [];
  const bridgesWaitingForAPort = new Set(
    ns.links.filter((l) => l.info.kind === 'bridge' && ns.links.some((p) => p.bridgePort?.bridge === l.name)).map((l) => l.name),
  );
  for (const link of ns.links) {
    if (link.info.kind === 'loopback') {
      // lo exists in every namespace and mkns brought it up; only extra addresses are added.
      const extra = addressCommands(name, link);
      if (extra.length > 0) steps.push({ what: `${ns.displayName}: addresses on lo`, commands: extra });
      continue;
    }
    if (madeByPeer.has(link.name)) continue;
    steps.push(...createLink(ns, name, link, ctx, bridgesWaitingForAPort));
  }
  return steps;
}

function createLink(ns: NetNs, name: string, link: Link, ctx: StepContext, bridgesWaiting: Set<string>): Step[] {
  const where = `${ns.displayName}: ${link.name}`;
  const sysctls = deviceSysctls(ns, link.name);
  const sysctlLines = sysctls.length > 0 ? [sysctlCommand(name, sysctls)] : [];
  const up = link.state.up ? [shellLine(['ip', '-n', name, 'link', 'set', 'dev', link.name, 'up'])] : [];
  const addresses = addressCommands(name, link);
  const info = link.info;
  switch (info.kind) {
    case 'ether': {
      // netlab's node NIC; on one host it is a veth whose other end is a port of the segment's bridge.
      const plug = ctx.nicPlug(ns, link);
      return [
        {
          what: `${where}: NIC, plugged into ${plug.bridge} of ${plug.segmentNetns} as ${plug.port}`,
          commands: [
            shellLine([
              'ip',
              '-n',
              name,
              'link',
              'add',
              'name',
              link.name,
              ...linkAttributes(link),
              'type',
              'veth',
              'peer',
              'name',
              plug.port,
              'address',
              plug.portMac,
              'mtu',
              link.mtu,
              'netns',
              plug.segmentNetns,
            ]),
            shellLine(['ip', '-n', plug.segmentNetns, 'link', 'set', 'dev', plug.port, 'master', plug.bridge]),
            shellLine(['ip', '-n', plug.segmentNetns, 'link', 'set', 'dev', plug.port, 'up']),
            ...sysctlLines,
            ...addresses,
            ...up,
          ],
        },
      ];
    }
    case 'bridge': {
      const create = shellLine([
        'ip',
        '-n',
        name,
        'link',
        'add',
        'name',
        link.name,
        ...linkAttributes(link),
        'type',
        'bridge',
        ...bridgeOptions(link),
      ]);
      // A bridge with ports gets its addresses once the first port is up (see the veth case).
      const now = bridgesWaiting.has(link.name) ? [] : addresses;
      return [{ what: `${where}: bridge`, commands: [...originComments(link, ctx), create, ...sysctlLines, ...up, ...now] }];
    }
    case 'vxlan': {
      const words: (string | number)[] = [
        'ip',
        '-n',
        name,
        'link',
        'add',
        'name',
        link.name,
        ...linkAttributes(link),
        'type',
        'vxlan',
        'id',
        info.id,
        'local',
        formatIPv4(info.local),
        'dev',
        info.dev,
        'dstport',
        info.dstport,
      ];
      if (!info.learning) words.push('nolearning');
      if (info.ageing !== 300) words.push('ageing', info.ageing);
      return [
        {
          what: `${where}: vxlan id ${info.id}`,
          commands: [...originComments(link, ctx), shellLine(words), ...sysctlLines, ...addresses, ...up],
        },
      ];
    }
    case 'tun': {
      const holder = ctx.tunHolder(ns, link);
      const set: (string | number)[] = ['ip', '-n', name, 'link', 'set', 'dev', link.name, 'mtu', link.mtu];
      if (link.txqueuelen !== KERNEL_TXQUEUELEN.tun) set.push('txqueuelen', link.txqueuelen);
      if (link.mac !== undefined) set.push('address', link.mac);
      return [
        {
          what: `${where}: ${info.type} device held open by a process${holder.port ? ` relaying udp/${holder.port} (flanneld's stand-in)` : ''}`,
          commands: [
            ...originComments(link, ctx),
            shellLine(['tun_hold', name, link.name, tunFlags(link), holder.port, holder.tunIp, holder.bufferLength, ...holder.routes]),
            shellLine(set),
            ...sysctlLines,
            ...addresses,
            ...up,
          ],
        },
      ];
    }
    case 'dummy':
      return [
        {
          what: `${where}: dummy`,
          commands: [
            ...originComments(link, ctx),
            shellLine(['ip', '-n', name, 'link', 'add', 'name', link.name, ...linkAttributes(link), 'type', 'dummy']),
            ...sysctlLines,
            ...addresses,
            ...up,
          ],
        },
      ];
    case 'ipip': {
      // tunl0 is the ipip module's fallback device: every namespace has it once the module is loaded.
      const create =
        link.name === 'tunl0'
          ? shellLine(['ip', '-n', name, 'link', 'set', 'dev', 'tunl0', 'mtu', link.mtu])
          : shellLine([
              'ip',
              '-n',
              name,
              'link',
              'add',
              'name',
              link.name,
              'mtu',
              link.mtu,
              'type',
              'ipip',
              ...(info.local !== undefined ? ['local', formatIPv4(info.local)] : []),
              ...(info.remote !== undefined ? ['remote', formatIPv4(info.remote)] : []),
            ]);
      return [{ what: `${where}: ipip`, commands: [...originComments(link, ctx), create, ...sysctlLines, ...addresses, ...up] }];
    }
    case 'veth':
      return vethSteps(ns, name, link, ctx, bridgesWaiting, { sysctlLines, up, addresses });
    case 'loopback':
      return [];
  }
}

function vethSteps(
  ns: NetNs,
  name: string,
  link: Link,
  ctx: StepContext,
  bridgesWaiting: Set<string>,
  parts: { sysctlLines: string[]; up: string[]; addresses: string[] },
): Step[] {
  if (link.info.kind !== 'veth') throw new Error('bug: not a veth');
  const where = `${ns.displayName}: ${link.name}`;
  const peerNs = ctx.modelNetns(link.info.peer.netns);
  const steps: Step[] = [];
  const local = peerNs === undefined || peerNs.id === ns.id;
  const peerLink = peerNs?.links.find((l) => l.ifindex === (link.info.kind === 'veth' ? link.info.peer.ifindex : -1));
  if (!peerNs || !peerLink) throw new Error(`bug: ${where}: the peer ${link.info.peer.netns}/${link.info.peer.name} is not in the model`);
  const peerName = local ? name : ctx.netnsName(peerNs.id)!;
  if (!local) steps.push(...createNetns(peerNs, peerName, ctx));
  // One request makes both ends, the far one straight in its namespace (IFLA_NET_NS_FD), as the bridge
  // plugin and calico's plugin (v3.27+) do from the pod's side: each end takes the next index of its own
  // namespace, whichever side the request comes from.
  const create = [
    shellLine([
      'ip',
      '-n',
      name,
      'link',
      'add',
      'name',
      link.name,
      ...linkAttributes(link),
      'type',
      'veth',
      'peer',
      'name',
      peerLink.name,
      ...linkAttributes(peerLink),
      ...(local ? [] : ['netns', peerName]),
    ]),
  ];
  const port: string[] = [];
  if (link.bridgePort) {
    port.push(shellLine(['ip', '-n', name, 'link', 'set', 'dev', link.name, 'master', link.bridgePort.bridge]));
    const slave: string[] = [];
    if (link.bridgePort.hairpin) slave.push('hairpin', 'on');
    if (!link.bridgePort.learning) slave.push('learning', 'off');
    if (!link.bridgePort.flood) slave.push('flood', 'off');
    if (slave.length > 0) port.push(shellLine(['ip', '-n', name, 'link', 'set', 'dev', link.name, 'type', 'bridge_slave', ...slave]));
  }
  const bridgeAddresses: string[] = [];
  const bridge = link.bridgePort?.bridge;
  if (bridge !== undefined && bridgesWaiting.has(bridge)) {
    bridgesWaiting.delete(bridge);
    bridgeAddresses.push(
      ...addressCommands(
        name,
        ns.links.find((l) => l.name === bridge)!,
      ),
    );
  }
  steps.push({
    what: `${where}: veth to ${peerNs.displayName}${link.bridgePort ? `, port of ${link.bridgePort.bridge}` : ''}`,
    commands: [
      ...originComments(link, ctx),
      ...originComments(peerLink, ctx),
      ...create,
      ...parts.sysctlLines,
      ...port,
      ...parts.addresses,
      ...parts.up,
      ...bridgeAddresses,
    ],
  });
  if (!local) {
    // The far end is configured now, as CNI ADD does: its sysctls, up, then its address and routes.
    const peerSysctls = deviceSysctls(peerNs, peerLink.name);
    steps.push({
      what: `${peerNs.displayName}: ${peerLink.name} (up before its address)`,
      commands: [
        ...(peerSysctls.length > 0 ? [sysctlCommand(peerName, peerSysctls)] : []),
        ...(peerLink.state.up ? [shellLine(['ip', '-n', peerName, 'link', 'set', 'dev', peerLink.name, 'up'])] : []),
        ...addressCommands(peerName, peerLink),
      ],
    });
    steps.push(...linkSteps(peerNs, peerName, ctx, new Set([peerLink.name])));
    steps.push(...tableSteps(peerNs, peerName));
  }
  return steps;
}

/** Routes (not the kernel's own), policy rules, neighbours, FDB entries and iptables. */
function tableSteps(ns: NetNs, name: string): Step[] {
  const steps: Step[] = [];
  // A gateway must be reachable when its route is added ("Nexthop has invalid gateway"): routes without
  // one first (calico's `169.254.1.1 dev eth0 scope link` before `default via 169.254.1.1`), then the others.
  const own = [...ns.routes.values()].flat().filter((r) => r.protocol !== RTPROT.kernel);
  const routes = [
    ...own.filter((r) => r.gateway === undefined || r.onlink),
    ...own.filter((r) => r.gateway !== undefined && !r.onlink),
  ].map((r) => routeCommand(name, r));
  const rules = ns.rules.filter((r) => !isDefaultRule(r)).map((r) => ruleCommand(name, r));
  if (routes.length + rules.length > 0) steps.push({ what: `${ns.displayName}: routes`, commands: [...rules, ...routes] });
  if (ns.neighbours.length > 0)
    steps.push({ what: `${ns.displayName}: neighbours`, commands: ns.neighbours.map((n) => neighbourCommand(name, n)) });
  if (ns.fdb.length > 0) steps.push({ what: `${ns.displayName}: bridge fdb`, commands: ns.fdb.map((e) => fdbCommand(name, e)) });
  const sets = ipsetPayload(ns);
  if (sets.length > 0) {
    steps.push({
      what: `${ns.displayName}: ipsets (ipset restore)`,
      commands: hereDocument(shellLine(['ip', 'netns', 'exec', name, 'ipset', 'restore']), sets, 'NETLAB_IPSET'),
    });
  }
  const payload = iptablesPayload(ns);
  if (payload.length > 0) {
    // `-m nfacct` needs its accounting object to exist (kube-proxy creates its counters first).
    const counters = nfacctNames(payload).map((counter) => shellLine(['ip', 'netns', 'exec', name, 'nfacct', 'add', counter]));
    steps.push({
      what: `${ns.displayName}: iptables (iptables-restore --noflush)`,
      commands: [...counters, ...hereDocument(shellLine(['ipt_restore', name]), payload, 'NETLAB_IPTABLES')],
    });
  }
  const nft = nftablesPayload(ns);
  if (nft.length > 0) {
    steps.push({
      what: `${ns.displayName}: nftables (nft -f)`,
      commands: hereDocument(shellLine(['ip', 'netns', 'exec', name, 'nft', '-f', '-']), nft, 'NETLAB_NFT'),
    });
  }
  return steps;
}
