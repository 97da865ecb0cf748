import { describe, expect, it } from 'vitest';
import type { NetNs } from '../../src/kernel/netns.js';
import { runEmulated } from '../../src/exec/run.js';
import { toText } from '../../src/render/types.js';
import { buildFromText, readRepoFile } from '../helpers.js';

function save(ns: NetNs, ...args: string[]): string[] {
  return toText(runEmulated(ns, ['iptables', ...args]).stdout)
    .trimEnd()
    .split('\n');
}

describe('kube-proxy and the kubelet on a node', () => {
  const { cluster, dataplane } = buildFromText(readRepoFile('test/proxy/fixtures/all-features.yaml'), 'all-features.yaml');
  const node = (name: string) => dataplane.nodeNetns(cluster.nodeByName.get(name)!);

  it('jumps from the built-in chains in the order a real node ends up with (kube-proxy prepends, flannel appends)', () => {
    const jumps = (chain: string, table = 'filter') =>
      save(node('node-02'), '-t', table, '-S', chain)
        .slice(1)
        .map((l) => l.replace(/.* -j /, ''));
    expect(jumps('INPUT')).toEqual(['KUBE-PROXY-FIREWALL', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL']);
    expect(jumps('FORWARD')).toEqual(['KUBE-PROXY-FIREWALL', 'KUBE-FORWARD', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'FLANNEL-FWD']);
    expect(jumps('OUTPUT')).toEqual(['KUBE-PROXY-FIREWALL', 'KUBE-SERVICES', 'KUBE-FIREWALL']);
    expect(jumps('PREROUTING', 'nat')).toEqual(['KUBE-SERVICES']);
    expect(jumps('POSTROUTING', 'nat')).toEqual(['KUBE-POSTROUTING', 'FLANNEL-POSTRTG']);
  });

  it('writes Local-policy rules per node: the endpoint node jumps to KUBE-SVL, the others drop outside traffic', () => {
    const has = (name: string, text: string) => save(node(name), '-t', 'nat', '-S').some((l) => l.includes(text));
    expect(has('node-03', 'shop/api:http -> 10.244.2.5:9000')).toBe(true);
    expect(save(node('node-03'), '-t', 'nat', '-S').filter((l) => /^-A KUBE-EXT-\S+ -j KUBE-SVL-/.test(l))).toHaveLength(1);
    expect(
      save(node('node-02'), '-S', 'KUBE-EXTERNAL-SERVICES').filter((l) => l.includes('shop/api:http has no local endpoints')),
    ).toHaveLength(3);
    // internalTrafficPolicy Local: each node reaches its own cache pod.
    expect(save(node('node-02'), '-t', 'nat', '-S').filter((l) => l.includes('shop/cache -> '))).toEqual([
      expect.stringContaining('10.244.1.4:6379'),
    ]);
    expect(save(node('node-03'), '-t', 'nat', '-S').filter((l) => l.includes('shop/cache -> '))).toEqual([
      expect.stringContaining('10.244.2.6:6379'),
    ]);
    // On the master, no cache pod: the cluster IP is dropped, not rejected.
    expect(save(node('master'), '-S', 'KUBE-SERVICES')).toContainEqual(
      expect.stringContaining('"shop/cache has no local endpoints" -m tcp --dport 6379 -j DROP'),
    );
  });

  it('shares the rules of node-independent services between nodes', () => {
    const sep = (ns: NetNs) =>
      ns.netfilter.tables
        .find((t) => t.name === 'nat')!
        .chains.find((c) => c.name.startsWith('KUBE-SEP-') && c.rules[1]?.target?.kind === 'DNAT')!;
    const a = sep(node('node-02'));
    const b = node('node-03')
      .netfilter.tables.find((t) => t.name === 'nat')!
      .chains.find((c) => c.name === a.name)!;
    expect(b.rules).toBe(a.rules);
  });

  it('sets route_localnet for localhost node ports', () => {
    expect(node('node-02').sysctls.get('net.ipv4.conf.all.route_localnet')).toBe('1');
  });
});

describe('switches', () => {
  const text = readRepoFile('labs/default.yaml');

  it("kubeProxy mode none: no KUBE-* rules but the kubelet's", () => {
    const { cluster, dataplane } = buildFromText(text.replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: none}'));
    const lines = save(dataplane.nodeNetns(cluster.nodeByName.get('node-02')!), '-S');
    expect(lines.filter((l) => l.includes('KUBE'))).toEqual([
      '-N KUBE-FIREWALL',
      '-N KUBE-KUBELET-CANARY',
      '-A INPUT -j KUBE-FIREWALL',
      '-A OUTPUT -j KUBE-FIREWALL',
      expect.stringContaining('-A KUBE-FIREWALL ! -s 127.0.0.0/8'),
    ]);
  });

  it('kubelet makeIPTablesUtilChains false: kube-proxy still adds its KUBE-FIREWALL and jumps', () => {
    const { cluster, dataplane } = buildFromText(
      text.replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: iptables}\n  kubelet: {makeIPTablesUtilChains: false}'),
    );
    const ns = dataplane.nodeNetns(cluster.nodeByName.get('node-02')!);
    expect(
      save(ns, '-S', 'INPUT')
        .slice(1)
        .map((l) => l.replace(/.* -j /, '')),
    ).toEqual(['KUBE-FIREWALL', 'KUBE-PROXY-FIREWALL', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES']);
    expect(save(ns, '-t', 'mangle', '-S')).toEqual([
      '-P PREROUTING ACCEPT',
      '-P INPUT ACCEPT',
      '-P FORWARD ACCEPT',
      '-P OUTPUT ACCEPT',
      '-P POSTROUTING ACCEPT',
      '-N KUBE-PROXY-CANARY',
    ]);
  });
});

describe('large clusters', () => {
  it('drops the per-endpoint comments above 1,000 endpoints, as kube-proxy does', () => {
    const pods = Array.from({ length: 1001 }, (_, i) => `  - {name: p${i}, node: n${i % 5}, labels: {app: x}}`).join('\n');
    const nodes = Array.from({ length: 5 }, (_, i) => `  - {name: n${i}, ip: 10.234.2.${10 + i}, subnet: r}`).join('\n');
    const { cluster, dataplane } = buildFromText(`apiVersion: netlab/v1
kind: Cluster
metadata: {name: big}
network: {dns: {coreDNS: false}}
subnets: [{name: r, cidr: 10.234.2.0/24}]
nodes:
${nodes}
pods:
${pods}
services:
  - {name: x, selector: {app: x}, ports: [{port: 80}]}
`);
    const nat = save(dataplane.nodeNetns(cluster.nodeByName.get('n0')!), '-t', 'nat', '-S');
    expect(nat.filter((l) => l.includes('-j DNAT'))).toHaveLength(1001);
    expect(nat.filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('--comment'))).toEqual([]);
    expect(nat).toContainEqual(
      expect.stringMatching(/^-A KUBE-SVC-\S+ -m statistic --mode random --probability 0\.00099900085 -j KUBE-SEP-/),
    );
    // The service-level comments stay.
    expect(nat).toContainEqual(expect.stringContaining('"default/x cluster IP"'));
  });
});
