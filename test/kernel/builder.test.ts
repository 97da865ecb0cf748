/**
 * NetnsBuilder, the kernel's own reactions included: what adding an address
 * installs in table local and main (fib_add_ifaddr), the ifindexes links
 * get, a new link's defaults, and chains and routes shared between
 * namespaces without copying. The expected tables and link fields are what
 * iproute2 6.1 printed on Linux 6.18 in a scratch namespace after the same
 * commands (`ip netns add`, `ip link add`, `ip addr add`, `ip route show
 * table local|main`, `ip -d link show`).
 */
import { describe, expect, it } from 'vitest';
import { NetnsBuilder } from '../../src/kernel/builder.js';
import type { Ipv4Address, NewLink } from '../../src/kernel/link.js';
import type { Chain, IptRule } from '../../src/kernel/netfilter/rule.js';
import { RT_TABLE, RTPROT, type Route } from '../../src/kernel/route.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../../src/net/ipv4.js';

const ip = (text: string): IPv4 => parseIPv4(text)!;

function veth(name: string, options: Partial<NewLink> = {}): NewLink {
  return {
    name,
    info: { kind: 'veth', peer: { netns: 'peer', ifindex: 99, name: `${name}-peer`, linkNetns: { nsid: 0 } } },
    mtu: 1500,
    ...options,
  };
}

/** A namespace as `ip netns add` + `ip link set lo up` leave it, with one veth `v0`, up or not. */
function scratch(v0Up = true): NetnsBuilder {
  const b = new NetnsBuilder('scratch', 'node', 'scratch', 'scratch');
  b.addLink({ name: 'lo', info: { kind: 'loopback' }, mtu: 65536 });
  b.addAddress('lo', ip('127.0.0.1'), 8, { broadcast: false, scope: 'host' });
  b.addLink(veth('v0', { up: v0Up }));
  return b;
}

/** A route as `ip route show table T` prints these fields (type unless unicast, the prefix, via, dev, proto, scope unless universe, src, onlink). */
function shown(r: Route): string {
  const type = r.type === 'unicast' ? '' : `${r.type} `;
  const dst = r.dst.len === 32 ? formatIPv4(r.dst.addr) : `${formatIPv4(r.dst.addr)}/${r.dst.len}`;
  const via = r.gateway !== undefined ? ` via ${formatIPv4(r.gateway)}` : '';
  const dev = r.dev !== undefined ? ` dev ${r.dev}` : '';
  const proto = r.protocol === RTPROT.kernel ? ' proto kernel' : '';
  const scope = r.scope === 'universe' ? '' : ` scope ${r.scope}`;
  const src = r.prefsrc !== undefined ? ` src ${formatIPv4(r.prefsrc)}` : '';
  return `${type}${dst}${via}${dev}${proto}${scope}${src}${r.onlink ? ' onlink' : ''}`;
}

const table = (b: NetnsBuilder, id: number): string[] => (b.finish().routes.get(id) ?? []).map(shown);

/** lo's own entries, which every row's table local also holds. */
const LO_LOCAL = [
  'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1',
  'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1',
  'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1',
];

interface AddressRow {
  readonly what: string;
  readonly dev: 'v0' | 'lo';
  readonly v0Up?: boolean;
  readonly address: string;
  readonly options?: { broadcast?: boolean; scope?: Ipv4Address['scope'] };
  /** `ip addr show`: the brd the address got, if any. */
  readonly brd?: string;
  readonly local: readonly string[];
  readonly main: readonly string[];
}

