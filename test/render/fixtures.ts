/**
 * Hand-built NetNs values mirroring the namespaces of test/render/real/lab/lab.sh,
 * so every renderer can be checked against what the real tools printed
 * there. Built from plain objects (not the dataplane builder) so renderer
 * tests do not depend on how netlab builds state.
 */
import type { BridgeInfo, BridgePort, Ipv4Address, Link, LinkInfo } from '../../src/kernel/link.js';
import type { FdbEntry, Neighbour } from '../../src/kernel/neigh.js';
import type { NetNs } from '../../src/kernel/netns.js';
import type { Chain, IptRule, Match, NetfilterTable, Target } from '../../src/kernel/netfilter/rule.js';
import { DEFAULT_POLICY_RULES, fibOrder, RTPROT, type Route } from '../../src/kernel/route.js';
import { parseCidr, type Cidr } from '../../src/net/cidr.js';
import { parseIPv4, type IPv4 } from '../../src/net/ipv4.js';
import { solicitedNodeMulticastMac, type Mac } from '../../src/net/mac.js';

export function ip(text: string): IPv4 {
  const v = parseIPv4(text);
  if (v === undefined) throw new Error(`bad ip ${text}`);
  return v;
}

export function net(text: string): Cidr {
  const c = parseCidr(text.includes('/') ? text : `${text}/32`);
  if (!c) throw new Error(`bad cidr ${text}`);
  return c;
}

/** A link with this machine's defaults for an up Ethernet-like device; override what differs. */
export function link(ifindex: number, name: string, info: LinkInfo, over: Partial<Link> = {}): Link {
  const loopback = info.kind === 'loopback';
  const p2p = info.kind === 'tun' || info.kind === 'ipip';
  return {
    ifindex,
    name,
    info,
    mtu: 1500,
    state: { up: true, carrier: true, operstate: 'UP' },
    qdisc: 'noqueue',
    txqueuelen: 1000,
    flags: { broadcast: !loopback && !p2p, multicast: !loopback, noarp: p2p, pointopoint: p2p, loopback },
    promiscuity: 0,
    allmulti: 0,
    minmtu: loopback ? 0 : 68,
    maxmtu: loopback ? 0 : 65535,
    numTxQueues: info.kind === 'veth' ? 2 : 1,
    numRxQueues: info.kind === 'veth' ? 2 : 1,
    gsoMaxSize: 65536,
    gsoMaxSegs: 65535,
    tsoMaxSize: 524280,
    tsoMaxSegs: 65535,
    groMaxSize: 65536,
    ipv4: [],
    ipv6LinkLocal: !loopback,
    multicast: [],
    counters: { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0, txErrors: 0, txCarrierErrors: 0 },
    ...over,
  };
}

export function lo(): Link {
  return link(
    1,
    'lo',
    { kind: 'loopback' },
    {
      mtu: 65536,
      mac: '00:00:00:00:00:00',
      state: { up: true, carrier: true, operstate: 'UNKNOWN' },
      ipv4: [{ ip: ip('127.0.0.1'), len: 8, scope: 'host' }],
      ipv6LinkLocal: false,
    },
  );
}

export function addr(text: string, options: { brd?: boolean; scope?: Ipv4Address['scope'] } = {}): Ipv4Address {
  const [a, len] = text.split('/') as [string, string];
  const c = net(text);
  const broadcast = options.brd ? (c.addr + 2 ** (32 - c.len) - 1) >>> 0 : undefined;
  return { ip: ip(a), len: Number(len), scope: options.scope ?? 'global', ...(broadcast !== undefined ? { broadcast } : {}) };
}

export function etherMulticast(mac: Mac): Mac[] {
  return ['33:33:00:00:00:01', '01:00:5e:00:00:01', solicitedNodeMulticastMac(mac)];
}

export function bridgeMulticast(mac: Mac | undefined): Mac[] {
  const base = ['33:33:00:00:00:01', '01:00:5e:00:00:6a', '33:33:00:00:00:6a', '01:00:5e:00:00:01'];
  return mac ? [...base, solicitedNodeMulticastMac(mac)] : base;
}

