/**
 * netlab's kube-proxy (iptables mode) against kube-proxy's own unit test
 * expectations. Each case is a netlab topology reproducing the services,
 * endpoints and node of an upstream test (test/proxy/fixtures/upstream/*.yaml)
 * and the `expected` iptables-restore text of that test, quoted verbatim
 * (*.restore). Both sides are put in one comparison form (restore-text.ts):
 * upstream's own sort, and each rule spelled as iptables-save prints it back,
 * since netlab's model holds rules as the kernel holds them, not as
 * kube-proxy typed them. The parse of upstream's spelling is itself checked
 * against the real iptables-restore/iptables-save in iptables-restore.test.ts.
 *
 * Upstream's fake host has no MASQUERADE --random-fully; netlab's default
 * node has it. The configuration below is the fake proxier's (NewFakeProxier).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cidr } from '../../src/net/cidr.js';
import { parseIPv4 } from '../../src/net/ipv4.js';
import type { Cluster } from '../../src/model/types.js';
import { endpointChain, servicePortChains } from '../../src/proxy/iptables/chain-names.js';
import type { KubeProxyIptablesConfig } from '../../src/proxy/iptables/config.js';
import { kubeProxyRestore, natChains } from '../../src/proxy/iptables/program.js';
import { buildFromText } from '../helpers.js';
import { comparisonText, restoreTables, type RestoreTables } from './restore-text.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'upstream');

/** NewFakeProxier's settings. */
const FAKE_PROXIER: KubeProxyIptablesConfig = {
  masqueradeMark: 0x4000,
  masqueradeAll: false,
  clusterCIDR: cidr(parseIPv4('10.0.0.0')!, 8),
  localhostNodePorts: true,
  conntrackTCPLiberal: false,
  randomFully: false,
  nfacct: true,
};

/** The cluster without the kubernetes service, which upstream's fake API server does not have. */
function withoutApiserverService(cluster: Cluster): Cluster {
  return { ...cluster, services: cluster.services.filter((s) => s.builtIn !== 'kubernetes') };
}

function netlabRestore(fixture: string, config = FAKE_PROXIER): RestoreTables {
  const { cluster } = buildFromText(readFileSync(join(FIXTURES, `${fixture}.yaml`), 'utf8'), `${fixture}.yaml`);
  const node = cluster.nodeByName.get('test-node')!;
  const restore = kubeProxyRestore(withoutApiserverService(cluster), { name: node.name, ip: node.ip }, config);
  return new Map([
    ['filter', restore.filter],
    ['nat', natChains(restore)],
  ]);
}

function upstream(fixture: string): string {
  return comparisonText(restoreTables(readFileSync(join(FIXTURES, `${fixture}.restore`), 'utf8')));
}

describe('kube-proxy iptables mode against upstream proxier_test.go', () => {
  it.each(['overall-iptables-rules', 'sync-proxy-rules-repeated'])('%s: the same rules, chain by chain', (fixture) => {
    expect(comparisonText(netlabRestore(fixture))).toBe(upstream(fixture));
  });

  it('masquerades with --random-fully when iptables supports it (TestMasqueradeRule)', () => {
    const withRandom = netlabRestore('sync-proxy-rules-repeated', { ...FAKE_PROXIER, randomFully: true });
    const text = comparisonText(new Map([['nat', new Map([['KUBE-POSTROUTING', withRandom.get('nat')!.get('KUBE-POSTROUTING')!]])]]));
    expect(text).toBe(
      comparisonText(
        restoreTables(`*nat
:KUBE-POSTROUTING - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
COMMIT
`),
      ),
    );
  });

  it.each([
    [{ nfacct: false, conntrackTCPLiberal: false }, '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n'],
    [
      { nfacct: true, conntrackTCPLiberal: false },
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP\n',
    ],
    [{ nfacct: false, conntrackTCPLiberal: true }, ''],
  ])('drops INVALID packets unless tcp_be_liberal (TestDropInvalidRule %o)', (settings, dropRule) => {
    const forward = netlabRestore('sync-proxy-rules-repeated', { ...FAKE_PROXIER, ...settings })
      .get('filter')!
      .get('KUBE-FORWARD')!;
    const expected = restoreTables(`*filter
:KUBE-FORWARD - [0:0]
${dropRule}-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
`);
    expect(comparisonText(new Map([['filter', new Map([['KUBE-FORWARD', forward]])]]))).toBe(comparisonText(expected));
  });

  it('has no KUBE-FIREWALL rule without localhost node ports (TestNodePorts)', () => {
    const filter = netlabRestore('sync-proxy-rules-repeated', { ...FAKE_PROXIER, localhostNodePorts: false }).get('filter')!;
    expect(filter.has('KUBE-FIREWALL')).toBe(false);
    const nat = netlabRestore('sync-proxy-rules-repeated', { ...FAKE_PROXIER, localhostNodePorts: false }).get('nat')!;
    const last = nat.get('KUBE-SERVICES')!.at(-1)!;
    expect(comparisonText(new Map([['nat', new Map([['KUBE-SERVICES', [last]]])]]))).toContain(
      '-A KUBE-SERVICES ! -d 127.0.0.0/8 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    );
  });

  it('derives chain names as upstream (TestSyncProxyRulesLargeClusterMode, TestSyncProxyRulesRepeated)', () => {
    expect(endpointChain('ns1/svc1:p80', 'tcp', '10.0.0.0:80')).toBe('KUBE-SEP-DKGQUZGBKLTPAR56');
    expect(endpointChain('ns3/svc3:p8081', 'tcp', '203.0.113.4:8081')).toBe('KUBE-SEP-RUVVH7YV3PHQBDOS');
    expect(endpointChain('ns4/svc4:p8082', 'tcp', '10.4.0.1:8082')).toBe('KUBE-SEP-SU5STNODRYEWJAUF');
    expect(servicePortChains('ns4/svc4:p8082', 'tcp').cluster).toBe('KUBE-SVC-EBDQOQU5SJFXRIL3');
    expect(servicePortChains('default/kubernetes:https', 'tcp').cluster).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(servicePortChains('kube-system/kube-dns:dns', 'udp').cluster).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
  });
});
