import { describe, expect, it } from 'vitest';
import { fibLookup, isLocalAddress, selectSource } from '../../src/dataplane/fib.js';
import { NetnsBuilder } from '../../src/kernel/builder.js';
import type { NewLink } from '../../src/kernel/link.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { RT_TABLE, RTPROT, type PolicyRule, type Route } from '../../src/kernel/route.js';
import { parseCidr } from '../../src/net/cidr.js';
import { formatIPv4, parseIPv4 } from '../../src/net/ipv4.js';
import { buildLab } from '../helpers.js';

const ip = (s: string) => parseIPv4(s)!;

describe('route lookup', () => {
  const { cluster, dataplane } = buildLab('labs/default.yaml');
  const node02 = dataplane.nodeNetns(cluster.nodeByName.get('node-02')!);

  it('finds the local table first for own addresses', () => {
    const hit = fibLookup(node02, ip('10.244.1.1'));
    expect(hit.ok && hit.table).toBe(RT_TABLE.local);
    expect(isLocalAddress(node02, ip('10.234.2.12'))).toBe(true);
    expect(isLocalAddress(node02, ip('10.234.2.13'))).toBe(false);
  });

  it('takes the longest prefix, and picks the flannel.1 /32 as source towards a remote pod (as ip route get shows)', () => {
    const hit = fibLookup(node02, ip('10.244.2.2'));
    expect(hit.ok).toBe(true);
    if (!hit.ok) return;
    expect(hit.route.dev).toBe('flannel.1');
    expect(formatIPv4(selectSource(node02, hit.route)!)).toBe('10.244.1.0');
  });

  it('falls back to the default route', () => {
    const hit = fibLookup(node02, ip('8.8.8.8'));
    expect(hit.ok && formatIPv4(hit.route.gateway!)).toBe('10.234.2.254');
  });

  it('reports no route when nothing matches', () => {
    const master = dataplane.nodeNetns(cluster.nodeByName.get('master')!);
    // master has a default route; a pod netns always has one too, so build a miss from the main table alone.
    const main = master.routes.get(RT_TABLE.main)!.filter((r) => r.dst.len > 0);
    const ns = { ...master, routes: new Map([[RT_TABLE.main, main]]) };
    expect(fibLookup(ns, ip('8.8.8.8'))).toMatchObject({ ok: false, reason: 'no-route' });
  });
});

/**
 * The lookups the kernel makes in a namespace built as a scratch one was
 * (iproute2 6.1 on Linux 6.18, `ip netns add`; each row's expected route
 * and source is what `ip route get` printed there):
 *
 *   ip link add v0 type veth peer name v1; ip link add w0 type veth peer name w1   (v1 2, v0 3, w1 4, w0 5)
 *   ip addr add 10.1.0.1/24 brd + dev v0; ip addr add 10.2.0.1/24 brd + dev v0
 *   ip addr add 10.9.0.1/24 dev v1; … 10.8.0.1/24 scope link …; … 10.7.0.1/24 …; … 10.6.0.1/24 scope host …
 *   ip addr add 10.100.0.1/16 dev lo
 *   the routes of SCRATCH_ROUTES, and the rules of SCRATCH_RULES
 */
function veth(name: string, peer: string, peerIfindex: number): NewLink {
  return { name, info: { kind: 'veth', peer: { netns: 'scratch', ifindex: peerIfindex, name: peer, linkNetns: { nsid: 0 } } }, mtu: 1500 };
}

const prefix = (text: string) => parseCidr(text)!;
/** `ip route add` as typed: protocol boot, scope link without a gateway, universe with one. */
function added(text: string, fields: Partial<Route> = {}): Route {
  return {
    table: RT_TABLE.main,
    type: 'unicast',
    dst: prefix(text),
    protocol: RTPROT.boot,
    scope: fields.gateway === undefined && fields.dev !== undefined ? 'link' : 'universe',
    ...fields,
  };
}

const SCRATCH_ROUTES: readonly Route[] = [
  added('10.20.0.0/16', { gateway: ip('10.1.0.254'), dev: 'v0', metric: 100 }),
  added('10.20.0.0/16', { gateway: ip('10.1.0.253'), dev: 'v0', metric: 50 }),
  added('10.20.30.0/24', { gateway: ip('10.1.0.252'), dev: 'v0' }),
  added('10.80.0.0/16', { gateway: ip('10.1.0.10'), dev: 'v0' }),
  added('10.80.0.0/16', { gateway: ip('10.1.0.11'), dev: 'v0' }), // ip route append
  added('10.1.0.77/32', { gateway: ip('10.2.0.254'), dev: 'v0' }),
  added('10.30.0.0/16', { type: 'blackhole' }),
  added('10.31.0.0/16', { type: 'unreachable' }),
  added('10.32.0.0/16', { type: 'prohibit' }),
  added('10.40.0.0/16', { gateway: ip('192.0.2.1'), dev: 'v0', onlink: true }),
  added('10.2.0.128/25', { dev: 'v0' }),
  added('10.3.0.0/16', { dev: 'v0' }),
  added('10.4.0.0/16', { gateway: ip('10.2.0.254'), dev: 'v0' }),
  added('10.60.0.0/16', { dev: 'v1' }),
  added('10.61.0.0/16', { gateway: ip('10.9.0.254'), dev: 'v1' }),
  added('10.62.0.0/16', { gateway: ip('10.6.0.254'), dev: 'v1', onlink: true }),
  added('10.70.0.0/16', { dev: 'w0' }),
  added('10.71.0.0/16', { gateway: ip('10.1.0.254'), dev: 'w0', onlink: true }),
  added('10.90.0.0/16', { gateway: ip('10.1.0.254'), dev: 'v0', prefsrc: ip('10.2.0.1') }),
  added('10.50.0.0/16', { table: 100, dev: 'v1' }),
  added('10.20.30.0/24', { table: 100, type: 'throw' }),
];