export const BRIDGE_DEFAULTS: BridgeInfo = {
  kind: 'bridge',
  stpState: 0,
  priority: 32768,
  vlanFiltering: false,
  forwardDelay: 1500,
  helloTime: 200,
  maxAge: 2000,
  ageingTime: 30000,
};

export function port(bridge: string, portNo: number): BridgePort {
  return { bridge, portNo, hairpin: true, learning: true, flood: true, priority: 32, cost: 2, state: 'forwarding' };
}

type RouteSpec = Partial<Route> & { dst: Cidr };

export function route(spec: RouteSpec): Route {
  return { table: 254, type: 'unicast', protocol: RTPROT.boot, scope: 'universe', ...spec };
}

/** What the kernel adds for `ip addr add` (fib_add_ifaddr), for the fixture's local table. */
function kernelRoutes(l: Link): Route[] {
  const out: Route[] = [];
  for (const a of l.ipv4) {
    const k = { protocol: RTPROT.kernel, prefsrc: a.ip, dev: l.name };
    const prefix = net(`${a.ip >>> 24}.${(a.ip >>> 16) & 255}.${(a.ip >>> 8) & 255}.${a.ip & 255}/${a.len}`);
    out.push(route({ ...k, table: 255, type: 'local', dst: { addr: a.ip, len: 32 }, scope: 'host' }));
    if (a.len < 32) {
      if (l.info.kind === 'loopback') out.push(route({ ...k, table: 255, type: 'local', dst: prefix, scope: 'host' }));
      else if (l.state.up) out.push(route({ ...k, table: 254, dst: prefix, scope: 'link' }));
    }
    // The kernel adds the subnet broadcast route whether or not the address has a brd (fib_add_ifaddr).
    if (a.len < 31 && l.state.up) {
      const bcast = (prefix.addr + 2 ** (32 - prefix.len) - 1) >>> 0;
      out.push(route({ ...k, table: 255, type: 'broadcast', dst: { addr: bcast, len: 32 }, scope: 'link' }));
    }
  }
  return out;
}

function tables(links: readonly Link[], extra: Route[]): Map<number, Route[]> {
  const all = [...links.flatMap(kernelRoutes), ...extra];
  const map = new Map<number, Route[]>();
  for (const r of all) {
    if (!map.has(r.table)) map.set(r.table, []);
    map.get(r.table)!.push(r);
  }
  for (const list of map.values()) list.sort(fibOrder);
  return map;
}

export function netns(
  id: string,
  hostname: string,
  links: Link[],
  extra: {
    routes?: Route[];
    neighbours?: Neighbour[];
    fdb?: FdbEntry[];
    netfilter?: NetfilterTable[];
    files?: Record<string, string>;
    sysctls?: Record<string, string>;
  } = {},
): NetNs {
  return {
    id,
    kind: 'node',
    displayName: hostname,
    hostname,
    links,
    routes: tables(links, extra.routes ?? []),
    rules: DEFAULT_POLICY_RULES,
    neighbours: extra.neighbours ?? [],
    fdb: extra.fdb ?? [],
    sysctls: new Map(Object.entries(extra.sysctls ?? {})),
    netfilter: { tables: extra.netfilter ?? [] },
    files: new Map(Object.entries(extra.files ?? {})),
  };
}

// ---------------------------------------------------------------- iptables helpers

export function rule(parts: Partial<IptRule> & { matches?: Match[]; target?: Target }): IptRule {
  return { matches: [], ...parts };
}
const comment = (text: string): Match => ({ module: 'comment', comment: text });
const jump = (chain: string): Target => ({ kind: 'jump', chain });
const src = (c: string, negate = false) => ({ value: net(c), ...(negate ? { negate } : {}) });

export function chain(name: string, rules: IptRule[], policy?: 'ACCEPT' | 'DROP'): Chain {
  return { name, rules, ...(policy ? { policy } : {}) };
}