const ADDRESSES: readonly AddressRow[] = [
  {
    what: '/24 with brd +: local, the subnet broadcast and the connected route',
    dev: 'v0',
    address: '10.1.2.3/24',
    brd: '10.1.2.255',
    local: [
      'local 10.1.2.3 dev v0 proto kernel scope host src 10.1.2.3',
      'broadcast 10.1.2.255 dev v0 proto kernel scope link src 10.1.2.3',
      ...LO_LOCAL,
    ],
    main: ['10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3'],
  },
  {
    what: '/24 without brd: no brd on the address, the broadcast entry all the same',
    dev: 'v0',
    address: '10.5.5.5/24',
    options: { broadcast: false },
    local: [
      'local 10.5.5.5 dev v0 proto kernel scope host src 10.5.5.5',
      'broadcast 10.5.5.255 dev v0 proto kernel scope link src 10.5.5.5',
      ...LO_LOCAL,
    ],
    main: ['10.5.5.0/24 dev v0 proto kernel scope link src 10.5.5.5'],
  },
  {
    what: '/30: local, broadcast .3, the /30',
    dev: 'v0',
    address: '10.4.4.1/30',
    options: { broadcast: false },
    local: [
      'local 10.4.4.1 dev v0 proto kernel scope host src 10.4.4.1',
      'broadcast 10.4.4.3 dev v0 proto kernel scope link src 10.4.4.1',
      ...LO_LOCAL,
    ],
    main: ['10.4.4.0/30 dev v0 proto kernel scope link src 10.4.4.1'],
  },
  {
    what: '/31 (RFC 3021): no broadcast at all, even with brd +',
    dev: 'v0',
    address: '10.3.3.0/31',
    local: ['local 10.3.3.0 dev v0 proto kernel scope host src 10.3.3.0', ...LO_LOCAL],
    main: ['10.3.3.0/31 dev v0 proto kernel scope link src 10.3.3.0'],
  },
  {
    what: '/32: the local entry only',
    dev: 'v0',
    address: '10.9.9.9/32',
    options: { broadcast: false },
    local: ['local 10.9.9.9 dev v0 proto kernel scope host src 10.9.9.9', ...LO_LOCAL],
    main: [],
  },
  {
    what: 'scope link: the same entries, the local one scope host',
    dev: 'v0',
    address: '10.6.6.6/24',
    options: { broadcast: false, scope: 'link' },
    local: [
      'local 10.6.6.6 dev v0 proto kernel scope host src 10.6.6.6',
      'broadcast 10.6.6.255 dev v0 proto kernel scope link src 10.6.6.6',
      ...LO_LOCAL,
    ],
    main: ['10.6.6.0/24 dev v0 proto kernel scope link src 10.6.6.6'],
  },
  {
    what: 'on lo the prefix is local too, in table local, and nothing goes to main',
    dev: 'lo',
    address: '10.7.0.1/16',
    options: { broadcast: false },
    local: [
      'local 10.7.0.0/16 dev lo proto kernel scope host src 10.7.0.1',
      'local 10.7.0.1 dev lo proto kernel scope host src 10.7.0.1',
      'broadcast 10.7.255.255 dev lo proto kernel scope link src 10.7.0.1',
      ...LO_LOCAL,
    ],
    main: [],
  },
  {
    what: 'on a link that is down: the local entry only (the rest comes with ip link set up)',
    dev: 'v0',
    v0Up: false,
    address: '10.1.2.3/24',
    brd: '10.1.2.255',
    local: ['local 10.1.2.3 dev v0 proto kernel scope host src 10.1.2.3', ...LO_LOCAL],
    main: [],
  },
];