const SCRATCH_RULES: readonly PolicyRule[] = [
  { priority: 0, table: RT_TABLE.local },
  { priority: 100, table: 100, from: prefix('10.9.0.1/32') },
  { priority: 200, table: 100, fwmark: { value: 0x10, mask: 0x10 } },
  // A table nobody created: the lookup moves on to the next rule.
  { priority: 300, table: 200 },
  { priority: 32766, table: RT_TABLE.main },
  { priority: 32767, table: RT_TABLE.default },
];

function scratch(): NetNs {
  const b = new NetnsBuilder('scratch', 'node', 'scratch', 'scratch');
  b.addLink({ name: 'lo', info: { kind: 'loopback' }, mtu: 65536 });
  b.addLink(veth('v1', 'v0', 3));
  b.addLink(veth('v0', 'v1', 2));
  b.addLink(veth('w1', 'w0', 5));
  b.addLink(veth('w0', 'w1', 4));
  b.addAddress('lo', ip('127.0.0.1'), 8, { broadcast: false, scope: 'host' });
  b.addAddress('v0', ip('10.1.0.1'), 24);
  b.addAddress('v0', ip('10.2.0.1'), 24);
  b.addAddress('v1', ip('10.9.0.1'), 24, { broadcast: false });
  b.addAddress('v1', ip('10.8.0.1'), 24, { broadcast: false, scope: 'link' });
  b.addAddress('v1', ip('10.7.0.1'), 24, { broadcast: false });
  b.addAddress('v1', ip('10.6.0.1'), 24, { broadcast: false, scope: 'host' });
  b.addAddress('lo', ip('10.100.0.1'), 16, { broadcast: false });
  for (const route of SCRATCH_ROUTES) b.addRoute(route);
  return { ...b.finish(), rules: SCRATCH_RULES };
}

interface Expected {
  readonly table?: number;
  readonly type?: Route['type'];
  readonly dst?: string;
  readonly via?: string;
  readonly dev?: string;
  /** The source `ip route get` printed (absent when the query named one). */
  readonly src?: string;
}