/** test/render/real/lab/rules.txt as netlab state (chains deliberately not in sorted order). */
export function labNetfilter(): NetfilterTable[] {
  const fwd = comment('flanneld forward');
  const masq = comment('flanneld masq');
  const web = comment('default/web:http');
  const tcp = (dport?: number): Match => ({ module: 'tcp', ...(dport !== undefined ? { dport: { value: dport } } : {}) });
  const filter: NetfilterTable = {
    name: 'filter',
    chains: [
      chain(
        'INPUT',
        [
          rule({
            inIface: { value: 'eth0' },
            protocol: { value: 'udp' },
            matches: [{ module: 'udp', sport: { value: 53 }, dport: { value: 1000 } }],
            target: { kind: 'ACCEPT' },
          }),
          rule({
            inIface: { value: 'lo', negate: true },
            protocol: { value: 'icmp' },
            matches: [{ module: 'icmp', icmpType: '8' }],
            target: { kind: 'ACCEPT' },
          }),
          rule({ protocol: { value: 'tcp' }, matches: [{ module: 'multiport', dports: [80, 443] }], target: { kind: 'ACCEPT' } }),
          rule({ matches: [{ module: 'addrtype', dstType: { value: 'LOCAL' } }], target: { kind: 'ACCEPT' } }),
          rule({ matches: [{ module: 'physdev', isBridged: true }], target: { kind: 'ACCEPT' } }),
          rule({ matches: [{ module: 'mark', value: 0x10, mask: 0x10, negate: true }], target: { kind: 'ACCEPT' } }),
        ],
        'ACCEPT',
      ),
      chain(
        'FORWARD',
        [
          rule({ matches: [fwd], target: jump('FLANNEL-FWD') }),
          rule({ matches: [comment('kubernetes forwarding rules')], target: jump('KUBE-FORWARD') }),
        ],
        'ACCEPT',
      ),
      chain(
        'OUTPUT',
        [
          rule({ src: src('1.2.3.4/32'), outIface: { value: 'eth0' }, target: { kind: 'DROP' } }),
          rule({ matches: [{ module: 'set', name: 'KUBE-X', flags: ['dst', 'dst'] }], target: { kind: 'ACCEPT' } }),
          rule({ matches: [{ module: 'conntrack', ctstate: ['NEW'], negate: true }], target: { kind: 'goto', chain: 'cali-x' } }),
          rule({
            protocol: { value: 'tcp' },
            matches: [{ module: 'tcp', dport: { value: 22, negate: true } }],
            target: { kind: 'ACCEPT' },
          }),
        ],
        'ACCEPT',
      ),
      chain('cali-x', [rule({ target: { kind: 'MARK', value: 0x10000, mask: 0x10000 } }), rule({ src: src('10.0.0.0/8') })]),
      chain('KUBE-SERVICES', [
        rule({
          dst: src('10.96.0.50/32'),
          protocol: { value: 'tcp' },
          matches: [comment('default/nopods:http has no endpoints'), tcp(80)],
          target: { kind: 'REJECT', rejectWith: 'icmp-port-unreachable' },
        }),
      ]),
      chain('FLANNEL-FWD', [
        rule({ src: src('10.244.0.0/16'), matches: [fwd], target: { kind: 'ACCEPT' } }),
        rule({ dst: src('10.244.0.0/16'), matches: [fwd], target: { kind: 'ACCEPT' } }),
      ]),
      chain('KUBE-FORWARD', [
        rule({ matches: [{ module: 'conntrack', ctstate: ['INVALID'] }], target: { kind: 'DROP' } }),
        rule({
          matches: [comment('kubernetes forwarding rules'), { module: 'mark', value: 0x4000, mask: 0x4000 }],
          target: { kind: 'ACCEPT' },
        }),
        rule({
          matches: [comment('kubernetes forwarding conntrack rule'), { module: 'conntrack', ctstate: ['RELATED', 'ESTABLISHED'] }],
          target: { kind: 'ACCEPT' },
        }),
      ]),
    ],
  };
  const svc = comment('default/web:http cluster IP');
  const nat: NetfilterTable = {
    name: 'nat',
    chains: [
      chain('PREROUTING', [rule({ matches: [comment('kubernetes service portals')], target: jump('KUBE-SERVICES') })], 'ACCEPT'),
      chain('INPUT', [], 'ACCEPT'),
      chain(
        'OUTPUT',
        [
          rule({ matches: [comment('kubernetes service portals')], target: jump('KUBE-SERVICES') }),
          rule({ protocol: { value: 'tcp' }, matches: [tcp(8080)], target: { kind: 'REDIRECT', toPorts: 80 } }),
          rule({ dst: src('10.1.1.2/32'), target: { kind: 'DNAT', to: { ip: ip('10.3.3.3') } } }),
        ],
        'ACCEPT',
      ),
      chain(
        'POSTROUTING',
        [
          rule({ matches: [comment('kubernetes postrouting rules')], target: jump('KUBE-POSTROUTING') }),
          rule({ matches: [masq], target: jump('FLANNEL-POSTRTG') }),
          rule({ dst: src('10.1.1.1/32'), protocol: { value: 'tcp' }, target: { kind: 'SNAT', to: ip('10.2.2.2'), randomFully: true } }),
          rule({ protocol: { value: 'udp' }, target: { kind: 'MASQUERADE', toPorts: '1000-2000' } }),
        ],
        'ACCEPT',
      ),
      chain('FLANNEL-POSTRTG', [
        rule({ matches: [{ module: 'mark', value: 0x4000, mask: 0x4000 }, masq], target: { kind: 'RETURN' } }),
        rule({ src: src('10.244.1.0/24'), dst: src('10.244.0.0/16'), matches: [masq], target: { kind: 'RETURN' } }),
        rule({ src: src('10.244.0.0/16'), dst: src('10.244.1.0/24'), matches: [masq], target: { kind: 'RETURN' } }),
        rule({ src: src('10.244.0.0/16', true), dst: src('10.244.1.0/24'), matches: [masq], target: { kind: 'RETURN' } }),
        rule({
          src: src('10.244.0.0/16'),
          dst: src('224.0.0.0/4', true),
          matches: [masq],
          target: { kind: 'MASQUERADE', randomFully: true },
        }),
        rule({
          src: src('10.244.0.0/16', true),
          dst: src('10.244.0.0/16'),
          matches: [masq],
          target: { kind: 'MASQUERADE', randomFully: true },
        }),
      ]),
      chain('KUBE-MARK-MASQ', [rule({ target: { kind: 'MARK', value: 0x4000, mask: 0x4000 } })]),
      chain('KUBE-POSTROUTING', [
        rule({ matches: [{ module: 'mark', value: 0x4000, mask: 0x4000, negate: true }], target: { kind: 'RETURN' } }),
        rule({ target: { kind: 'MARK', value: 0x4000, mask: 0 } }),
        rule({ matches: [comment('kubernetes service traffic requiring SNAT')], target: { kind: 'MASQUERADE', randomFully: true } }),
      ]),
      chain('KUBE-SEP-ABC', [
        rule({ src: src('10.244.1.2/32'), matches: [web], target: jump('KUBE-MARK-MASQ') }),
        rule({ protocol: { value: 'tcp' }, matches: [web, tcp()], target: { kind: 'DNAT', to: { ip: ip('10.244.1.2'), port: 80 } } }),
      ]),
      chain('KUBE-SEP-DEF', [
        rule({
          protocol: { value: 'tcp' },
          matches: [web, { module: 'recent', action: 'set', name: 'KUBE-SEP-DEF', side: 'source', mask: '255.255.255.255' }, tcp()],
          target: { kind: 'DNAT', to: { ip: ip('10.244.2.2'), port: 80 } },
        }),
      ]),
      chain('KUBE-SERVICES', [
        rule({ dst: src('10.96.0.10/32'), protocol: { value: 'tcp' }, matches: [svc, tcp(80)], target: jump('KUBE-SVC-XYZ') }),
        rule({
          matches: [
            comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
            { module: 'addrtype', dstType: { value: 'LOCAL' } },
          ],
          target: jump('KUBE-NODEPORTS'),
        }),
      ]),
      chain('KUBE-SVC-XYZ', [
        rule({
          src: src('10.244.0.0/16', true),
          dst: src('10.96.0.10/32'),
          protocol: { value: 'tcp' },
          matches: [svc, tcp(80)],
          target: jump('KUBE-MARK-MASQ'),
        }),
        rule({
          matches: [
            comment('default/web:http -> 10.244.1.2:80'),
            {
              module: 'recent',
              action: 'rcheck',
              seconds: 10800,
              reap: true,
              name: 'KUBE-SEP-ABC',
              side: 'source',
              mask: '255.255.255.255',
            },
          ],
          target: jump('KUBE-SEP-ABC'),
        }),
        rule({
          matches: [comment('default/web:http -> 10.244.1.2:80'), { module: 'statistic', mode: 'random', probability: 0.5 }],
          target: jump('KUBE-SEP-ABC'),
        }),
        rule({ matches: [comment('default/web:http -> 10.244.2.2:80')], target: jump('KUBE-SEP-DEF') }),
      ]),
      chain('KUBE-NODEPORTS', [rule({ protocol: { value: 'tcp' }, matches: [web, tcp(30080)], target: jump('KUBE-SVC-XYZ') })]),
    ],
  };
  const raw: NetfilterTable = {
    name: 'raw',
    chains: [
      chain(
        'PREROUTING',
        [rule({ protocol: { value: 'udp' }, matches: [{ module: 'udp', dport: { value: 8472 } }], target: { kind: 'NOTRACK' } })],
        'ACCEPT',
      ),
      chain('OUTPUT', [], 'ACCEPT'),
    ],
  };
  // Only the hint chain: the built-ins come from iptables-nft's listing.
  const mangle: NetfilterTable = { name: 'mangle', chains: [chain('KUBE-IPTABLES-HINT', [])] };
  // The builder's table order (raw first) is not the listing order; the renderer sorts.
  return [raw, filter, nat, mangle];
}

