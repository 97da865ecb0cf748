/**
 * netlab against the real kernel. For every lab under test/golden/ that has
 * captures (test/golden/capture.sh wrote <label>/commands.tsv and netns.tsv),
 * load topology.yaml, build the dataplane, run every captured command
 * through runEmulated in the matching netns, and compare stdout, stderr and
 * the exit code with what the real tools printed. The only accepted
 * differences are the named ones in accepted-differences.ts; anything else
 * fails with a diff naming lab / netns / command.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataplane, type Dataplane } from '../../src/dataplane/build.js';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { buildCluster } from '../../src/model/cluster.js';
import type { Cluster } from '../../src/model/types.js';
import { addrGenMode, autoIpv6 } from '../../src/render/link-common.js';
import { toText } from '../../src/render/types.js';
import { loadTopology } from '../../src/topology/load.js';
import { NOT_COMPARED, NOT_COMPARED_KINDS, normalise, skipDeviceCommand } from './accepted-differences.js';

const ROOT = import.meta.dirname;

interface Row {
  readonly file: string;
  readonly exit: number;
  readonly command: string;
}

function tsv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

function build(lab: string): { cluster: Cluster; dataplane: Dataplane } {
  const file = join(ROOT, lab, 'topology.yaml');
  const loaded = loadTopology(readFileSync(file, 'utf8'), file);
  if (!loaded.topology) throw new Error(`${lab}/topology.yaml does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  const { cluster, diagnostics } = buildCluster(loaded.topology);
  if (!cluster) throw new Error(`${lab}: buildCluster failed: ${diagnostics.map((d) => d.message).join('; ')}`);
  const built = buildDataplane(cluster);
  if (!built.dataplane) throw new Error(`${lab}: buildDataplane failed: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  return { cluster, dataplane: built.dataplane };
}

/** The netns netlab builds for a capture label: a node by name, a pod by name. */
function netnsFor(cluster: Cluster, dataplane: Dataplane, label: string, kind: string): NetNs | undefined {
  if (kind === 'node') {
    const node = cluster.nodeByName.get(label);
    return node && dataplane.nodeNetns(node);
  }
  if (kind === 'pod') {
    const pod = cluster.pods.find((p) => p.name === label);
    return pod && dataplane.podNetns(pod);
  }
  return undefined;
}

const labs = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, d.name, 'topology.yaml')))
  .map((d) => d.name)
  .sort();

for (const lab of labs) {
  const captured = existsSync(join(ROOT, lab, 'netns.tsv'));
  describe.skipIf(!captured)(`golden ${lab}`, () => {
    if (!captured) return;
    const { cluster, dataplane } = build(lab);
    for (const [label, , kind] of tsv(join(ROOT, lab, 'netns.tsv')) as [string, string, string][]) {
      const skipKind = NOT_COMPARED_KINDS[kind];
      describe.skipIf(skipKind !== undefined)(`${label} (${kind})`, () => {
        if (skipKind !== undefined) return;
        const ns = netnsFor(cluster, dataplane, label, kind);
        it('exists in netlab', () => expect(ns, `${lab}: netlab has no ${kind} ${label}`).toBeDefined());
        if (!ns) return;
        const randomLinkLocals = ns.links.filter((l) => addrGenMode(l) === 'random').flatMap((l) => autoIpv6(l).map((a) => a.address));
        const rows: Row[] = tsv(join(ROOT, lab, label, 'commands.tsv')).map(([file, exit, command]) => ({
          file: file!,
          exit: Number(exit),
          command: command!,
        }));
        for (const row of rows) {
          const skip = NOT_COMPARED[row.command] ?? skipDeviceCommand(kind, row.command);
          it.skipIf(skip !== undefined)(row.command, () => {
            const ctx = { kind, command: row.command, randomLinkLocals };
            const expectedOut = readFileSync(join(ROOT, lab, label, row.file), 'utf8');
            const stderrFile = join(ROOT, lab, label, row.file.replace(/\.txt$/, '.stderr'));
            const expectedErr = existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : '';
            const result = runEmulated(ns, row.command.split(' '), { dataplane, routeGet });
            const where = `${lab} / ${label} / ${row.command}`;
            expect(normalise(toText(result.stdout), ctx, 'netlab'), `${where}: stdout`).toBe(normalise(expectedOut, ctx, 'capture'));
            expect(result.stderr.map((l) => `${l}\n`).join(''), `${where}: stderr`).toBe(expectedErr);
            expect(result.exitCode, `${where}: exit code`).toBe(row.exit);
          });
        }
      });
    }
  });
}

describe("golden physical-nic: netlab node eth0 vs this machine's virtio_net eth0", () => {
  const dir = join(ROOT, 'physical-nic');
  const lab = labs.find((l) => l === 'flannel-vxlan');
  it.skipIf(!lab || !existsSync(dir))(
    "ethtool -i, ethtool -S and ip -d link (counters, MAC, MTU, ifindex and parentdev are the machine's)",
    () => {
      const { cluster, dataplane } = build(lab!);
      const node = dataplane.nodeNetns(cluster.nodes[0]!);
      const run = (command: string) => toText(runEmulated(node, command.split(' ')).stdout);
      expect(run('ethtool -i eth0')).toBe(readFileSync(join(dir, 'ethtool_-i_eth0.txt'), 'utf8'));
      const zero = (t: string) => t.replace(/: \d+$/gm, ': 0');
      expect(zero(run('ethtool -S eth0'))).toBe(zero(readFileSync(join(dir, 'ethtool_-S_eth0.txt'), 'utf8')));
      const machine = (t: string) =>
        t
          .replace(/^\d+:/, 'N:')
          .replace(/mtu \d+/, 'mtu M')
          .replace(/link\/ether \S+/, 'link/ether MAC')
          .replace(/parentdev \S+/, 'parentdev D');
      expect(machine(run('ip -d link show eth0'))).toBe(machine(readFileSync(join(dir, 'ip_-d_link_show_eth0.txt'), 'utf8')));
    },
  );
});
