/**
 * Faults against the real kernel: the default lab is built for real in
 * namespaces of this run's own prefix (`netlab export --format netns`), the
 * fault is applied for real (`ip link set DEV down`, `ip route del`), and
 * what the tools print there is compared with netlab's faulted build. Each
 * case gets a fresh build. Skipped, with the reason, where the conformance
 * suite is (not root, not Linux, a tool missing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataplane } from '../../src/dataplane/build.js';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import { exportNetns, type NetnsExport } from '../../src/export/netns.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { resolveNetnsTarget } from '../../src/model/resolve.js';
import { toText } from '../../src/render/types.js';
import type { FaultKind } from '../../src/topology/types.js';
import { FAULT_OPTIONS } from '../../src/whatif/faults.js';
import { buildVariant } from '../../src/whatif/variant.js';
import { deleteNetns, listNetns, probeHost, runJobs, runScript } from '../conformance/host.js';
import { normalise, type Context } from '../golden/accepted-differences.js';
import { readRepoFile } from '../helpers.js';
import { forgetExportRecords } from '../netns-helpers.js';

const RUN = `nlf${process.pid}-`;
const host = probeHost(`${RUN}probe`);
const DEFAULT = readRepoFile('labs/default.yaml');

function build(faults: [FaultKind, string][]): Dataplane {
  const v = buildVariant(DEFAULT, 'labs/default.yaml', {
    sets: [],
    faults: faults.map(([kind, value]) => ({ kind, value, origin: { flag: FAULT_OPTIONS[kind] } })),
  });
  if (!v.dataplane) throw new Error(v.diagnostics.map((d) => d.message).join('; '));
  return v.dataplane;
}

function netnsOf(d: Dataplane, target: string): NetNs {
  const t = resolveNetnsTarget(d.cluster, target);
  return t.kind === 'node' ? d.nodeNetns(t.node) : d.podNetns(t.pod);
}

interface Case {
  readonly name: string;
  readonly fault: [FaultKind, string];
  /** What the fault does, for real: [target, argv run inside its netns]. */
  readonly real: (d: Dataplane) => [string, string[]][];
  /** What is compared afterwards: [target, command]. */
  readonly views: readonly [string, string][];
}

const STATE = ['ip -d link show', 'ip addr show', 'ip route show table all', 'ip neigh show', 'bridge fdb show'];
/** The state views of one target, each as [target, command]. */
const stateOf = (target: string): [string, string][] => STATE.map((c) => [target, c]);

const CASES: readonly Case[] = [
  {
    name: 'flannel.1 down on node-02',
    fault: ['linkDown', 'node-02:flannel.1'],
    real: () => [['node-02', ['ip', 'link', 'set', 'flannel.1', 'down']]],
    views: stateOf('node-02'),
  },
  {
    name: "pod-c's eth0 down (its host veth loses carrier, the bridge port is disabled)",
    fault: ['linkDown', 'pod-c:eth0'],
    real: () => [['pod-c', ['ip', 'link', 'set', 'eth0', 'down']]],
    views: [...stateOf('pod-c'), ...stateOf('node-02')],
  },
  {
    name: "pod-b's host veth down (the only port of node-03's cni0)",
    fault: ['linkDown', `node-03:${'VETH'}`],
    real: (d) => [['node-03', ['ip', 'link', 'set', d.cluster.podByKey.get('default/pod-b')!.hostVeth!.name, 'down']]],
    views: [...stateOf('node-03'), ...stateOf('pod-b')],
  },
  {
    name: 'eth0 down on node-03',
    fault: ['linkDown', 'node-03:eth0'],
    real: () => [['node-03', ['ip', 'link', 'set', 'eth0', 'down']]],
    views: stateOf('node-03'),
  },
  {
    name: 'node-03 powered off (every link of the node and its pods down)',
    fault: ['fail', 'node-03'],
    real: (d) => {
      const node = d.cluster.nodeByName.get('node-03')!;
      const down = (target: string, ns: NetNs): [string, string[]][] =>
        ns.links.filter((l) => l.info.kind !== 'loopback').map((l) => [target, ['ip', 'link', 'set', l.name, 'down']]);
      return [...down('node-03', d.nodeNetns(node)), ...node.pods.filter((p) => !p.hostNetwork).flatMap((p) => down(p.key, d.podNetns(p)))];
    },
    views: [...stateOf('node-03'), ...stateOf('pod-b')],
  },
  {
    name: 'an iptables rule deleted on node-02',
    fault: ['ruleDel', 'node-02:nat:FLANNEL-POSTRTG:1'],
    real: () => [['node-02', ['iptables', '-t', 'nat', '-D', 'FLANNEL-POSTRTG', '1']]],
    views: [
      ['node-02', 'iptables-save -t nat'],
      ['node-02', 'iptables -t nat -S FLANNEL-POSTRTG'],
    ],
  },
  {
    name: 'a route deleted on node-02',
    fault: ['routeDel', 'node-02:10.244.2.0/24'],
    real: () => [['node-02', ['ip', 'route', 'del', '10.244.2.0/24']]],
    views: [['node-02', 'ip route show table all']],
  },
];