// ---------------------------------------------------------------- the lab namespaces

function veth(
  ifindex: number,
  name: string,
  mac: Mac,
  peer: { netns: string; ifindex: number; name: string },
  over: Partial<Link> = {},
): Link {
  return link(
    ifindex,
    name,
    { kind: 'veth', peer: { ...peer, linkNetns: { name: peer.netns } } },
    { mac, multicast: etherMulticast(mac), ...over },
  );
}

/** rnd-n1: a flannel vxlan node (10.234.2.11, lease 10.244.1.0/24) with two pods on cni0. */
export function labNode(): NetNs {
  const links: Link[] = [
    lo(),
    veth(2, 'eth0', '52:54:00:12:34:01', { netns: 'rnd-ul', ifindex: 3, name: 'ul1' }, { ipv4: [addr('10.234.2.11/24')] }),
    link(
      3,
      'flannel.1',
      { kind: 'vxlan', id: 1, local: ip('10.234.2.11'), dev: 'eth0', dstport: 8472, learning: false, ageing: 300 },
      {
        mac: '6a:1f:3c:00:00:01',
        mtu: 1450,
        state: { up: true, carrier: true, operstate: 'UNKNOWN' },
        ipv4: [addr('10.244.1.0/32')],
        multicast: etherMulticast('6a:1f:3c:00:00:01'),
      },
    ),
    link(4, 'cni0', BRIDGE_DEFAULTS, {
      mac: '7e:2c:91:00:00:01',
      mtu: 1450,
      ipv4: [addr('10.244.1.1/24', { brd: true })],
      multicast: bridgeMulticast('7e:2c:91:00:00:01'),
    }),
    veth(
      5,
      'veth1a2b3c4d',
      '2a:33:44:01:01:02',
      { netns: 'rnd-p1', ifindex: 2, name: 'eth0' },
      { mtu: 1450, bridgePort: port('cni0', 1), promiscuity: 1, allmulti: 1 },
    ),
    veth(
      6,
      'veth5e6f7a8b',
      '2a:33:44:01:01:03',
      { netns: 'rnd-p1b', ifindex: 2, name: 'eth0' },
      { mtu: 1450, bridgePort: port('cni0', 2), promiscuity: 1, allmulti: 1 },
    ),
  ];
  return netns('rnd-n1', 'node-01', links, {
    routes: [
      route({ dst: net('0.0.0.0/0'), gateway: ip('10.234.2.254'), dev: 'eth0' }),
      route({ dst: net('10.244.2.0/24'), gateway: ip('10.244.2.0'), dev: 'flannel.1', onlink: true }),
    ],
    neighbours: [
      { ip: ip('10.234.2.12'), dev: 'eth0', lladdr: '52:54:00:12:34:02', state: 'REACHABLE' },
      { ip: ip('10.244.1.2'), dev: 'cni0', lladdr: '0e:11:22:01:01:02', state: 'DELAY' },
      { ip: ip('10.244.2.0'), dev: 'flannel.1', lladdr: '6a:1f:3c:00:00:02', state: 'PERMANENT' },
      // The lab's underlay has no router: resolving the default gateway failed.
      { ip: ip('10.234.2.254'), dev: 'eth0', state: 'FAILED' },
    ],
    fdb: [
      { mac: '6a:1f:3c:00:00:02', dev: 'flannel.1', self: true, dst: ip('10.234.2.12'), permanent: true },
      { mac: '0e:11:22:01:01:02', dev: 'veth1a2b3c4d', master: 'cni0', self: false, permanent: false },
      { mac: '0e:11:22:01:01:03', dev: 'veth5e6f7a8b', master: 'cni0', self: false, permanent: false },
    ],
    netfilter: labNetfilter(),
    files: {
      '/run/flannel/subnet.env': 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
    },
    sysctls: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1' },
  });
}

