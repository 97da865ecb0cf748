/**
 * What the suite asks of a lab, decided from netlab's model alone (so the
 * test list is known before anything is built): the state commands in every
 * node and pod namespace, `ip route get` for every pair of endpoints, and
 * ping/traceroute for one pair of each path kind, plus the MTU edge (the
 * biggest payload that fits the sender's route, and one byte more), and
 * connections to every service (service-probes.ts).
 */
import type { Dataplane } from '../../src/dataplane/build.js';
import { fibLookup } from '../../src/dataplane/fib.js';
import type { NetNs } from '../../src/kernel/netns.js';
import type { Node } from '../../src/model/types.js';
import { formatIPv4, type IPv4 } from '../../src/net/ipv4.js';
import { addrGenMode } from '../../src/render/link-common.js';
import { clientArgv, planServiceProbes, predict, probeCommand, type Prediction, type ServiceProbe } from './service-probes.js';

export interface Endpoint {
  /** node name, pod name (namespace/name outside `default`), or `external` */
  readonly label: string;
  readonly kind: 'node' | 'pod' | 'external';
  readonly ns: NetNs;
  readonly ip: IPv4;
  /** The node it runs on (absent for the external client). */
  readonly node?: Node;
}

export type Phase = 'state' | 'route' | 'probe' | 'service';

export interface Check {
  /** The test name: `<where> / <command>`. */
  readonly name: string;
  readonly phase: Phase;
  readonly where: Endpoint;
  readonly argv: readonly string[];
  /** For probes: the path kind this pair stands for. */
  readonly pathKind?: string;
  /**
   * For probes: the round it runs in on the real host (see capture() in
   * conformance.test.ts): 0 pings, then the pings of the largest payload
   * that fits (after the one-byte-too-many ones, which a learned path MTU
   * would change), one per source host and round (one may teach its host a
   * path MTU the next would use: flanneld's datagrams carry DF), then the
   * traceroutes, one per source host and round.
   * Service connections have rounds of their own, after those: 0 for most,
   * 1 and up for the second, third, ... that may draw a "no route" error
   * from the same source host.
   */
  readonly round?: number;
  /** For service probes (phase `service`): the connection and what netlab's walk allows of it. */
  readonly service?: { readonly probe: ServiceProbe; readonly prediction: Prediction };
}

/** The host whose address a probe leaves with, as far as a router sees: a node (and its pods), or external. */
function sourceHost(e: Endpoint): string {
  return e.node?.name ?? e.label;
}

export function endpoints(dataplane: Dataplane): Endpoint[] {
  const list: Endpoint[] = [];
  for (const node of dataplane.cluster.nodes) {
    list.push({ label: node.name, kind: 'node', ns: dataplane.nodeNetns(node), ip: node.ip, node });
    for (const pod of node.pods) {
      if (pod.hostNetwork) continue;
      list.push({ label: pod.namespace === 'default' ? pod.name : pod.key, kind: 'pod', ns: dataplane.podNetns(pod), ip: pod.ip, node });
    }
  }
  const external = dataplane.externalNetns();
  const address = external.links.find((l) => l.name === 'eth0')?.ipv4[0];
  if (address) list.push({ label: 'external', kind: 'external', ns: external, ip: address.ip });
  return list;
}

function stateCommands(e: Endpoint): string[][] {
  // `ip -d link` holds every device's qdisc, qlen (printed only when not 0), queue counts and kind details;
  // `ifconfig -a` its txqueuelen again, 0 included: the attributes each device's creator sets, or the kernel.
  const commands = [
    ['ip', 'route'],
    ['ip', 'route', 'show', 'table', 'local'],
    ['ip', 'addr'],
    ['ip', '-d', 'link'],
    ['ifconfig', '-a'],
    ['ip', 'neigh'],
    ['iptables-save'],
  ];
  if (e.kind !== 'pod') commands.push(['bridge', 'fdb', 'show'], ['brctl', 'show']);
  for (const link of e.ns.links) {
    if (link.info.kind === 'loopback') continue;
    // A host's eth0 is netlab's virtio NIC, the lab's veth: compared with test/golden/physical-nic instead.
    if (link.info.kind === 'ether') continue;
    commands.push(['ethtool', '-S', link.name]);
  }
  return commands;
}

/** The path kind of a pair, or undefined for a pair the suite does not probe (to itself). */
function pathKind(from: Endpoint, to: Endpoint): string | undefined {
  if (from.ns === to.ns) return undefined;
  if (from.kind === 'external') return `external to ${to.kind}`;
  if (to.kind === 'external') return `${from.kind} to external`;
  const sameNode = from.node === to.node;
  const sameSubnet = from.node?.subnet === to.node?.subnet;
  const where = sameNode ? 'same node' : sameSubnet ? 'other node, same subnet' : 'other node, other subnet';
  if (from.kind === 'pod' && to.kind === 'pod') return `pod to pod, ${where}`;
  if (from.kind === 'node' && to.kind === 'pod') return sameNode ? 'node to its own pod' : `node to pod, ${where}`;
  if (from.kind === 'pod' && to.kind === 'node') return sameNode ? 'pod to its own node' : `pod to node, ${where}`;
  return `node to node, ${where}`;
}

