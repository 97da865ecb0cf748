/**
 * netlab's iptables state against the real kernel: for each node of a few
 * clusters, netlab's `iptables-save` is loaded with the real
 * `iptables-restore` into a network namespace this test creates, read back
 * with the real `iptables-save`, and must come back identical (the date
 * comments and counters masked). `iptables -L -n -v [--line-numbers]` is
 * compared with netlab's emulation the same way. And upstream kube-proxy's
 * expected restore input (test/proxy/fixtures/upstream/*.restore), loaded as
 * is, must read back as netlab's parser and renderer spell it: that checks
 * the comparison the upstream golden test relies on.
 *
 * Needs root, iptables (nf_tables backend) and iproute2; skipped otherwise,
 * with the reason in the suite name. kube-proxy's rules name nfacct counters,
 * which must exist for the kernel to accept them: the test creates them in
 * its namespace with the `nfacct` tool or, failing that, python3 over
 * netlink. Nothing is created outside the test's own namespaces (named
 * netlab-kp-<pid>-<n>), and they are deleted in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataplane } from '../../src/dataplane/build.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { buildCluster } from '../../src/model/cluster.js';
import { NFACCT_CT_INVALID, NFACCT_LOCALHOST_NODEPORTS } from '../../src/proxy/iptables/config.js';
import { loadTopology } from '../../src/topology/load.js';
import { expectIptablesRoundTrip } from './iptables-round-trip.js';
import { comparisonText, restoreTables } from './restore-text.js';
import { hasTool, inNs, netnsSkipReason, scratchNamespaces } from '../netns-helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

const reason = netnsSkipReason(['ip', 'iptables', 'iptables-restore', 'iptables-save'], { iptablesNft: true });

/** Creates an nfacct object inside a namespace: the nfacct tool, else python3 over NETLINK_NETFILTER. */
const NFACCT_PY = `
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.bind((0, 0))
for name in sys.argv[1:]:
    nm = name.encode() + b'\\0'
    attr = struct.pack('HH', 4 + len(nm), 1) + nm + b'\\0' * ((4 - (4 + len(nm)) % 4) % 4)
    payload = struct.pack('BBH', 0, 0, 0) + attr
    s.send(struct.pack('IHHII', 16 + len(payload), 7 << 8, 0x1 | 0x4 | 0x400 | 0x200, 1, 0) + payload)
    err = struct.unpack('i', s.recv(4096)[16:20])[0]
    if err != 0:
        sys.exit('nfacct %s: error %d' % (name, err))
`;

const namespaces = scratchNamespaces('netlab-kp-');

function newNamespace(): string {
  const name = namespaces.create();
  const counters = [NFACCT_CT_INVALID, NFACCT_LOCALHOST_NODEPORTS];
  if (hasTool('nfacct')) for (const c of counters) execFileSync('ip', ['netns', 'exec', name, 'nfacct', 'add', c]);
  else if (hasTool('python3')) execFileSync('ip', ['netns', 'exec', name, 'python3', '-c', NFACCT_PY, ...counters]);
  return name;
}

afterAll(() => namespaces.deleteAll());

function clusterNodes(file: string): { name: string; ns: NetNs }[] {
  const loaded = loadTopology(readFileSync(join(ROOT, file), 'utf8'), file);
  const cluster = buildCluster(loaded.topology!).cluster!;
  const dataplane = buildDataplane(cluster).dataplane!;
  return cluster.nodes.map((node) => ({ name: node.name, ns: dataplane.nodeNetns(node) }));
}

describe.skipIf(reason !== undefined)(`real kernel: iptables-restore then iptables-save${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const nfacctAvailable = hasTool('nfacct') || hasTool('python3');

  describe.each(['labs/default.yaml', 'test/proxy/fixtures/all-features.yaml'])('%s', (file) => {
    it.skipIf(!nfacctAvailable).each(clusterNodes(file))('$name: reads back byte for byte, and lists the same', ({ ns }) => {
      expectIptablesRoundTrip(ns, newNamespace(), [
        ['iptables', '-L', '-n', '-v'],
        ['iptables', '-t', 'nat', '-L', '-n', '-v', '--line-numbers'],
        ['iptables', '-t', 'mangle', '-L', '-n'],
        ['iptables-save', '-t', 'nat'],
      ]);
    });
  });

  it.skipIf(!nfacctAvailable).each(['overall-iptables-rules', 'sync-proxy-rules-repeated'])(
    "upstream's %s restore input reads back as netlab parses and prints it",
    (fixture) => {
      const text = readFileSync(join(import.meta.dirname, 'fixtures', 'upstream', `${fixture}.restore`), 'utf8');
      const netns = newNamespace();
      inNs(netns, ['iptables-restore'], text);
      // The kernel's rules, chain by chain in their order, against the parse of the same text.
      const ours = restoreTables(text);
      for (const [table, chains] of ours) {
        const saved = inNs(netns, ['iptables-save', '-t', table]);
        for (const [chain, rules] of chains) {
          const real = saved.split('\n').filter((l) => l.startsWith(`-A ${chain} `) || l === `-A ${chain}`);
          const parsed = comparisonText(new Map([[table, new Map([[chain, rules]])]]))
            .split('\n')
            .filter((l) => l.startsWith('-A '));
          if (chain === 'KUBE-NODEPORTS' || chain === 'KUBE-SERVICES') {
            // comparisonText sorts these two as upstream's helper does; the kernel keeps the file order.
            expect([...real].sort(), `${table} ${chain}`).toEqual([...parsed].sort());
          } else expect(real, `${table} ${chain}`).toEqual(parsed);
        }
      }
    },
  );
});
