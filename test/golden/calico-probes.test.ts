/**
 * The probes capture-calico.sh ran in the calico golden labs (ping and
 * traceroute between the lab's own namespaces, listed in <label>/probes.tsv)
 * against netlab's walk of the same topology: TTLs, hops, the blackhole,
 * the other subnet the router cannot reach, the MTU edge. Round-trip times
 * are the only thing masked (a snapshot cannot know them). The state
 * captures of the same labs are compared by golden.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataplane } from '../../src/dataplane/build.js';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import { buildCluster } from '../../src/model/cluster.js';
import { toText } from '../../src/render/types.js';
import { loadTopology } from '../../src/topology/load.js';

const ROOT = import.meta.dirname;
const LABS = ['calico-bgp', 'calico-vxlan'];

/** `time=0.057 ms`, traceroute's `  0.046 ms`, ping's `time 0ms` and rtt line: the measured times. */
function maskTimes(text: string): string {
  return text
    .replace(/time=\d+(\.\d+)? ms/g, 'time=T ms')
    .replace(/ {2}\d+\.\d+ ms/g, '  T ms')
    .replace(/, time \d+ms$/gm, ', time Tms')
    .replace(/^rtt min\/avg\/max\/mdev = .*$/gm, 'rtt min/avg/max/mdev = T');
}

function rows(path: string): { file: string; exit: number; command: string }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split('\t'))
    .map(([file, exit, command]) => ({ file: file!, exit: Number(exit), command: command! }));
}

for (const lab of LABS) {
  const dir = join(ROOT, lab);
  describe.skipIf(!existsSync(join(dir, 'netns.tsv')))(`calico probes ${lab}`, () => {
    const file = join(dir, 'topology.yaml');
    const { cluster } = buildCluster(loadTopology(readFileSync(file, 'utf8'), file).topology!);
    const dataplane = buildDataplane(cluster!).dataplane!;
    for (const label of ['pod-a', 'node-01']) {
      const tsv = join(dir, label, 'probes.tsv');
      if (!existsSync(tsv)) continue;
      const ns = label.startsWith('node')
        ? dataplane.nodeNetns(cluster!.nodeByName.get(label)!)
        : dataplane.podNetns(cluster!.podByKey.get(`default/${label}`)!);
      for (const row of rows(tsv)) {
        it(`${label}: ${row.command}`, () => {
          const result = runEmulated(ns, row.command.split(' '), { dataplane, routeGet });
          const expected = readFileSync(join(dir, label, row.file), 'utf8');
          const stderrFile = join(dir, label, row.file.replace(/\.txt$/, '.stderr'));
          const where = `${lab} / ${label} / ${row.command}`;
          expect(maskTimes(toText(result.stdout)), `${where}: stdout`).toBe(maskTimes(expected));
          expect(result.stderr.map((l) => `${l}\n`).join(''), `${where}: stderr`).toBe(
            existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : '',
          );
          expect(result.exitCode, `${where}: exit code`).toBe(row.exit);
        });
      }
    }
  });
}
