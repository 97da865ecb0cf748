/**
 * The nftables evaluator on hand-built rulesets shaped like kube-proxy's
 * (upstream pkg/proxy/nftables/proxier_test.go, TestOverallNFTablesRules):
 * statements, the jump stack, maps as one rule, NAT bindings and the order
 * of nftables base chains among the iptables tables at a hook.
 */
import { describe, expect, it } from 'vitest';
import { NetnsBuilder } from '../../src/kernel/builder.js';
import { loopback, physicalNic } from '../../src/kernel/devices.js';
import type { NetNs } from '../../src/kernel/netns.js';
import type { IptRule } from '../../src/kernel/netfilter/rule.js';
import type {
  NftChain,
  NftElement,
  NftRule,
  NftSelector,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdict,
} from '../../src/kernel/nftables.js';
import { parseCidr } from '../../src/net/cidr.js';
import { formatIPv4, parseIPv4 } from '../../src/net/ipv4.js';
import { runHook } from '../../src/dataplane/netfilter/priority.js';
import { NftDynamicSets } from '../../src/dataplane/netfilter/nft-sets.js';
import type { CtState, HookContext } from '../../src/dataplane/netfilter/types.js';
import { branchProbability, forcedChoice, statisticFromSeed } from '../../src/flow/random.js';
import type { Packet } from '../../src/flow/packet.js';
import type { BuiltinChain } from '../../src/kernel/netfilter/rule.js';

const ip = (s: string) => parseIPv4(s)!;
const addr = (s: string): NftValue => ({ kind: 'addr', value: ip(s) });
const prefix = (s: string): NftValue => ({ kind: 'prefix', value: parseCidr(s)! });
const proto = (p: 'tcp' | 'udp'): NftValue => ({ kind: 'proto', value: p });
const port = (n: number): NftValue => ({ kind: 'port', value: n });
const symbol = (s: string): NftValue => ({ kind: 'symbol', value: s });

const saddr: NftSelector = { kind: 'ip', field: 'saddr' };
const daddr: NftSelector = { kind: 'ip', field: 'daddr' };
const l4proto: NftSelector = { kind: 'l4proto' };
const thDport: NftSelector = { kind: 'port', header: 'th', field: 'dport' };
const mark: NftSelector = { kind: 'mark' };
const ctState: NftSelector = { kind: 'ct-state' };

const goto = (chain: string): NftVerdict => ({ kind: 'goto', chain });
const jump = (chain: string): NftVerdict => ({ kind: 'jump', chain });
const verdict = (v: NftVerdict): NftStatement => ({ kind: 'verdict', verdict: v });
const match = (selector: NftSelector, values: NftValue[], op: '==' | '!=' = '=='): NftStatement => ({
  kind: 'match',
  selector,
  op,
  values,
});
const rule = (...statements: NftStatement[]): NftRule => ({ statements });
const chain = (name: string, rules: NftRule[], base?: NftChain['base']): NftChain => ({ name, rules, ...(base ? { base } : {}) });
const element = (key: NftValue[], value: NftVerdict): NftElement => ({ key, value });
const vmap = (name: string, keyType: string[], elements: NftElement[]): NftSet => ({
  kind: 'map',
  name,
  keyType,
  dataType: 'verdict',
  elements,
});

const POD_CIDR = '10.244.0.0/16';
const NODE_IP = '192.168.0.2';
const EP1 = '10.244.1.2';
const EP2 = '10.244.2.2';
const SVC = '10.96.0.41';
const SVC_CHAIN = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
const ep = (ip: string) => `endpoint-X-ns1/svc1/tcp/p80__${ip}/80`;
const affinity = (ip: string) => `affinity-X-ns1/svc1/tcp/p80__${ip}/80`;