describe('ip addr add: what the kernel installs in table local and main', () => {
  it.each(ADDRESSES)('$what', (row) => {
    const b = scratch(row.v0Up ?? true);
    const [addr, len] = row.address.split('/');
    b.addAddress(row.dev, ip(addr!), Number(len), row.options ?? {});
    expect(table(b, RT_TABLE.local)).toEqual(row.local);
    expect(table(b, RT_TABLE.main)).toEqual(row.main);
    const added = b.link(row.dev).ipv4.at(-1)!;
    expect(added).toMatchObject({ ip: ip(addr!), len: Number(len), scope: row.options?.scope ?? 'global' });
    expect(added.broadcast === undefined ? undefined : formatIPv4(added.broadcast)).toBe(row.brd);
  });

  it('lo up with 127.0.0.1/8 (what every new netns gets): table local only, main empty', () => {
    const b = new NetnsBuilder('scratch', 'node', 'scratch', 'scratch');
    b.addLink({ name: 'lo', info: { kind: 'loopback' }, mtu: 65536 });
    b.addAddress('lo', ip('127.0.0.1'), 8, { broadcast: false, scope: 'host' });
    expect(table(b, RT_TABLE.local)).toEqual(LO_LOCAL);
    expect(b.finish().routes.get(RT_TABLE.main)).toBeUndefined();
  });

  it("several addresses: table local in the kernel's order (by address, the shorter prefix first)", () => {
    const b = scratch();
    b.addAddress('v0', ip('10.9.9.9'), 32, { broadcast: false });
    b.addAddress('v0', ip('10.3.3.0'), 31);
    b.addAddress('v0', ip('10.4.4.1'), 30);
    b.addAddress('lo', ip('10.7.0.1'), 16, { broadcast: false });
    expect(table(b, RT_TABLE.local)).toEqual([
      'local 10.3.3.0 dev v0 proto kernel scope host src 10.3.3.0',
      'local 10.4.4.1 dev v0 proto kernel scope host src 10.4.4.1',
      'broadcast 10.4.4.3 dev v0 proto kernel scope link src 10.4.4.1',
      'local 10.7.0.0/16 dev lo proto kernel scope host src 10.7.0.1',
      'local 10.7.0.1 dev lo proto kernel scope host src 10.7.0.1',
      'broadcast 10.7.255.255 dev lo proto kernel scope link src 10.7.0.1',
      'local 10.9.9.9 dev v0 proto kernel scope host src 10.9.9.9',
      ...LO_LOCAL,
    ]);
    expect(table(b, RT_TABLE.main)).toEqual([
      '10.3.3.0/31 dev v0 proto kernel scope link src 10.3.3.0',
      '10.4.4.0/30 dev v0 proto kernel scope link src 10.4.4.1',
    ]);
  });
});

describe('ifindex', () => {
  it('counts up from 1 in creation order; an index given away (a veth end moved out) is not reused', () => {
    // The kernel does not reuse an index in a namespace: after `ip link del` of 4 and 5, the next pair got 6 and 7.
    const b = new NetnsBuilder('scratch', 'node', 'scratch', 'scratch');
    expect(b.addLink({ name: 'lo', info: { kind: 'loopback' }, mtu: 65536 }).ifindex).toBe(1);
    expect(b.addLink(veth('v1')).ifindex).toBe(2);
    expect(b.addLink(veth('v0')).ifindex).toBe(3);
    expect(b.peekIfindex()).toBe(4);
    expect(b.reserveIfindex()).toBe(4);
    expect(b.addLink(veth('w0')).ifindex).toBe(5);
    expect(b.finish().links.map((l) => [l.ifindex, l.name])).toEqual([
      [1, 'lo'],
      [2, 'v1'],
      [3, 'v0'],
      [5, 'w0'],
    ]);
  });

  it('a name is created once', () => {
    const b = scratch();
    expect(() => b.addLink(veth('v0'))).toThrow(/created twice/);
  });
});

describe("a new link's defaults (ip -d link show)", () => {
  const common = {
    txqueuelen: 1000,
    promiscuity: 0,
    allmulti: 0,
    gsoMaxSize: 65536,
    gsoMaxSegs: 65535,
    tsoMaxSize: 524280,
    tsoMaxSegs: 65535,
    groMaxSize: 65536,
  };
  it.each([
    // 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN ... qlen 1000 ... minmtu 0 maxmtu 0
    [
      'lo, up',
      { name: 'lo', info: { kind: 'loopback' }, mtu: 65536, operstate: 'UNKNOWN' } as NewLink,
      {
        qdisc: 'noqueue',
        minmtu: 0,
        maxmtu: 0,
        flags: { loopback: true, broadcast: false, multicast: false, noarp: false, pointopoint: false },
        ...common,
      },
    ],
    // v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN ... qlen 1000 ... minmtu 68 maxmtu 65535
    [
      'veth, down',
      veth('v0', { up: false }),
      {
        qdisc: 'noop',
        minmtu: 68,
        maxmtu: 65535,
        state: { up: false, carrier: false, operstate: 'DOWN' },
        flags: { loopback: false, broadcast: true, multicast: true, noarp: false, pointopoint: false },
        ...common,
      },
    ],
    // v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP ... qlen 1000
    [
      'veth, up',
      veth('v0'),
      {
        qdisc: 'noqueue',
        minmtu: 68,
        maxmtu: 65535,
        state: { up: true, carrier: true, operstate: 'UP' },
        flags: { broadcast: true, multicast: true },
        ...common,
      },
    ],
    // t0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN ... minmtu 68 maxmtu 65535 (its qlen 500 and tso_max_size 65536 are the caller's to say)
    [
      'tun, down',
      { name: 't0', info: { kind: 'tun', type: 'tun', pi: false, vnetHdr: false, persist: true }, mtu: 1500, up: false } as NewLink,
      {
        qdisc: 'noop',
        minmtu: 68,
        maxmtu: 65535,
        flags: { loopback: false, broadcast: false, multicast: true, noarp: true, pointopoint: true },
      },
    ],
  ] as const)('%s', (_what, spec, expected) => {
    const b = new NetnsBuilder('scratch', 'node', 'scratch', 'scratch');
    expect(b.addLink(spec)).toMatchObject(expected);
  });
});

