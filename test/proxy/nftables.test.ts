/**
 * kube-proxy's nftables mode on netlab's all-features cluster: what the
 * v1.33 proxier (pkg/proxy/nftables/proxier.go syncProxyRules and
 * setupNFTables) writes for the cases upstream's Dump tests do not cover
 * (those are in nftables-upstream-golden.test.ts): internalTrafficPolicy
 * Local, externalTrafficPolicy Local on nodes with and without a local
 * endpoint, a source range containing the node, terminating endpoints used
 * as a fallback, SCTP, --masquerade-all, no local traffic detector,
 * --nodeport-addresses matching everything. Rules are read in kube-proxy's
 * own spelling (src/render/knftables.ts).
 */
import { describe, expect, it } from 'vitest';
import type { NftTable } from '../../src/kernel/nftables.js';
import { cidr } from '../../src/net/cidr.js';
import { kubeProxyNftablesConfig, type KubeProxyNftablesConfig } from '../../src/proxy/nftables/config.js';
import { kubeProxyNftTable } from '../../src/proxy/nftables/program.js';
import { elementText, ruleText } from '../../src/render/knftables.js';
import { buildVariant } from '../../src/whatif/variant.js';
import { readRepoFile } from '../helpers.js';

const variant = buildVariant(readRepoFile('test/proxy/fixtures/all-features.yaml'), 'all-features.yaml', {
  sets: ['network.kubeProxy.mode=nftables'],
  faults: [],
});
const cluster = variant.cluster!;
const dataplane = variant.dataplane!;
const node = (name: string) => cluster.nodeByName.get(name)!;

function table(nodeName: string, config?: Partial<KubeProxyNftablesConfig>): NftTable {
  const n = node(nodeName);
  return kubeProxyNftTable(cluster, { name: n.name, ip: n.ip }, [n.ip], { ...kubeProxyNftablesConfig(cluster), ...config });
}

function rules(t: NftTable, prefix: string, part = ''): string[] {
  const chain = t.chains.find((c) => c.name.startsWith(prefix) && c.name.includes(part));
  if (!chain) throw new Error(`no chain ${prefix}* in ${t.chains.map((c) => c.name).join(' ')}`);
  return chain.rules.map((r) => ruleText(r));
}

function elements(t: NftTable, set: string): string[] {
  return t.sets.find((s) => s.name === set)!.elements.map(elementText);
}

function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

const clusterIP = (name: string) => ipText(cluster.services.find((s) => s.name === name)!.clusterIP!);

