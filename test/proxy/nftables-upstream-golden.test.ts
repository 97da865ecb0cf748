/**
 * netlab's kube-proxy (nftables mode) against kube-proxy's own unit test
 * expectations. Each case is a netlab topology reproducing the services,
 * endpoints and node of an upstream test (test/proxy/fixtures/upstream/
 * *-nft*.yaml / overall-nftables-rules.yaml) and the `expected` Fake.Dump()
 * text of that test, quoted verbatim (*.nft, plus baseRules).
 *
 * Both sides go through upstream's own comparison form
 * (assertNFTablesTransactionEqual's sort): blank and `#` lines dropped,
 * lines ordered by object type (table, chain, rule, set, map, element),
 * then by object name, rules keeping their order within a chain, other
 * lines of one object by their text. That order is the only thing the
 * comparison ignores: knftables' Dump sorts chains, sets and maps by name
 * and keeps elements in the order they were added, and kube-proxy adds
 * them while walking a Go map of service ports (random order); upstream's
 * expected texts are written grouped by service.
 *
 * The configuration is the fake proxier's (NewFakeProxier): its
 * masqueradeMark is the string "0x4000", where a real kube-proxy writes
 * 1<<14 as "%#08x" (0x004000).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cidr } from '../../src/net/cidr.js';
import { parseIPv4 } from '../../src/net/ipv4.js';
import type { Cluster } from '../../src/model/types.js';
import type { KubeProxyNftablesConfig } from '../../src/proxy/nftables/config.js';
import { kubeProxyNftTable } from '../../src/proxy/nftables/program.js';
import { knftablesDump, knftablesTransaction } from '../../src/render/knftables.js';
import { buildFromText } from '../helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'upstream');

/** NewFakeProxier's settings (IPv4). */
const FAKE_PROXIER: KubeProxyNftablesConfig = {
  masqueradeMark: 0x4000,
  masqueradeAll: false,
  clusterCIDR: cidr(parseIPv4('10.0.0.0')!, 8),
  nodePortAddresses: [cidr(parseIPv4('192.168.0.2')!, 32)],
  serviceCIDRs: [cidr(parseIPv4('172.30.0.0')!, 16)],
};
const FAKE_MARK = (mark: number): string => `0x${mark.toString(16)}`;

/** The cluster without the kubernetes service, which upstream's fake API server does not have. */
function withoutApiserverService(cluster: Cluster): Cluster {
  return { ...cluster, services: cluster.services.filter((s) => s.builtIn !== 'kubernetes') };
}

function netlabTable(fixture: string, config = FAKE_PROXIER) {
  const { cluster } = buildFromText(readFileSync(join(FIXTURES, `${fixture}.yaml`), 'utf8'), `${fixture}.yaml`);
  const node = cluster.nodeByName.get('test-node')!;
  // The fake proxier's interfaces: lo, and eth0 with 192.168.0.2, 192.168.1.2 and 192.168.99.11.
  const addresses = ['127.0.0.1', '192.168.0.2', '192.168.1.2', '192.168.99.11'].map((a) => parseIPv4(a)!);
  return kubeProxyNftTable(withoutApiserverService(cluster), { name: node.name, ip: node.ip }, addresses, config);
}

const OBJECT_ORDER: Readonly<Record<string, number>> = { table: 10, chain: 9, rule: 8, set: 7, map: 6, element: 5 };

/** sortNFTablesTransaction (pkg/proxy/nftables/helpers_test.go), as this test's own code. */
export function upstreamComparisonForm(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const key = lines.map((line, index) => ({ line, index, words: line.split(' ') }));
  key.sort((a, b) => {
    if (a.words.length < 5 || b.words.length < 5) return a.index - b.index;
    const [ta, tb] = [a.words[1]!, b.words[1]!];
    if (ta !== tb) return (OBJECT_ORDER[tb] ?? 0) - (OBJECT_ORDER[ta] ?? 0);
    const [na, nb] = [a.words[4]!, b.words[4]!];
    if (na !== nb) return na < nb ? -1 : 1;
    if (ta === 'rule') return a.index - b.index;
    return a.line < b.line ? -1 : a.line > b.line ? 1 : a.index - b.index;
  });
  return key.map((k) => k.line).join('\n');
}

function lastIndex(items: readonly string[], test: (item: string) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}

function upstream(fixture: string): string {
  return upstreamComparisonForm(
    readFileSync(join(FIXTURES, 'nft-base-rules.nft'), 'utf8') + readFileSync(join(FIXTURES, `${fixture}.nft`), 'utf8'),
  );
}

describe('kube-proxy nftables mode against upstream proxier_test.go', () => {
  it.each(['overall-nftables-rules', 'sync-proxy-rules-repeated-nft'])('%s: the same Dump, line for line', (fixture) => {
    const dump = [...knftablesDump(netlabTable(fixture), { markText: FAKE_MARK })].join('\n');
    expect(upstreamComparisonForm(dump)).toBe(upstream(fixture));
  });

  it("prints knftables' Dump order: chains by name with their rules, then sets, then maps, each with its elements", () => {
    const lines = [...knftablesDump(netlabTable('sync-proxy-rules-repeated-nft'), { markText: FAKE_MARK })];
    expect(lines[0]).toBe('add table ip kube-proxy { comment "rules for kube-proxy" ; }');
    const objects = lines.filter((l) => /^add (chain|set|map) /.test(l)).map((l) => l.split(' ').slice(1, 5).join(' '));
    const chains = objects.filter((o) => o.startsWith('chain'));
    expect(chains).toEqual([...chains].sort());
    expect(objects.indexOf(chains.at(-1)!)).toBeLessThan(objects.findIndex((o) => o.startsWith('set')));
    expect(objects.findIndex((o) => o.startsWith('map'))).toBeGreaterThan(lastIndex(objects, (o) => o.startsWith('set')));
    // Each rule follows its chain's line.
    const serviceChain = lines.indexOf('add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80');
    expect(lines[serviceChain + 1]).toMatch(/^add rule ip kube-proxy service-ULMVA6XW-ns1\/svc1\/tcp\/p80 ip daddr 172.30.0.41 /);
  });

  it('the transaction holds the same lines as the Dump, declarations first', () => {
    const table = netlabTable('overall-nftables-rules');
    const dump = [...knftablesDump(table)];
    const tx = [...knftablesTransaction(table)];
    expect([...tx].sort()).toEqual([...dump].sort());
    const firstRule = tx.findIndex((l) => l.startsWith('add rule '));
    expect(lastIndex(tx, (l) => l.startsWith('add chain ') || l.startsWith('add set ') || l.startsWith('add map '))).toBeLessThan(
      firstRule,
    );
  });

  it("spells the mark as a real kube-proxy does (%#08x), not as the fake's string", () => {
    const tx = [...knftablesTransaction(netlabTable('sync-proxy-rules-repeated-nft'))];
    expect(tx).toContain('add rule ip kube-proxy masquerading mark and 0x004000 == 0 return');
    expect(tx).toContain('add rule ip kube-proxy mark-for-masquerade mark set mark or 0x004000');
  });
});