/** The endpoint chain kube-proxy writes: hairpin masquerade, (affinity update,) DNAT. */
function endpointChain(epIp: string, withAffinity: boolean): NftChain {
  return chain(ep(epIp), [
    rule(match(saddr, [addr(epIp)]), verdict(jump('mark-for-masquerade'))),
    ...(withAffinity ? [rule({ kind: 'set-update', set: affinity(epIp), selectors: [saddr] })] : []),
    rule(match(l4proto, [proto('tcp')]), { kind: 'dnat', addr: ip(epIp), port: 80 }),
  ]);
}

/** kube-proxy's `ip kube-proxy` table with one ClusterIP service of two endpoints, a NodePort and a service without endpoints. */
function kubeProxyTable(options: { affinity?: boolean; extraServices?: number } = {}): NftTable {
  const serviceIps: NftElement[] = [element([addr(SVC), proto('tcp'), port(80)], goto(SVC_CHAIN))];
  // Many more services, to show that the lookup stays one rule (and one hash lookup).
  for (let i = 0; i < (options.extraServices ?? 0); i++) {
    serviceIps.push(element([{ kind: 'addr', value: ip('10.97.0.0') + i }, proto('tcp'), port(80)], goto(`service-${i}`)));
  }
  const affinitySets: NftSet[] = options.affinity
    ? [EP1, EP2].map((e) => ({
        kind: 'set',
        name: affinity(e),
        keyType: ['ipv4_addr'],
        flags: ['dynamic', 'timeout'],
        timeout: 10800,
        elements: [],
      }))
    : [];
  return {
    family: 'ip',
    name: 'kube-proxy',
    sets: [
      { kind: 'set', name: 'cluster-ips', keyType: ['ipv4_addr'], elements: [{ key: [addr(SVC)] }, { key: [addr('10.96.0.46')] }] },
      { kind: 'set', name: 'nodeport-ips', keyType: ['ipv4_addr'], elements: [{ key: [addr(NODE_IP)] }] },
      vmap('service-ips', ['ipv4_addr', 'inet_proto', 'inet_service'], serviceIps),
      vmap(
        'service-nodeports',
        ['inet_proto', 'inet_service'],
        [element([proto('tcp'), port(30080)], goto('external-X-ns1/svc1/tcp/p80'))],
      ),
      vmap(
        'no-endpoint-services',
        ['ipv4_addr', 'inet_proto', 'inet_service'],
        [{ key: [addr('10.96.0.46'), proto('tcp'), port(80)], value: goto('reject-chain'), comment: 'ns6/svc6:p80' }],
      ),
      ...affinitySets,
    ],
    chains: [
      chain('cluster-ips-check', [
        rule({ kind: 'lookup', selectors: [daddr], set: 'cluster-ips' }, { kind: 'reject' }),
        rule(match(daddr, [prefix('10.96.0.0/12')]), verdict({ kind: 'drop' })),
      ]),
      chain(
        'filter-forward',
        [
          rule(match(ctState, [symbol('new')]), verdict(jump('service-endpoints-check'))),
          rule(match(ctState, [symbol('new')]), verdict(jump('cluster-ips-check'))),
        ],
        {
          type: 'filter',
          hook: 'forward',
          priority: 0,
          policy: 'accept',
        },
      ),
      chain('mark-for-masquerade', [rule({ kind: 'mark-set', op: 'or', value: 0x4000 })]),
      chain('masquerading', [
        rule(
          { kind: 'match', selector: mark, op: '==', values: [{ kind: 'number', value: 0 }], mask: 0x4000 },
          verdict({ kind: 'return' }),
        ),
        rule({ kind: 'mark-set', op: 'xor', value: 0x4000 }),
        rule({ kind: 'masquerade', fullyRandom: true }),
      ]),
      chain('nat-postrouting', [rule(verdict(jump('masquerading')))], {
        type: 'nat',
        hook: 'postrouting',
        priority: 100,
        policy: 'accept',
      }),
      chain('nat-prerouting', [rule(verdict(jump('services')))], { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' }),
      chain('reject-chain', [rule({ kind: 'reject' })]),
      chain('services', [
        rule({ kind: 'vmap', selectors: [daddr, l4proto, thDport], map: { name: 'service-ips' } }),
        rule(
          { kind: 'lookup', selectors: [daddr], set: 'nodeport-ips' },
          { kind: 'vmap', selectors: [l4proto, thDport], map: { name: 'service-nodeports' } },
        ),
      ]),
      chain('service-endpoints-check', [
        rule({ kind: 'vmap', selectors: [daddr, l4proto, thDport], map: { name: 'no-endpoint-services' } }),
      ]),
      chain(SVC_CHAIN, [
        rule(match(daddr, [addr(SVC)]), match(saddr, [prefix(POD_CIDR)], '!='), verdict(jump('mark-for-masquerade'))),
        ...(options.affinity
          ? [EP1, EP2].map((e) => rule({ kind: 'lookup', selectors: [saddr], set: affinity(e) }, verdict(goto(ep(e)))))
          : []),
        rule({
          kind: 'numgen-vmap',
          mod: 2,
          elements: [
            { value: 0, verdict: goto(ep(EP1)) },
            { value: 1, verdict: goto(ep(EP2)) },
          ],
        }),
      ]),
      chain('external-X-ns1/svc1/tcp/p80', [rule(verdict(jump('mark-for-masquerade'))), rule(verdict(goto(SVC_CHAIN)))]),
      endpointChain(EP1, !!options.affinity),
      endpointChain(EP2, !!options.affinity),
      ...Array.from({ length: options.extraServices ?? 0 }, (_, i) => chain(`service-${i}`, [rule(verdict({ kind: 'accept' }))])),
    ],
  };
}

interface NsOptions {
  readonly tables?: NftTable[];
  readonly iptables?: (ns: NetnsBuilder) => void;
}

function node({ tables = [kubeProxyTable()], iptables }: NsOptions = {}): NetNs {
  const ns = new NetnsBuilder('node/t', 'node', 't', 't');
  ns.addLink(loopback());
  ns.addAddress('lo', ip('127.0.0.1'), 8, { broadcast: false, scope: 'host' });
  ns.addLink(physicalNic('eth0', '52:54:00:00:00:02', 1500));
  ns.addAddress('eth0', ip(NODE_IP), 24);
  iptables?.(ns);
  ns.setNftables(() => ({ tables }));
  return ns.finish();
}

function packet(src: string, dst: string, dport = 80, protocol: 'tcp' | 'udp' = 'tcp'): Packet {
  return { src: ip(src), dst: ip(dst), protocol, sport: 45678, dport, ttl: 64, length: 60, df: true, mark: 0 };
}

function context(ns: NetNs, hook: BuiltinChain, extra: Partial<HookContext> = {}): HookContext {
  return { ns, hook, ctState: 'NEW' as CtState, random: statisticFromSeed(1), masqueradeSource: () => ip(NODE_IP), ...extra };
}

describe('kube-proxy nat-prerouting: a pod to a ClusterIP', () => {
  const ns = node();

  it('is DNATed to the endpoint numgen picks, reported as one hit of `ip kube-proxy` with the chains passed on the way', () => {
    const choice = forcedChoice(1);
    const result = runHook(context(ns, 'PREROUTING', { random: choice.decide }), packet('10.244.1.3', SVC));
    expect(result.verdict).toBe('ACCEPT');
    expect(formatIPv4(result.packet.dst)).toBe(EP2);
    expect(result.nat).toMatchObject({ kind: 'DNAT' });
    expect(result.hits).toHaveLength(1);
    const [hit] = result.hits;
    // nat-prerouting jump services (1), the vmap (1), the masquerade rule (1), numgen (1), the hairpin rule (1), the dnat (1).
    expect(hit).toMatchObject({ table: 'ip kube-proxy', chain: ep(EP2), index: 1, verdict: 'DNAT', nat: 'DNAT', rulesEvaluated: 6 });
    expect(hit!.nft).toMatchObject({ baseChain: 'nat-prerouting', priority: -100 });
    expect(hit!.nft!.path).toEqual([
      { chain: 'nat-prerouting', index: 0, action: 'jump services' },
      { chain: 'services', index: 0, action: `goto ${SVC_CHAIN}`, via: 'vmap @service-ips' },
      { chain: SVC_CHAIN, index: 1, action: `goto ${ep(EP2)}`, via: 'numgen 1' },
    ]);
    expect(branchProbability(choice.decisions)).toBe(0.5);
  });

  it('numgen random mod 2 gives each endpoint half the connections', () => {
    const first = forcedChoice(0);
    runHook(context(ns, 'PREROUTING', { random: first.decide }), packet('10.244.1.3', SVC));
    expect(first.decisions).toEqual([{ probability: 0.5, taken: true }]);
    // The last value is taken without a decision of its own: --all-endpoints stops there.
    const second = forcedChoice(1);
    runHook(context(ns, 'PREROUTING', { random: second.decide }), packet('10.244.1.3', SVC));
    expect(second.decisions).toHaveLength(1);
  });

  it('a pod source is not marked for masquerade; the endpoint itself (hairpin) and a node source are', () => {
    const mark = (src: string) => runHook(context(ns, 'PREROUTING', { random: forcedChoice(0).decide }), packet(src, SVC)).packet.mark;
    expect(mark('10.244.1.3')).toBe(0);
    expect(mark(EP1)).toBe(0x4000);
    expect(mark(NODE_IP)).toBe(0x4000);
  });

  it('a port the map does not hold: the vmap rule does not match, the next rule is tried, the policy accepts', () => {
    const result = runHook(context(ns, 'PREROUTING'), packet('10.244.1.3', SVC, 443));
    expect(result.nat).toBeUndefined();
    expect(result.hits).toEqual([expect.objectContaining({ chain: 'nat-prerouting', verdict: 'policy ACCEPT', rulesEvaluated: 3 })]);
  });

  it('UDP to a TCP-only service misses the concatenated key (protocol is part of it)', () => {
    expect(runHook(context(ns, 'PREROUTING'), packet('10.244.1.3', SVC, 80, 'udp')).nat).toBeUndefined();
  });

  it('a NodePort: the set lookup on the node address, then the port map', () => {
    const result = runHook(context(ns, 'PREROUTING', { random: forcedChoice(0).decide }), packet('198.51.100.10', NODE_IP, 30080));
    expect(formatIPv4(result.packet.dst)).toBe(EP1);
    expect(result.packet.mark).toBe(0x4000);
    expect(result.hits[0]!.nft!.path.map((p) => p.via ?? p.action)).toEqual([
      'jump services',
      'vmap @service-nodeports',
      'jump mark-for-masquerade',
      `goto ${SVC_CHAIN}`,
      'numgen 0',
    ]);
  });

  it("nat chains run only for a connection's first packet", () => {
    expect(runHook(context(ns, 'PREROUTING', { ctState: 'ESTABLISHED' }), packet('10.244.1.3', SVC)).hits).toEqual([]);
  });

  it('a map of 10,000 services is one rule and a hash lookup: its elements are read once, to build the index', () => {
    const table = kubeProxyTable({ extraServices: 10_000 });
    const map = table.sets.find((s) => s.name === 'service-ips')!;
    let reads = 0;
    const counted = new Proxy(map.elements as NftElement[], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const big = node({ tables: [{ ...table, sets: table.sets.map((s) => (s === map ? { ...s, elements: counted } : s)) }] });
    const first = runHook(context(big, 'PREROUTING'), packet('10.244.1.3', SVC));
    expect(first.hits[0]!.rulesEvaluated).toBe(6);
    const afterIndex = reads;
    expect(afterIndex).toBeGreaterThanOrEqual(10_001);
    const again = runHook(context(big, 'PREROUTING'), packet('10.244.1.3', formatIPv4(ip('10.97.0.0') + 9_999)));
    expect(again.hits[0]).toMatchObject({ chain: 'service-9999', verdict: 'ACCEPT', rulesEvaluated: 3 });
    expect(again.hits[0]!.nft!.path[1]).toMatchObject({ action: 'goto service-9999', via: 'vmap @service-ips' });
    expect(reads).toBe(afterIndex);
  });
});

describe('kube-proxy nat-postrouting: masquerading by mark', () => {
  const ns = node();

  it('a packet marked 0x4000 has the mark cleared (xor) and is masqueraded to the egress address', () => {
    const result = runHook(context(ns, 'POSTROUTING', { outIface: 'eth0' }), { ...packet('198.51.100.10', EP1), mark: 0x4000 });
    expect(result.nat).toMatchObject({ kind: 'MASQUERADE' });
    expect(formatIPv4(result.packet.src)).toBe(NODE_IP);
    expect(result.packet.mark).toBe(0);
    expect(result.hits[0]).toMatchObject({ chain: 'masquerading', index: 2, verdict: 'MASQUERADE', rulesEvaluated: 4 });
  });

  it("an unmarked packet returns from masquerading (mark and 0x4000 == 0) and the base chain's policy accepts it", () => {
    const result = runHook(context(ns, 'POSTROUTING', { outIface: 'eth0' }), packet('10.244.1.3', EP1));
    expect(result.nat).toBeUndefined();
    expect(result.packet.src).toBe(ip('10.244.1.3'));
    expect(result.hits[0]).toMatchObject({ chain: 'nat-postrouting', verdict: 'policy ACCEPT', rulesEvaluated: 2 });
  });
});

describe('kube-proxy filter-forward: services without endpoints, unknown ports and addresses', () => {
  const ns = node();

  it('a service without endpoints: the no-endpoint-services map sends it to reject-chain: ICMP port unreachable', () => {
    const result = runHook(context(ns, 'FORWARD'), packet('10.244.1.3', '10.96.0.46'));
    expect(result.verdict).toBe('REJECT');
    expect(result.rejectWith).toBe('icmp-port-unreachable');
    expect(result.hits[0]).toMatchObject({ table: 'ip kube-proxy', chain: 'reject-chain', index: 0, verdict: 'REJECT', rulesEvaluated: 3 });
  });

  it('a port a cluster IP does not serve is rejected by cluster-ips-check; an unallocated cluster IP is dropped', () => {
    expect(runHook(context(ns, 'FORWARD'), packet('10.244.1.3', SVC, 443))).toMatchObject({ verdict: 'REJECT' });
    const unallocated = runHook(context(ns, 'FORWARD'), packet('10.244.1.3', '10.96.0.50'));
    expect(unallocated.verdict).toBe('DROP');
    expect(unallocated.hits[0]).toMatchObject({ chain: 'cluster-ips-check', index: 1 });
  });

  it('an established connection passes: `ct state new` does not match', () => {
    const result = runHook(context(ns, 'FORWARD', { ctState: 'ESTABLISHED' }), packet('10.244.1.3', '10.96.0.46'));
    expect(result.verdict).toBe('ACCEPT');
    expect(result.hits[0]).toMatchObject({ chain: 'filter-forward', verdict: 'policy ACCEPT', rulesEvaluated: 2 });
  });
});

describe('session affinity: update @set and the lookup that follows it', () => {
  it("the first connection records the client in its endpoint's set; the next one goes back there, whatever numgen would say", () => {
    const ns = node({ tables: [kubeProxyTable({ affinity: true })] });
    const nftSets = new NftDynamicSets();
    const first = runHook(context(ns, 'PREROUTING', { nftSets, random: forcedChoice(1).decide }), packet('10.244.1.3', SVC));
    expect(formatIPv4(first.packet.dst)).toBe(EP2);
    expect(nftSets.elements('node/t', kubeProxyTable(), affinity(EP2))).toEqual([{ key: [ip('10.244.1.3')], timeout: 10800 }]);
    const again = forcedChoice(0);
    const second = runHook(context(ns, 'PREROUTING', { nftSets, random: again.decide }), { ...packet('10.244.1.3', SVC), sport: 45679 });
    expect(formatIPv4(second.packet.dst)).toBe(EP2);
    expect(again.decisions).toEqual([]);
    expect(second.hits[0]!.nft!.path[2]).toEqual({ chain: SVC_CHAIN, index: 2, action: `goto ${ep(EP2)}` });
    // Another client is not affected.
    expect(
      formatIPv4(runHook(context(ns, 'PREROUTING', { nftSets, random: forcedChoice(0).decide }), packet('10.244.1.4', SVC)).packet.dst),
    ).toBe(EP1);
  });
});

describe('statements', () => {
  const only = (
    rules: NftRule[],
    sets: NftSet[] = [],
    hook: NftChain['base'] = { type: 'filter', hook: 'input', priority: 0, policy: 'accept' },
  ) =>
    node({
      tables: [
        {
          family: 'inet',
          name: 't',
          sets,
          chains: [
            chain('c', rules, hook),
            chain('sub', [rule(verdict({ kind: 'return' })), rule(verdict({ kind: 'drop' }))]),
            chain('dropper', [rule(verdict({ kind: 'drop' }))]),
          ],
        },
      ],
    });
  const input = (ns: NetNs, p: Packet, extra: Partial<HookContext> = {}) => runHook(context(ns, 'INPUT', extra), p);

  it('match against an anonymous set, and != against one (the LoadBalancerSourceRanges firewall)', () => {
    const ns = only([rule(match(saddr, [prefix('203.0.113.0/25')], '!='), verdict({ kind: 'drop' }))]);
    expect(input(ns, packet('203.0.113.2', NODE_IP)).verdict).toBe('ACCEPT');
    expect(input(ns, packet('203.0.113.130', NODE_IP)).verdict).toBe('DROP');
  });

  it('a masked match: mark and 0x4000 == 0x4000', () => {
    const ns = only([
      rule(
        { kind: 'match', selector: mark, op: '==', values: [{ kind: 'number', value: 0x4000 }], mask: 0x4000 },
        verdict({ kind: 'drop' }),
      ),
    ]);
    expect(input(ns, { ...packet('10.0.0.1', NODE_IP), mark: 0x4001 }).verdict).toBe('DROP');
    expect(input(ns, { ...packet('10.0.0.1', NODE_IP), mark: 0x1 }).verdict).toBe('ACCEPT');
  });

  it('a lookup in a named set with concatenated keys, negated, and with a prefix element (interval set)', () => {
    const sets: NftSet[] = [
      { kind: 'set', name: 'pairs', keyType: ['ipv4_addr', 'inet_service'], elements: [{ key: [addr('10.0.0.1'), port(22)] }] },
      { kind: 'set', name: 'nets', keyType: ['ipv4_addr'], flags: ['interval'], elements: [{ key: [prefix('172.16.0.0/12')] }] },
    ];
    const ns = only(
      [
        rule({ kind: 'lookup', selectors: [saddr, thDport], set: 'pairs' }, verdict({ kind: 'drop' })),
        rule({ kind: 'lookup', selectors: [saddr], set: 'nets', negate: true }, verdict({ kind: 'accept' })),
        rule(verdict({ kind: 'drop' })),
      ],
      sets,
    );
    expect(input(ns, packet('10.0.0.1', NODE_IP, 22)).hits[0]).toMatchObject({ index: 0, verdict: 'DROP' });
    expect(input(ns, packet('10.0.0.1', NODE_IP, 80)).hits[0]).toMatchObject({ index: 1, verdict: 'ACCEPT' });
    expect(input(ns, packet('172.20.0.1', NODE_IP, 80)).hits[0]).toMatchObject({ index: 2, verdict: 'DROP' });
  });

  it("an anonymous vmap gives the element's verdict; a key it lacks lets evaluation go on", () => {
    const ns = only([
      rule({
        kind: 'vmap',
        selectors: [thDport],
        map: { elements: [element([port(22)], { kind: 'drop' }), element([port(80)], { kind: 'accept' })] },
      }),
      rule(verdict(jump('dropper'))),
    ]);
    expect(input(ns, packet('10.0.0.1', NODE_IP, 22)).hits[0]).toMatchObject({ index: 0, verdict: 'DROP', rulesEvaluated: 1 });
    expect(input(ns, packet('10.0.0.1', NODE_IP, 80)).verdict).toBe('ACCEPT');
    expect(input(ns, packet('10.0.0.1', NODE_IP, 8080)).hits[0]).toMatchObject({ chain: 'dropper', verdict: 'DROP', rulesEvaluated: 3 });
  });

  it("jump returns to the next rule; goto does not come back, its end applies the base chain's policy", () => {
    const jumped = only([rule(verdict(jump('sub'))), rule(verdict({ kind: 'accept' }))], [], {
      type: 'filter',
      hook: 'input',
      priority: 0,
      policy: 'drop',
    });
    expect(input(jumped, packet('10.0.0.1', NODE_IP)).hits[0]).toMatchObject({
      chain: 'c',
      index: 1,
      verdict: 'ACCEPT',
      rulesEvaluated: 3,
    });
    const gone = only([rule(verdict(goto('sub'))), rule(verdict({ kind: 'accept' }))], [], {
      type: 'filter',
      hook: 'input',
      priority: 0,
      policy: 'drop',
    });
    expect(input(gone, packet('10.0.0.1', NODE_IP)).hits[0]).toMatchObject({
      chain: 'sub',
      index: 0,
      verdict: 'RETURN (policy DROP)',
      rulesEvaluated: 2,
    });
  });

  it("fib daddr type local reads the netns's local table; ct state matches the walk's conntrack state", () => {
    const fib: NftStatement = { kind: 'match', selector: { kind: 'fib-type', field: 'daddr' }, op: '==', values: [symbol('local')] };
    const ns = only([rule(fib, verdict({ kind: 'drop' }))]);
    expect(input(ns, packet('10.0.0.1', NODE_IP)).verdict).toBe('DROP');
    expect(input(ns, packet('10.0.0.1', '127.0.0.5')).verdict).toBe('DROP');
    expect(input(ns, packet('10.0.0.1', '192.168.0.3')).verdict).toBe('ACCEPT');
    const ct = only([rule(match(ctState, [symbol('established,related')]), verdict({ kind: 'accept' })), rule(verdict({ kind: 'drop' }))]);
    expect(input(ct, packet('10.0.0.1', NODE_IP), { ctState: 'RELATED' }).verdict).toBe('ACCEPT');
    expect(input(ct, packet('10.0.0.1', NODE_IP), { ctState: 'NEW' }).verdict).toBe('DROP');
  });

  it('reject with an ICMP type names it', () => {
    const ns = only([rule({ kind: 'reject', icmpType: 'host-unreachable' })]);
    expect(input(ns, packet('10.0.0.1', NODE_IP))).toMatchObject({ verdict: 'REJECT', rejectWith: 'icmp-host-unreachable' });
  });
});

describe('base chains among the iptables tables', () => {
  const dnatTo = (to: string): IptRule => ({
    dst: { value: parseCidr(`${SVC}/32`)! },
    matches: [],
    target: { kind: 'DNAT', to: { ip: ip(to) } },
  });
  const accept: IptRule = { matches: [], target: { kind: 'ACCEPT' } };
  const natTable = (name: string, priority: number, to: string): NftTable => ({
    family: 'ip',
    name,
    sets: [],
    chains: [
      chain('pre', [rule(match(daddr, [addr(SVC)]), { kind: 'dnat', addr: ip(to) })], {
        type: 'nat',
        hook: 'prerouting',
        priority,
        policy: 'accept',
      }),
    ],
  });
  const filterTable = (priority: number): NftTable => ({
    family: 'inet',
    name: 'filter',
    sets: [],
    chains: [chain('pre', [rule({ kind: 'counter' })], { type: 'filter', hook: 'prerouting', priority, policy: 'accept' })],
  });
  const order = (result: ReturnType<typeof runHook>) => result.hits.map((h) => `${h.table}/${h.chain}`);

  it('run in priority order with the iptables tables: raw -300, mangle -150, a -110 chain, nat (-100), a filter chain at 0', () => {
    const ns = node({
      tables: [filterTable(0), filterTable(-110)].map((t, i) => ({ ...t, name: `f${i}` })),
      iptables: (b) => {
        b.appendRule('raw', 'PREROUTING', accept);
        b.appendRule('mangle', 'PREROUTING', accept);
        b.appendRule('nat', 'PREROUTING', dnatTo(EP1));
      },
    });
    const result = runHook(context(ns, 'PREROUTING'), packet('10.244.1.3', SVC));
    expect(order(result)).toEqual(['raw/PREROUTING', 'mangle/PREROUTING', 'inet f1/pre', 'nat/PREROUTING', 'inet f0/pre']);
  });

  it('the NAT core: the first nat chain (by priority) to bind the connection wins, later nat chains are skipped', () => {
    const ns = node({
      tables: [natTable('late', -100, EP2), natTable('early', -110, EP1)],
      iptables: (b) => b.appendRule('nat', 'PREROUTING', dnatTo('10.244.3.3')),
    });
    const result = runHook(context(ns, 'PREROUTING'), packet('10.244.1.3', SVC));
    expect(formatIPv4(result.packet.dst)).toBe(EP1);
    expect(order(result)).toEqual(['ip early/pre']);
  });

  it("at equal priority iptables' nat table comes first (it was there before kube-proxy's table)", () => {
    const ns = node({ tables: [natTable('kube-proxy', -100, EP2)], iptables: (b) => b.appendRule('nat', 'PREROUTING', dnatTo(EP1)) });
    const result = runHook(context(ns, 'PREROUTING'), packet('10.244.1.3', SVC));
    expect(formatIPv4(result.packet.dst)).toBe(EP1);
    expect(order(result)).toEqual(['nat/PREROUTING']);
  });

  it('a nat chain that binds nothing lets the next one try', () => {
    const ns = node({
      tables: [natTable('kube-proxy', -100, EP2)],
      iptables: (b) => b.appendRule('nat', 'PREROUTING', { ...dnatTo(EP1), dst: { value: parseCidr('10.96.0.99/32')! } }),
    });
    const result = runHook(context(ns, 'PREROUTING'), packet('10.244.1.3', SVC));
    expect(formatIPv4(result.packet.dst)).toBe(EP2);
    expect(order(result)).toEqual(['nat/PREROUTING', 'ip kube-proxy/pre']);
  });

  it('a drop in an nftables base chain ends the hook, as an iptables DROP does', () => {
    const ns = node({
      tables: [
        {
          family: 'inet',
          name: 'fw',
          sets: [],
          chains: [chain('in', [rule(verdict({ kind: 'drop' }))], { type: 'filter', hook: 'input', priority: -10, policy: 'accept' })],
        },
      ],
      iptables: (b) => b.appendRule('filter', 'INPUT', accept),
    });
    const result = runHook(context(ns, 'INPUT'), packet('10.0.0.1', NODE_IP));
    expect(result.verdict).toBe('DROP');
    expect(order(result)).toEqual(['inet fw/in']);
  });
});