describe('kube-proxy nftables mode: the node state', () => {
  it('writes no iptables rules of its own: the kubelet chains stay, no KUBE-SERVICES', () => {
    const ns = dataplane.nodeNetns(node('node-02'));
    const chains = ns.netfilter.tables.flatMap((t) => t.chains.map((c) => c.name));
    expect(chains).toContain('KUBE-FIREWALL');
    expect(chains.filter((c) => /^KUBE-(SERVICES|SVC-|SEP-|NODEPORTS|POSTROUTING|MARK-MASQ|PROXY-CANARY)/.test(c))).toEqual([]);
    expect(ns.nftables!.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip kube-proxy']);
  });

  it('puts only the node IP in nodeport-ips (--nodeport-addresses primary), not cni0 or flannel.1', () => {
    const ns = dataplane.nodeNetns(node('node-02'));
    const set = ns.nftables!.tables[0]!.sets.find((s) => s.name === 'nodeport-ips')!;
    expect(set.elements.map((e) => e.key)).toEqual([[{ kind: 'addr', value: node('node-02').ip }]]);
  });
});

describe('kube-proxy nftables mode: traffic policies', () => {
  it('internalTrafficPolicy Local: its local- chain where a local endpoint runs, drop elsewhere', () => {
    const cacheIP = clusterIP('cache');
    const withLocal = table('node-02');
    expect(elements(withLocal, 'service-ips').find((e) => e.startsWith(`${cacheIP} . tcp . 6379`))).toMatch(
      /: goto local-[A-Z0-9]{8}-shop\/cache\/tcp\/$/,
    );
    expect(rules(withLocal, 'local-')).toHaveLength(2);
    const master = table('master');
    expect(elements(master, 'no-endpoint-services')).toContain(`${cacheIP} . tcp . 6379 comment "shop/cache" : drop`);
    expect(elements(master, 'service-ips').some((e) => e.startsWith(`${cacheIP} `))).toBe(false);
  });

  it('externalTrafficPolicy Local: external chain short-circuits pods and the node, then its local endpoints', () => {
    const t = table('node-03');
    const api = t.chains.find((c) => c.name.startsWith('external-') && c.name.includes('/api/'))!;
    expect(api.rules.map((r) => ruleText(r))).toEqual([
      `ip saddr 10.244.0.0/16 goto ${api.name.replace('external-', 'service-')} comment "short-circuit pod traffic"`,
      'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
      `fib saddr type local goto ${api.name.replace('external-', 'service-')} comment "short-circuit local traffic"`,
      `goto ${api.name.replace('external-', 'local-')}`,
    ]);
  });

  it('externalTrafficPolicy Local without a local endpoint: no final goto, node port and external addresses dropped', () => {
    const t = table('node-02');
    const api = t.chains.find((c) => c.name.startsWith('external-') && c.name.includes('/api/'))!;
    expect(api.rules.map((r) => ruleText(r)).at(-1)).toMatch(/^fib saddr type local goto service-/);
    const dropped = elements(t, 'no-endpoint-services').filter((e) => e.includes('"shop/api:http"'));
    expect(dropped).toEqual([
      '192.0.2.200 . tcp . 80 comment "shop/api:http" : drop',
      '203.0.113.7 . tcp . 80 comment "shop/api:http" : drop',
    ]);
    expect(elements(t, 'no-endpoint-nodeports').filter((e) => e.includes('shop/api'))).toHaveLength(1);
  });

  it('a source range containing the node IP lets the load balancer address itself in', () => {
    const fw = rules(table('node-02'), 'firewall-', '/api/');
    expect(fw).toEqual(['ip saddr != { 10.234.2.0/24 , 192.0.2.0/25 , 203.0.113.7 } drop']);
  });
});

describe('kube-proxy nftables mode: endpoints', () => {
  it('without endpoints: cluster IP, load balancer and node port go to reject-chain', () => {
    const t = table('node-02');
    const gone = elements(t, 'no-endpoint-services').filter((e) => e.includes('"shop/gone"'));
    expect(gone.every((e) => e.endsWith(': goto reject-chain'))).toBe(true);
    expect(gone.length).toBeGreaterThanOrEqual(1);
    expect(elements(t, 'no-endpoint-nodeports').filter((e) => e.includes('"shop/gone"'))).toHaveLength(1);
    expect(t.chains.some((c) => c.name.includes('/gone/'))).toBe(false);
  });

  it('only a terminating, serving endpoint: used as the fallback', () => {
    expect(rules(table('node-02'), 'service-', '/old/').at(-1)).toMatch(
      /^numgen random mod 1 vmap \{ 0 : goto endpoint-[A-Z0-9]{8}-shop\/old\/tcp\/__10\.244\.\d+\.\d+\/80 \}$/,
    );
  });

  it('SCTP: sctp dport in the masquerade rule, meta l4proto sctp before the DNAT', () => {
    const t = table('node-02');
    const svc = t.chains.find((c) => c.name.startsWith('service-') && c.name.includes('/sctp/'))!;
    expect(ruleText(svc.rules[0]!)).toBe(
      `ip daddr ${clusterIP('sctp')} sctp dport 9999 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    );
    const ep = t.chains.find((c) => c.name.startsWith('endpoint-') && c.name.includes('/sctp/'))!;
    expect(ruleText(ep.rules.at(-1)!)).toMatch(/^meta l4proto sctp dnat to 10\.244\.\d+\.\d+:9999$/);
  });

  it('ClientIP affinity: one dynamic set per endpoint, checked before the random pick and updated by the endpoint chain', () => {
    const t = table('node-03');
    const affinity = t.sets.filter((s) => s.name.startsWith('affinity-'));
    expect(affinity.map((s) => [s.flags, s.timeout])).toEqual([[['dynamic', 'timeout'], 600]]);
    const ep = t.chains.find((c) => c.name === affinity[0]!.name.replace('affinity-', 'endpoint-'))!;
    expect(ruleText(ep.rules[1]!)).toBe(`update @${affinity[0]!.name} { ip saddr }`);
  });
});

describe('kube-proxy nftables mode: options', () => {
  it('--masquerade-all: every cluster IP connection is marked, without the pod CIDR test', () => {
    const svc = table('node-02', { masqueradeAll: true }).chains.find((c) => c.name.startsWith('service-') && c.name.includes('/web/'))!;
    expect(ruleText(svc.rules[0]!)).toBe(`ip daddr ${clusterIP('web')} tcp dport 80 jump mark-for-masquerade`);
  });

  it('no local traffic detector: no masquerade rule for cluster IPs, no pod short-circuit', () => {
    const t = table('node-03', { clusterCIDR: undefined });
    const svc = t.chains.find((c) => c.name.startsWith('service-') && c.name.includes('/web/'))!;
    expect(ruleText(svc.rules[0]!)).toMatch(/^numgen random mod 3 vmap /);
    const api = t.chains.find((c) => c.name.startsWith('external-') && c.name.includes('/api/'))!;
    expect(api.rules.some((r) => r.comment === 'short-circuit pod traffic')).toBe(false);
  });

  it('--nodeport-addresses 0.0.0.0/0: no nodeport-ips set; every local address but 127.0.0.0/8', () => {
    const t = table('node-02', { nodePortAddresses: [cidr(0, 0)] });
    expect(t.sets.some((s) => s.name === 'nodeport-ips')).toBe(false);
    expect(rules(t, 'services')).toEqual([
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports',
    ]);
    expect(rules(t, 'nodeport-endpoints-check')).toEqual(['ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports']);
  });
});
