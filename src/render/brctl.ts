/**
 * bridge-utils 1.7.1: `brctl show [BR]`, `brctl showmacs BR`, `brctl showstp BR`.
 * Tabs are part of the format. brctl lists bridges and their ports from
 * sysfs with scandir(alphasort), so both come out sorted by name.
 */
import type { Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { macBytes } from '../net/mac.js';
import { bridgeMac, portId } from './ip-link-block.js';
import { timer } from './format.js';
import type { Lines } from './types.js';

const byName = (a: Link, b: Link) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `8000.7e2c91000001`: priority and MAC in zero-padded hex, no separators. */
export function brctlBridgeId(bridge: Link): string {
  const priority = bridge.info.kind === 'bridge' ? bridge.info.priority : 0x8000;
  const mac = bridgeMac(bridge);
  const hex = mac !== undefined ? mac.replaceAll(':', '') : '000000000000';
  return `${priority.toString(16).padStart(4, '0')}.${hex}`;
}

export function bridges(ns: NetNs): Link[] {
  return ns.links.filter((l) => l.info.kind === 'bridge').sort(byName);
}

export function portsOf(ns: NetNs, bridge: string): Link[] {
  return ns.links.filter((l) => l.bridgePort?.bridge === bridge).sort(byName);
}

export const BRCTL_SHOW_HEADER = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces';

/**
 * `brctl show`: pass one bridge to show only it (the caller checks it
 * exists and is a bridge). The header comes with the first bridge, so a
 * namespace without bridges prints nothing at all.
 */
export function* renderBrctlShow(ns: NetNs, only?: Link): Lines {
  const list = only ? [only] : bridges(ns);
  if (list.length > 0) yield BRCTL_SHOW_HEADER;
  for (const bridge of list) {
    const stp = bridge.info.kind === 'bridge' && bridge.info.stpState !== 0 ? 'yes' : 'no';
    const row = `${bridge.name}\t\t${brctlBridgeId(bridge)}\t${stp}\t\t`;
    const ports = portsOf(ns, bridge.name);
    if (ports.length === 0) {
      yield row;
      continue;
    }
    yield row + ports[0]!.name;
    for (const port of ports.slice(1)) yield `\t\t\t\t\t\t\t${port.name}`;
  }
}

function compareMac(a: string, b: string): number {
  const x = macBytes(a);
  const y = macBytes(b);
  for (let i = 0; i < 6; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/**
 * `brctl showmacs BR`: the bridge's forwarding entries that point at a port
 * (the ports' own addresses as local, learned MACs as not), sorted by MAC.
 * The ageing timer of a learned entry is the time since it was last seen;
 * netlab's state is a snapshot, so it prints 0.00.
 */
export function* renderBrctlShowmacs(ns: NetNs, bridge: Link): Lines {
  yield 'port no\tmac addr\t\tis local?\tageing timer';
  const entries: { port: number; mac: string; local: boolean }[] = [];
  for (const port of ns.links) {
    if (port.bridgePort?.bridge !== bridge.name) continue;
    if (port.mac !== undefined) entries.push({ port: port.bridgePort.portNo, mac: port.mac, local: true });
    for (const e of ns.fdb) {
      if (e.master === bridge.name && e.dev === port.name && e.mac !== port.mac) {
        entries.push({ port: port.bridgePort.portNo, mac: e.mac, local: false });
      }
    }
  }
  entries.sort((a, b) => compareMac(a.mac, b.mac));
  for (const e of entries) {
    yield `${String(e.port).padStart(3)}\t${e.mac}\t${e.local ? 'yes' : 'no'}\t\t${timer(0, 7)}`;
  }
}

/** brctl's "%4i.%.2i" seconds (kernel jiffies/centiseconds). */
function secs(value: number): string {
  return timer(value, 7);
}

/** `brctl showstp BR` (bridge-utils br_dump_info / br_dump_port_info). */
export function* renderBrctlShowstp(ns: NetNs, bridge: Link): Lines {
  const info = bridge.info.kind === 'bridge' ? bridge.info : undefined;
  const id = brctlBridgeId(bridge);
  const maxAge = (info?.maxAge ?? 2000) / 100;
  const hello = (info?.helloTime ?? 200) / 100;
  const fd = (info?.forwardDelay ?? 1500) / 100;
  const ageing = (info?.ageingTime ?? 30000) / 100;
  yield bridge.name;
  yield ` bridge id\t\t${id}`;
  yield ` designated root\t${id}`;
  yield ` root port\t\t${String(0).padStart(4)}\t\t\tpath cost\t\t${String(0).padStart(4)}`;
  yield ` max age\t\t${secs(maxAge)}\t\t\tbridge max age\t\t${secs(maxAge)}`;
  yield ` hello time\t\t${secs(hello)}\t\t\tbridge hello time\t${secs(hello)}`;
  yield ` forward delay\t\t${secs(fd)}\t\t\tbridge forward delay\t${secs(fd)}`;
  yield ` ageing time\t\t${secs(ageing)}`;
  yield ` hello timer\t\t${secs(0)}\t\t\ttcn timer\t\t${secs(0)}`;
  yield ` topology change timer\t${secs(0)}\t\t\tgc timer\t\t${secs(0)}`;
  yield ' flags\t\t\t';
  yield '';
  yield '';
  for (const port of portsOf(ns, bridge.name)) {
    const p = port.bridgePort!;
    const pid = portId(p).toString(16);
    yield `${port.name} (${p.portNo})`;
    yield ` port id\t\t${pid}\t\t\tstate\t\t${p.state.padStart(15)}`;
    yield ` designated root\t${id}\tpath cost\t\t${String(p.cost).padStart(4)}`;
    yield ` designated bridge\t${id}\tmessage age timer\t${secs(0)}`;
    yield ` designated port\t${pid}\t\t\tforward delay timer\t${secs(0)}`;
    yield ` designated cost\t${String(0).padStart(4)}\t\t\thold timer\t\t${secs(0)}`;
    yield ' flags\t\t\t';
    if (p.hairpin) yield ` hairpin mode\t\t${String(1).padStart(4)}`;
    yield '';
  }
}