describe.skipIf(host.unusable !== undefined)(
  `faults against the real kernel${host.unusable !== undefined ? ` — skipped: ${host.unusable}` : ''}`,
  () => {
    beforeAll(() => deleteNetns(listNetns().filter((n) => n.startsWith(RUN))));
    afterAll(() => {
      deleteNetns(listNetns().filter((n) => n.startsWith(RUN)));
      forgetExportRecords(RUN);
    });

    CASES.forEach((c, i) => {
      describe(c.name, () => {
        const prefix = `${RUN}${i}-`;
        const baseline = build([]);
        const faultValue = c.fault[1].replace('VETH', baseline.cluster.podByKey.get('default/pod-b')!.hostVeth!.name);
        const faulted = build([[c.fault[0], faultValue]]);
        const exported: NetnsExport = exportNetns(baseline, { prefix, source: 'labs/default.yaml' }).export!;
        const real = new Map<string, { stdout: string; stderr: string; exitCode: number }>();
        let failure: string | undefined;
        beforeAll(() => {
          const built = runScript(exported.build);
          if (built.status !== 0) {
            failure = `build failed: ${built.stderr}`;
            return;
          }
          const actions = c
            .real(baseline)
            .map(([target, argv]) => ({ netns: exported.netnsById.get(netnsOf(baseline, target).id)!, argv }));
          for (const [j, out] of runJobs(actions).entries())
            if (out.exitCode !== 0) failure = `${actions[j]!.argv.join(' ')}: ${out.stderr}`;
          // Carrier changes reach bridges and routes through linkwatch, up to a second later: compare the settled state.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
          const views = c.views.map(([target, command]) => ({
            netns: exported.netnsById.get(netnsOf(baseline, target).id)!,
            argv: command.split(' '),
          }));
          runJobs(views, { parallel: 8 }).forEach((out, j) => real.set(c.views[j]!.join(' / '), out));
        }, 120_000);
        afterAll(() => {
          runScript(exported.teardown);
          deleteNetns(listNetns().filter((n) => n.startsWith(prefix)));
        }, 60_000);

        for (const [target, command] of c.views) {
          it(`${target}: ${command}`, () => {
            expect(failure).toBeUndefined();
            const ns = netnsOf(faulted, target);
            const sim = runEmulated(ns, command.split(' '), { dataplane: faulted, routeGet });
            const got = real.get(`${target} / ${command}`)!;
            const ctx: Context = { kind: ns.kind, command, netnsPrefix: prefix };
            expect(normalise(toText(sim.stdout), ctx, 'netlab'), `${c.name}: ${target}: ${command}`).toBe(
              normalise(got.stdout, ctx, 'capture'),
            );
          });
        }
      });
    });
  },
);
