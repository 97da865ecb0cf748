/**
 * netlab's kube-proxy nftables state against the real kernel and nft: for
 * each node of a few clusters in nftables mode, netlab's knftables
 * transaction is loaded with the real `nft -f` into a network namespace
 * this test creates, listed with the real `nft list ruleset`, and must come
 * back byte for byte as netlab's renderer prints the same state. Loading
 * at all is a check too: the kernel refuses a `reject` or `dnat` in a chain
 * that a hook it is not valid for can reach, a jump to a missing chain, a
 * vmap to a missing map.
 *
 * Set and map elements: nft sorts them before printing (by key, see
 * src/render/nft.ts), so the listing does not depend on the kernel's hash
 * order; the test loads every transaction a second time with its element
 * lines reversed and expects the same listing.
 *
 * Needs root, nft and iproute2; skipped otherwise, with the reason in the
 * suite name. Nothing is created outside the test's own namespaces (named
 * netlab-nft-<pid>-<n>), deleted in afterAll.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { knftablesTransaction } from '../../src/render/knftables.js';
import { renderNftRuleset } from '../../src/render/nft.js';
import { toText } from '../../src/render/types.js';
import { buildVariant } from '../../src/whatif/variant.js';
import { inNs, netnsSkipReason, scratchNamespaces } from '../netns-helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

const reason = netnsSkipReason(['ip', 'nft']);
const namespaces = scratchNamespaces('netlab-nft-');
const newNamespace = namespaces.create;

afterAll(() => namespaces.deleteAll());

/** Every node of `file` built with kube-proxy in nftables mode (`--set network.kubeProxy.mode=nftables`). */
function nftablesNodes(file: string): { name: string; ns: NetNs }[] {
  const variant = buildVariant(readFileSync(join(ROOT, file), 'utf8'), file, { sets: ['network.kubeProxy.mode=nftables'], faults: [] });
  const dataplane = variant.dataplane!;
  return variant.cluster!.nodes.map((node) => ({ name: node.name, ns: dataplane.nodeNetns(node) }));
}

function transaction(ns: NetNs): string {
  return ns.nftables!.tables.map((t) => toText(knftablesTransaction(t))).join('');
}

describe.skipIf(reason !== undefined)(`real kernel: nft -f then nft list ruleset${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('an empty ruleset lists nothing, as a netns without nftables state (a pod) does in netlab', () => {
    const netns = newNamespace();
    const variant = buildVariant(readFileSync(join(ROOT, 'labs/default.yaml'), 'utf8'), 'labs/default.yaml', {
      sets: ['network.kubeProxy.mode=nftables'],
      faults: [],
    });
    const pod = variant.dataplane!.podNetns(variant.cluster!.pods.find((p) => !p.hostNetwork)!);
    expect(pod.nftables).toBeUndefined();
    const real = spawnSync('ip', ['netns', 'exec', netns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
    const emulated = runEmulated(pod, ['nft', 'list', 'ruleset']);
    expect([emulated.exitCode, toText(emulated.stdout)]).toEqual([real.status, real.stdout]);
    expect(real.stdout).toBe('');
  });

  describe.each(['labs/default.yaml', 'test/proxy/fixtures/all-features.yaml', 'test/proxy/fixtures/upstream/overall-nftables-rules.yaml'])(
    '%s',
    (file) => {
      it.each(nftablesNodes(file))('$name: lists back byte for byte', ({ ns }) => {
        const ours = toText(renderNftRuleset(ns.nftables));
        const tx = transaction(ns);
        const netns = newNamespace();
        inNs(netns, ['nft', '-f', '-'], tx);
        expect(inNs(netns, ['nft', 'list', 'ruleset'])).toBe(ours);

        // The same objects with the elements added in the opposite order list the same.
        const lines = tx.split('\n');
        const elements = lines.filter((l) => l.startsWith('add element '));
        const reversed = [...lines.filter((l) => !l.startsWith('add element ')), ...elements.reverse()].join('\n');
        const again = newNamespace();
        inNs(again, ['nft', '-f', '-'], reversed);
        expect(inNs(again, ['nft', 'list', 'ruleset'])).toBe(ours);

        // netlab exec's nft against the real one: listings, and the error for a missing name.
        for (const argv of [
          ['nft', 'list', 'table', 'ip', 'kube-proxy'],
          ['nft', 'list', 'tables'],
          ['nft', 'list', 'chain', 'ip', 'kube-proxy', 'services'],
          ['nft', 'list', 'chain', 'kube-proxy', 'reject-chain'],
          ['nft', 'list', 'map', 'ip', 'kube-proxy', 'service-ips'],
          ['nft', 'list', 'set', 'ip', 'kube-proxy', 'cluster-ips'],
          ['nft', 'list', 'chain', 'ip', 'kube-proxy', 'nosuch'],
          ['nft', 'list', 'set', 'ip', 'kube-proxy', 'service-ips'],
          ['nft', 'list', 'table', 'ip', 'nosuch'],
        ]) {
          const real = spawnSync('ip', ['netns', 'exec', netns, ...argv], { encoding: 'utf8' });
          const emulated = runEmulated(ns, argv);
          expect(emulated.exitCode, argv.join(' ')).toBe(real.status);
          expect(toText(emulated.stdout), argv.join(' ')).toBe(real.stdout);
          expect(emulated.stderr.map((l) => `${l}\n`).join(''), argv.join(' ')).toBe(real.stderr);
        }
      });
    },
  );
});