/** The payload sizes at the sender's MTU edge: the largest that fits its route, and one byte more. */
function mtuEdge(from: Endpoint, to: Endpoint): number | undefined {
  const hit = fibLookup(from.ns, to.ip);
  if (!hit.ok || hit.route.dev === undefined) return undefined;
  const mtu = hit.route.mtu ?? from.ns.links.find((l) => l.name === hit.route.dev)?.mtu;
  return mtu === undefined ? undefined : mtu - 28;
}

export function planChecks(dataplane: Dataplane): Check[] {
  const all = endpoints(dataplane);
  const checks: Check[] = [];
  const add = (phase: Phase, where: Endpoint, argv: string[], extra: { pathKind?: string; round?: number } = {}) =>
    checks.push({ name: `${where.label} / ${argv.join(' ')}`, phase, where, argv, ...extra });
  for (const e of all) for (const argv of stateCommands(e)) add('state', e, argv);
  const targets = [...new Set(all.map((e) => e.ip))];
  for (const e of all) for (const ip of targets) add('route', e, ['ip', 'route', 'get', formatIPv4(ip)]);
  // One pair per path kind, taken from the source host that has the fewest probes so far: a router
  // answers "no route" through ip_error(), which allows each source host 5 errors, then one a second.
  const pairs = new Map<string, [Endpoint, Endpoint][]>();
  for (const from of all) {
    for (const to of all) {
      const kind = pathKind(from, to);
      if (kind === undefined) continue;
      let list = pairs.get(kind);
      if (!list) pairs.set(kind, (list = []));
      list.push([from, to]);
    }
  }
  const load = new Map<string, number>();
  const fits = new Map<string, number>();
  const traceroutes: { from: Endpoint; argv: string[]; kind: string; index: number }[] = [];
  for (const [kind, candidates] of pairs) {
    const [from, to] = candidates.reduce((best, pair) =>
      (load.get(sourceHost(pair[0])) ?? 0) < (load.get(sourceHost(best[0])) ?? 0) ? pair : best,
    );
    const host = sourceHost(from);
    const tracerouteIndex = load.get(host) ?? 0;
    load.set(host, tracerouteIndex + 1);
    const dst = formatIPv4(to.ip);
    add('probe', from, ['ping', '-c', '1', '-W', '1', dst], { pathKind: kind, round: 0 });
    const edge = from.node !== to.node ? mtuEdge(from, to) : undefined;
    if (edge !== undefined) {
      const fitIndex = fits.get(host) ?? 0;
      fits.set(host, fitIndex + 1);
      add('probe', from, ['ping', '-c', '1', '-W', '1', '-M', 'do', '-s', String(edge), dst], {
        pathKind: `${kind}, largest payload that fits`,
        round: 1 + fitIndex,
      });
      add('probe', from, ['ping', '-c', '1', '-W', '1', '-M', 'do', '-s', String(edge + 1), dst], {
        pathKind: `${kind}, one byte too many`,
        round: 0,
      });
    }
    traceroutes.push({ from, argv: ['traceroute', '-n', '-q', '1', '-w', '1', dst], kind, index: tracerouteIndex });
  }
  const firstTracerouteRound = 1 + Math.max(0, ...fits.values());
  for (const t of traceroutes) add('probe', t.from, t.argv, { pathKind: t.kind, round: firstTracerouteRound + t.index });
  // Connections to services, after every ping and traceroute (servers answer them: see service-probes.ts). Those
  // that may draw a router's "no route" go in rounds, one per source host and round, as traceroutes do.
  const routeErrors = new Map<string, number>();
  for (const probe of planServiceProbes(dataplane, all)) {
    const prediction = predict(dataplane, probe, all);
    let round = 0;
    if (prediction.drawsRouteError) {
      round = routeErrors.get(sourceHost(probe.from)) ?? 0;
      routeErrors.set(sourceHost(probe.from), round + 1);
    }
    checks.push({
      name: `${probe.from.label} / ${probeCommand(probe)}`,
      phase: 'service',
      where: probe.from,
      argv: clientArgv(probe, prediction),
      round,
      service: { probe, prediction },
    });
  }
  return checks;
}

/** Devices whose IPv6 link-local the kernel picks at random (a TUN): masked on both sides. */
export function randomLinkLocalDevices(ns: NetNs): string[] {
  return ns.links.filter((l) => addrGenMode(l) === 'random' && l.ipv6LinkLocal).map((l) => l.name);
}