/** rnd-p1: pod 10.244.1.2 on node 1. */
export function labPod(): NetNs {
  const links: Link[] = [
    lo(),
    veth(
      2,
      'eth0',
      '0e:11:22:01:01:02',
      { netns: 'rnd-n1', ifindex: 5, name: 'veth1a2b3c4d' },
      { mtu: 1450, ipv4: [addr('10.244.1.2/24')] },
    ),
  ];
  return {
    ...netns('rnd-p1', 'pod-1', links, {
      routes: [
        route({ dst: net('0.0.0.0/0'), gateway: ip('10.244.1.1'), dev: 'eth0' }),
        route({ dst: net('10.244.0.0/16'), gateway: ip('10.244.1.1'), dev: 'eth0' }),
      ],
      neighbours: [
        { ip: ip('10.244.1.1'), dev: 'eth0', lladdr: '7e:2c:91:00:00:01', state: 'REACHABLE' },
        { ip: ip('10.244.1.3'), dev: 'eth0', lladdr: '0e:11:22:01:01:03', state: 'REACHABLE' },
      ],
    }),
    kind: 'pod',
  };
}

/** rnd-x: special route types, a TUN without a process, an empty bridge, a veth pair with one end down. */
export function labMisc(): NetNs {
  const same = (name: string, ifindex: number) => ({ netns: 'rnd-x', ifindex, name });
  const links: Link[] = [
    lo(),
    veth(2, 'eth1', '52:54:00:aa:00:02', same('eth0', 3)),
    veth(3, 'eth0', '52:54:00:aa:00:01', same('eth1', 2), { ipv4: [addr('192.168.50.10/24', { brd: true })] }),
    link(
      4,
      'flannel0',
      { kind: 'tun', type: 'tun', pi: false, vnetHdr: false, persist: true },
      {
        mtu: 1472,
        state: { up: true, carrier: false, operstate: 'DOWN' },
        qdisc: 'pfifo_fast',
        txqueuelen: 500,
        tsoMaxSize: 65536,
        ipv4: [addr('10.244.5.0/32')],
        ipv6LinkLocal: false,
      },
    ),
    link(5, 'br9', BRIDGE_DEFAULTS, {
      mac: '02:42:11:22:33:44',
      state: { up: true, carrier: false, operstate: 'DOWN' },
      tsoMaxSize: 65536,
      ipv6LinkLocal: false,
      multicast: bridgeMulticast(undefined),
    }),
    veth(6, 'vethd2', '52:54:00:bb:00:02', same('vethd1', 7), {
      state: { up: false, carrier: false, operstate: 'DOWN' },
      qdisc: 'noop',
      ipv6LinkLocal: false,
      multicast: ['33:33:00:00:00:01'],
    }),
    veth(7, 'vethd1', '52:54:00:bb:00:01', same('vethd2', 6), {
      state: { up: true, carrier: false, operstate: 'LOWERLAYERDOWN' },
      ipv6LinkLocal: false,
      multicast: ['33:33:00:00:00:01', '01:00:5e:00:00:01'],
    }),
  ];
  return netns('rnd-x', 'misc', links, {
    routes: [
      route({ dst: net('0.0.0.0/0'), gateway: ip('192.168.50.1'), dev: 'eth0', protocol: 16, prefsrc: ip('192.168.50.10'), metric: 100 }),
      route({ dst: net('10.96.0.0/12'), gateway: ip('192.168.50.1'), dev: 'eth0', metric: 50 }),
      route({ dst: net('172.16.0.0/16'), gateway: ip('192.168.50.1'), dev: 'eth0', protocol: RTPROT.static }),
      route({ dst: net('10.244.96.0/26'), type: 'blackhole', protocol: RTPROT.bird }),
      route({ dst: net('10.99.0.0/16'), type: 'unreachable' }),
      route({ dst: net('10.98.0.0/16'), type: 'prohibit' }),
      route({ dst: net('10.244.200.0/26'), gateway: ip('10.244.200.0'), dev: 'eth0', protocol: 80, onlink: true, mtu: 1450 }),
      route({ dst: net('10.244.96.1/32'), dev: 'eth0', scope: 'link' }),
      route({ dst: net('10.244.0.0/16'), dev: 'flannel0', scope: 'link' }),
    ],
  });
}