describe('chains shared between namespaces: copy on write', () => {
  const rule = (comment: string): IptRule => ({ matches: [{ module: 'comment', comment }], target: { kind: 'ACCEPT' } });
  const chainOf = (b: NetnsBuilder, name: string): Chain =>
    b
      .finish()
      .netfilter.tables.find((t) => t.name === 'nat')!
      .chains.find((c) => c.name === name)!;

  it('an unchanged shared chain is handed out as the very object shared', () => {
    const shared: Chain = { name: 'KUBE-SVC-X', rules: [rule('one')] };
    const a = scratch();
    const b = scratch();
    a.setSharedChain('nat', shared);
    b.setSharedChain('nat', shared);
    expect(chainOf(a, 'KUBE-SVC-X')).toBe(shared);
    expect(chainOf(b, 'KUBE-SVC-X')).toBe(shared);
  });

  it('changing it in one namespace copies it there first: the others and the shared object keep theirs', () => {
    const shared: Chain = { name: 'KUBE-SVC-X', rules: [rule('one')] };
    const a = scratch();
    const b = scratch();
    a.setSharedChain('nat', shared);
    b.setSharedChain('nat', shared);
    a.appendRule('nat', 'KUBE-SVC-X', rule('two'));
    a.insertRule('nat', 'KUBE-SVC-X', rule('zero'));
    expect(chainOf(a, 'KUBE-SVC-X').rules).toEqual([rule('zero'), rule('one'), rule('two')]);
    expect(chainOf(a, 'KUBE-SVC-X')).not.toBe(shared);
    expect(chainOf(b, 'KUBE-SVC-X')).toBe(shared);
    expect(shared.rules).toEqual([rule('one')]);
  });

  it("sharing the content of a built-in chain keeps the chain's policy", () => {
    const a = scratch();
    a.setPolicy('filter', 'FORWARD', 'DROP');
    a.setSharedChain('filter', { name: 'FORWARD', rules: [rule('one')] });
    const forward = a
      .finish()
      .netfilter.tables.find((t) => t.name === 'filter')!
      .chains.find((c) => c.name === 'FORWARD')!;
    expect(forward).toEqual({ name: 'FORWARD', policy: 'DROP', rules: [rule('one')] });
  });

  it("shared routes are referenced, not copied, and join main in the kernel's order", () => {
    const overlay: Route[] = [
      {
        table: RT_TABLE.main,
        type: 'unicast',
        dst: { addr: ip('10.244.2.0'), len: 24 },
        gateway: ip('10.244.2.0'),
        dev: 'v0',
        protocol: RTPROT.boot,
        scope: 'universe',
        onlink: true,
      },
      {
        table: RT_TABLE.main,
        type: 'unicast',
        dst: { addr: ip('10.244.0.0'), len: 24 },
        gateway: ip('10.244.0.0'),
        dev: 'v0',
        protocol: RTPROT.boot,
        scope: 'universe',
        onlink: true,
      },
    ];
    const frozen = [...overlay];
    const a = scratch();
    a.addAddress('v0', ip('10.244.1.1'), 24);
    a.addSharedRoutes(overlay);
    expect(table(a, RT_TABLE.main)).toEqual([
      '10.244.0.0/24 via 10.244.0.0 dev v0 onlink',
      '10.244.1.0/24 dev v0 proto kernel scope link src 10.244.1.1',
      '10.244.2.0/24 via 10.244.2.0 dev v0 onlink',
    ]);
    expect(overlay).toEqual(frozen);
  });
});
