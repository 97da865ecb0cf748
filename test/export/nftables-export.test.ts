/**
 * `netlab export --format netns` with kube-proxy in nftables mode: each
 * node's namespace gets kube-proxy's table through `nft -f` of its
 * transaction, after iptables-restore (the kubelet's and the CNI's iptables
 * rules are still there). As root with nft, the default lab is built for
 * real under this test's own prefix, every node's `nft list table ip
 * kube-proxy` must equal netlab's (its whole ruleset also lists the tables
 * iptables-nft keeps for the iptables rules), and the teardown must leave
 * none of its namespaces.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportNetns, type NetnsExport } from '../../src/export/netns.js';
import { knftablesTransaction } from '../../src/render/knftables.js';
import { renderNftRuleset } from '../../src/render/nft.js';
import { toText } from '../../src/render/types.js';
import { buildVariant } from '../../src/whatif/variant.js';
import { readRepoFile } from '../helpers.js';
import { forgetExportRecords, netnsSkipReason } from '../netns-helpers.js';

function nftablesDefaultLab() {
  const variant = buildVariant(readRepoFile('labs/default.yaml'), 'labs/default.yaml', {
    sets: ['network.kubeProxy.mode=nftables'],
    faults: [],
  });
  return { cluster: variant.cluster!, dataplane: variant.dataplane! };
}

function exported(prefix?: string): NetnsExport {
  const { dataplane } = nftablesDefaultLab();
  const result = exportNetns(dataplane, prefix !== undefined ? { prefix } : {});
  if (!result.export) throw new Error(result.error);
  return result.export;
}

describe('netlab export --format netns: kube-proxy nftables mode', () => {
  const { cluster, dataplane } = nftablesDefaultLab();
  const ex = exported();

  it("loads each node's table with nft -f, after its iptables rules, and needs nft", () => {
    expect(ex.tools).toContain('nft');
    for (const node of cluster.nodes) {
      const netns = `nl-default-${node.name}`;
      const start = ex.build.indexOf(`ip netns exec ${netns} nft -f - <<'NETLAB_NFT'`);
      expect(start, node.name).toBeGreaterThan(ex.build.indexOf(`ipt_restore ${netns} <<'NETLAB_IPTABLES'`));
      const body = ex.build.slice(start + 1, ex.build.indexOf('NETLAB_NFT', start + 1));
      expect(body).toEqual([...knftablesTransaction(dataplane.nodeNetns(node).nftables!.tables[0]!)]);
    }
    expect(spawnSync('bash', ['-n'], { input: `${ex.build.join('\n')}\n` }).status).toBe(0);
  });

  it('writes no nftables for pods, and none in iptables mode', () => {
    expect(ex.build.filter((l) => / nft -f - /.test(l))).toHaveLength(cluster.nodes.length);
    const iptables = exportNetns(buildVariant(readRepoFile('labs/default.yaml'), 'labs/default.yaml').dataplane!).export!;
    expect(iptables.tools).not.toContain('nft');
    expect(iptables.build.some((l) => l.includes(' nft -f '))).toBe(false);
  });
});

const reason = netnsSkipReason(['ip', 'nft', 'bash', 'iptables-restore', 'nfacct']);
const PREFIX = `nlnft${process.pid % 100000}-`;
const work = mkdtempSync(join(tmpdir(), 'netlab-nft-export-'));

afterAll(() => {
  // Whatever the outcome, none of this test's namespaces stay behind.
  for (const name of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
    const ns = name.split(' ')[0]!;
    if (ns.startsWith(PREFIX)) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
  forgetExportRecords(PREFIX);
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(reason !== undefined)(`real kernel: the exported nftables mode lab${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it("builds, every node lists netlab's ruleset, and the teardown removes it all", () => {
    const { cluster, dataplane } = nftablesDefaultLab();
    const ex = exported(PREFIX);
    const build = join(work, 'build.sh');
    const teardown = join(work, 'teardown.sh');
    writeFileSync(build, `${ex.build.join('\n')}\n`);
    writeFileSync(teardown, `${ex.teardown.join('\n')}\n`);
    const built = spawnSync('bash', [build], { encoding: 'utf8', timeout: 120_000 });
    expect(built.status, built.stderr).toBe(0);
    for (const node of cluster.nodes) {
      const ours = toText(renderNftRuleset(dataplane.nodeNetns(node).nftables));
      const nft = (...args: string[]) =>
        execFileSync('ip', ['netns', 'exec', `${PREFIX}${node.name}`, 'nft', ...args], { encoding: 'utf8' });
      expect(nft('list', 'table', 'ip', 'kube-proxy'), node.name).toBe(ours);
      // The real ruleset also holds the tables iptables-nft made for the kubelet's and flannel's rules
      // (netlab does not list those: docs/commands.md); kube-proxy's table comes last, as it started last.
      const ruleset = nft('list', 'ruleset');
      expect(ruleset.endsWith(ours), node.name).toBe(true);
      expect(ruleset).toMatch(/^table ip /);
    }
    const down = spawnSync('bash', [teardown], { encoding: 'utf8', timeout: 120_000 });
    expect(down.status, down.stderr).toBe(0);
    expect(
      execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.startsWith(PREFIX)),
    ).toEqual([]);
  }, 180_000);
});