// ---------------------------------------------------------------- kernel-facts.md's LAB node

/**
 * The flannel vxlan node of kernel-facts.md §1.7/§2.2 (node 192.168.1.10,
 * lease 10.244.0.0/24, one peer 10.244.1.0/24 at 192.168.1.11) and its pod.
 */
export function kfNode(): NetNs {
  const links: Link[] = [
    lo(),
    veth(2, 'eth0', 'c2:5c:1b:c8:c0:42', { netns: 'rx-node2', ifindex: 2, name: 'eth0' }, { ipv4: [addr('192.168.1.10/24')] }),
    link(
      3,
      'flannel.1',
      { kind: 'vxlan', id: 1, local: ip('192.168.1.10'), dev: 'eth0', dstport: 8472, learning: false, ageing: 300 },
      {
        mac: '52:1f:57:62:d4:b2',
        mtu: 1450,
        state: { up: true, carrier: true, operstate: 'UNKNOWN' },
        ipv4: [addr('10.244.0.0/32')],
        multicast: etherMulticast('52:1f:57:62:d4:b2'),
      },
    ),
    link(4, 'cni0', BRIDGE_DEFAULTS, {
      mac: '46:2d:ab:94:2c:e7',
      mtu: 1450,
      ipv4: [addr('10.244.0.1/24', { brd: true })],
      multicast: bridgeMulticast('46:2d:ab:94:2c:e7'),
      counters: { rxPackets: 77, rxBytes: 4764, txPackets: 65, txBytes: 5850, rxDropped: 0, txDropped: 0, txErrors: 0, txCarrierErrors: 0 },
    }),
    veth(
      5,
      'veth3f2a9c1d',
      'ba:80:61:06:cc:c5',
      { netns: 'rx-pod1', ifindex: 2, name: 'eth0' },
      { mtu: 1450, bridgePort: port('cni0', 1), promiscuity: 1, allmulti: 1 },
    ),
    veth(
      6,
      'veth8b7e0a44',
      'c6:b0:5e:05:61:16',
      { netns: 'rx-pod1b', ifindex: 2, name: 'eth0' },
      { mtu: 1450, bridgePort: port('cni0', 2), promiscuity: 1, allmulti: 1 },
    ),
  ];
  const fwd = comment('flanneld forward');
  const masq = comment('flanneld masq');
  return netns('rx-node1', 'node1', links, {
    routes: [
      route({ dst: net('0.0.0.0/0'), gateway: ip('192.168.1.1'), dev: 'eth0', onlink: true }),
      route({ dst: net('10.244.1.0/24'), gateway: ip('10.244.1.0'), dev: 'flannel.1', onlink: true }),
    ],
    neighbours: [
      { ip: ip('10.244.1.0'), dev: 'flannel.1', lladdr: '12:95:af:32:12:57', state: 'PERMANENT' },
      { ip: ip('192.168.1.11'), dev: 'eth0', lladdr: '9e:19:ad:be:72:14', state: 'REACHABLE' },
      { ip: ip('10.244.0.2'), dev: 'cni0', lladdr: '4e:42:14:cb:3b:b6', state: 'REACHABLE' },
    ],
    fdb: [
      { mac: '12:95:af:32:12:57', dev: 'flannel.1', self: true, dst: ip('192.168.1.11'), permanent: true },
      { mac: '4e:42:14:cb:3b:b6', dev: 'veth3f2a9c1d', master: 'cni0', self: false, permanent: false },
      { mac: '6a:fd:8f:e4:3e:10', dev: 'veth8b7e0a44', master: 'cni0', self: false, permanent: false },
    ],
    netfilter: [
      {
        name: 'filter',
        chains: [
          chain('INPUT', [], 'ACCEPT'),
          chain('FORWARD', [rule({ matches: [fwd], target: jump('FLANNEL-FWD') })], 'ACCEPT'),
          chain('OUTPUT', [], 'ACCEPT'),
          chain('FLANNEL-FWD', [
            rule({ src: src('10.244.0.0/16'), matches: [fwd], target: { kind: 'ACCEPT' } }),
            rule({ dst: src('10.244.0.0/16'), matches: [fwd], target: { kind: 'ACCEPT' } }),
          ]),
        ],
      },
      {
        name: 'nat',
        chains: [
          chain('PREROUTING', [], 'ACCEPT'),
          chain('INPUT', [], 'ACCEPT'),
          chain('OUTPUT', [], 'ACCEPT'),
          chain('POSTROUTING', [rule({ matches: [masq], target: jump('FLANNEL-POSTRTG') })], 'ACCEPT'),
          chain('FLANNEL-POSTRTG', [
            rule({ matches: [{ module: 'mark', value: 0x4000, mask: 0x4000 }, masq], target: { kind: 'RETURN' } }),
            rule({ src: src('10.244.0.0/24'), dst: src('10.244.0.0/16'), matches: [masq], target: { kind: 'RETURN' } }),
            rule({ src: src('10.244.0.0/16'), dst: src('10.244.0.0/24'), matches: [masq], target: { kind: 'RETURN' } }),
            rule({ src: src('10.244.0.0/16', true), dst: src('10.244.0.0/24'), matches: [masq], target: { kind: 'RETURN' } }),
            rule({
              src: src('10.244.0.0/16'),
              dst: src('224.0.0.0/4', true),
              matches: [masq],
              target: { kind: 'MASQUERADE', randomFully: true },
            }),
            rule({
              src: src('10.244.0.0/16', true),
              dst: src('10.244.0.0/16'),
              matches: [masq],
              target: { kind: 'MASQUERADE', randomFully: true },
            }),
          ]),
        ],
      },
    ],
  });
}