/** [what the row shows, destination, query, the route the lookup found (or 'no route': ENETUNREACH)]. */
const LOOKUPS: readonly (readonly [string, string, { src?: string; mark?: number }, Expected | 'no route'])[] = [
  [
    'of two routes to one prefix, the lower metric',
    '10.20.1.1',
    {},
    { table: RT_TABLE.main, dst: '10.20.0.0/16', via: '10.1.0.253', dev: 'v0', src: '10.1.0.1' },
  ],
  ['the longest prefix, whatever the metrics', '10.20.30.1', {}, { dst: '10.20.30.0/24', via: '10.1.0.252', src: '10.1.0.1' }],
  ['of two routes equal in prefix and metric, the first added', '10.80.1.1', {}, { dst: '10.80.0.0/16', via: '10.1.0.10' }],
  [
    "a /32 over the connected route; the source in the gateway's subnet",
    '10.1.0.77',
    {},
    { dst: '10.1.0.77/32', via: '10.2.0.254', dev: 'v0', src: '10.2.0.1' },
  ],
  ['the connected route: its preferred source', '10.1.0.78', {}, { type: 'unicast', dst: '10.1.0.0/24', dev: 'v0', src: '10.1.0.1' }],
  ['blackhole (ip route get: EINVAL)', '10.30.1.1', {}, { type: 'blackhole', dst: '10.30.0.0/16' }],
  ['unreachable (EHOSTUNREACH)', '10.31.1.1', {}, { type: 'unreachable', dst: '10.31.0.0/16' }],
  ['prohibit (EACCES)', '10.32.1.1', {}, { type: 'prohibit', dst: '10.32.0.0/16' }],
  [
    "onlink: a gateway in no subnet of the device; the device's first address",
    '10.40.1.1',
    {},
    { via: '192.0.2.1', dev: 'v0', src: '10.1.0.1' },
  ],
  [
    "the subnet's broadcast address, in table local",
    '10.1.0.255',
    {},
    { table: RT_TABLE.local, type: 'broadcast', dev: 'v0', src: '10.1.0.1' },
  ],
  ['an own address, in table local', '10.1.0.1', {}, { table: RT_TABLE.local, type: 'local', dst: '10.1.0.1/32', src: '10.1.0.1' }],
  [
    'an address in a prefix given to lo: local, from the address',
    '10.100.5.5',
    {},
    { table: RT_TABLE.local, type: 'local', dst: '10.100.0.0/16', src: '10.100.0.1' },
  ],
  ['loopback', '127.0.0.1', {}, { table: RT_TABLE.local, type: 'local', src: '127.0.0.1' }],
  ['no default route: nothing', '8.8.8.8', {}, 'no route'],
  [
    "a device route has no gateway: the device's first address, not the one in the destination's subnet",
    '10.2.0.200',
    {},
    { dst: '10.2.0.128/25', dev: 'v0', src: '10.1.0.1' },
  ],
  ["a device route: the device's first address", '10.3.1.1', {}, { dev: 'v0', src: '10.1.0.1' }],
  ["a gateway in the device's second subnet: that subnet's address", '10.4.1.1', {}, { via: '10.2.0.254', src: '10.2.0.1' }],
  [
    'a device route (scope link): the first address of scope link or wider, host-scoped ones skipped',
    '10.60.1.1',
    {},
    { dev: 'v1', src: '10.8.0.1' },
  ],
  ["a gateway route: the address in the gateway's subnet", '10.61.1.1', {}, { via: '10.9.0.254', dev: 'v1', src: '10.9.0.1' }],
  [
    "a gateway route (scope universe) takes global addresses only, even when a host-scoped one holds the gateway's subnet",
    '10.62.1.1',
    {},
    { via: '10.6.0.254', dev: 'v1', src: '10.9.0.1' },
  ],
  [
    "a device without addresses: the first fit address of another device in ifindex order (lo's global one)",
    '10.70.1.1',
    {},
    { dev: 'w0', src: '10.100.0.1' },
  ],
  ['the same through a gateway', '10.71.1.1', {}, { via: '10.1.0.254', dev: 'w0', src: '10.100.0.1' }],
  ["a route's own preferred source wins", '10.90.1.1', {}, { via: '10.1.0.254', src: '10.2.0.1' }],
  ['a from-rule needs a source, a fwmark rule a mark; a rule to a missing table is passed over', '10.50.1.1', {}, 'no route'],
  ["from 10.9.0.1: its rule's table", '10.50.1.1', { src: '10.9.0.1' }, { table: 100, dst: '10.50.0.0/16', dev: 'v1' }],
  ['mark 0x30 matches fwmark 0x10/0x10', '10.50.1.1', { mark: 0x30 }, { table: 100, dev: 'v1', src: '10.8.0.1' }],
  ['mark 0x20 does not', '10.50.1.1', { mark: 0x20 }, 'no route'],
  [
    'throw in table 100 moves on to main',
    '10.20.30.5',
    { src: '10.9.0.1' },
    { table: RT_TABLE.main, type: 'unicast', dst: '10.20.30.0/24', via: '10.1.0.252' },
  ],
  ['the same through the fwmark rule', '10.20.30.5', { mark: 0x10 }, { table: RT_TABLE.main, via: '10.1.0.252', src: '10.1.0.1' }],
];

describe('fib_lookup and the source address, row by row', () => {
  const ns = scratch();
  it.each(LOOKUPS)('%s (%s)', (_what, dst, query, expected) => {
    const hit = fibLookup(ns, ip(dst), {
      ...(query.src !== undefined ? { src: ip(query.src) } : {}),
      ...(query.mark !== undefined ? { mark: query.mark } : {}),
    });
    if (expected === 'no route') {
      expect(hit).toMatchObject({ ok: false, reason: 'no-route' });
      return;
    }
    expect(hit.ok).toBe(true);
    if (!hit.ok) return;
    const { route } = hit;
    const seen: Expected = {
      table: hit.table,
      type: route.type,
      dst: `${formatIPv4(route.dst.addr)}/${route.dst.len}`,
      ...(route.gateway !== undefined ? { via: formatIPv4(route.gateway) } : {}),
      ...(route.dev !== undefined ? { dev: route.dev } : {}),
    };
    const { src, ...where } = expected;
    expect(seen).toMatchObject(where);
    if (expected.via === undefined) expect(seen.via).toBeUndefined();
    if (src !== undefined) expect(formatIPv4(selectSource(ns, route)!)).toBe(src);
  });
});

describe('isLocalAddress: a local route in table local', () => {
  const ns = scratch();
  it.each([
    ['10.1.0.1', true],
    ['10.2.0.1', true],
    ['10.6.0.1', true],
    ['10.100.5.5', true],
    ['127.0.0.1', true],
    ['10.1.0.255', false],
    ['10.1.0.2', false],
    ['8.8.8.8', false],
  ] as const)('%s: %s', (address, local) => {
    expect(isLocalAddress(ns, ip(address))).toBe(local);
  });
});
