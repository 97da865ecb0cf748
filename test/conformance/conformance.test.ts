/**
 * netlab against the real kernel, on the same topology. For each lab (the
 * default lab, the golden flannel labs, seeded random topologies):
 * `netlab export --format netns` builds it for real in namespaces of this
 * run's own prefix, then what the kernel prints and does is compared with
 * what netlab prints and decides (runEmulated on the same NetNs): state
 * views in every node and pod, `ip route get` for every pair, ping and
 * traceroute for one pair of each path kind and at the MTU edge. The only
 * accepted differences are the named ones in
 * test/golden/accepted-differences.ts; anything else fails with a diff that
 * names the lab, the namespace and the command.
 *
 *   NETLAB_CONFORMANCE_CASES=300 npx vitest run test/conformance   hundreds of random labs
 *   NETLAB_CONFORMANCE_SEED=7 ...                                   another sequence of them
 *
 * Skipped, with the reason, when not root, not Linux, or a tool is missing;
 * a lab needing a device kind this kernel lacks (ipip, dummy) is skipped
 * with that reason. See docs/export.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataplane, type Dataplane } from '../../src/dataplane/build.js';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import { exportNetns, type NetnsExport } from '../../src/export/netns.js';
import { buildCluster } from '../../src/model/cluster.js';
import { addrGenMode, autoIpv6 } from '../../src/render/link-common.js';
import { toText } from '../../src/render/types.js';
import { loadTopology } from '../../src/topology/load.js';
import { knownBug, normalise, TUN_LL_MASK, type Context } from '../golden/accepted-differences.js';
import { deleteNetns, listNetns, onPath, probeHost, runJobs, runScript, type LinkKind, type Output } from './host.js';
import { fixedLabs, randomLab, type LabSource } from './labs.js';
import { planChecks, randomLinkLocalDevices, type Check } from './plan.js';

/** This run's namespaces all start with it; a crashed run's are recognised by its dead pid. */
const RUN = `nlc${process.pid}-`;
const CASES = Number(process.env.NETLAB_CONFORMANCE_CASES ?? 4);
const SEED = Number(process.env.NETLAB_CONFORMANCE_SEED ?? 1);

const host = probeHost(`${RUN}probe`);
const hostCpus = possibleCpus();

/** /sys/devices/system/cpu/possible (`0-1`, `0`, `0-3,8-11`): how many queues a veth gets on this host. */
function possibleCpus(): number | undefined {
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    return text.split(',').reduce((n, range) => {
      const [lo, hi] = range.split('-').map(Number);
      return n + (hi === undefined ? 1 : hi - lo! + 1);
    }, 0);
  } catch {
    return undefined;
  }
}

const labs: LabSource[] = [...fixedLabs(), ...Array.from({ length: CASES }, (_, i) => randomLab(SEED, i))];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces left by an earlier run of this suite that was killed (its pid is gone). */
function leftoversOfDeadRuns(): string[] {
  return listNetns().filter((name) => {
    const m = /^nlc(\d+)-/.exec(name);
    return m !== null && Number(m[1]) !== process.pid && !isAlive(Number(m[1]));
  });
}

function model(source: LabSource): Dataplane {
  const loaded = loadTopology(source.yaml, source.file);
  if (!loaded.topology) throw new Error(`${source.name}: the topology does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  const clustered = buildCluster(loaded.topology);
  if (!clustered.cluster) throw new Error(`${source.name}: ${clustered.diagnostics.map((d) => d.message).join('; ')}`);
  const built = buildDataplane(clustered.cluster);
  if (!built.dataplane) throw new Error(`${source.name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  return built.dataplane;
}

/** What the kernel printed for each check, captured in three phases so traffic never precedes a state view. */
function capture(checks: readonly Check[], exported: NetnsExport, dataplane: Dataplane): Map<Check, Output> {
  const real = new Map<Check, Output>();
  const netnsOf = (c: Check) => exported.netnsById.get(c.where.ns.id)!;
  const run = (list: readonly Check[], parallel: number, timeoutSec: number) => {
    const outputs = runJobs(list.map((c) => ({ netns: netnsOf(c), argv: c.argv })), { parallel, timeoutSec });
    list.forEach((c, i) => {
      let out = outputs[i]!;
      // iproute2 names peer namespaces by asking every /run/netns entry for its id: one deleted
      // meanwhile (by anyone on the host) makes it complain. Asked again, it answers.
      for (let retry = 0; retry < 3 && out.stderr.includes('Peer netns reference is invalid'); retry++) out = runJobs([{ netns: netnsOf(c), argv: c.argv }])[0]!;
      real.set(c, out);
    });
  };
  const phase = (name: Check['phase'], parallel: number, timeoutSec: number) => run(checks.filter((c) => c.phase === name), parallel, timeoutSec);
  const timing: string[] = [];
  let mark = Date.now();
  const lap = (what: string) => {
    timing.push(`${what} ${Date.now() - mark} ms`);
    mark = Date.now();
  };
  phase('state', 8, 10);
  lap('state');
  // A TUN's link-local is random: replaced by capture.sh's token, as netlab's stand-in is.
  for (const node of dataplane.cluster.nodes) {
    const ns = dataplane.nodeNetns(node);
    for (const dev of randomLinkLocalDevices(ns)) {
      const [out] = runJobs([{ netns: exported.netnsById.get(ns.id)!, argv: ['ip', '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link'] }]);
      for (const address of out!.stdout.match(/fe80::[0-9a-f:]+/g) ?? []) {
        for (const [c, o] of real) if (c.where.ns === ns) real.set(c, { ...o, stdout: o.stdout.split(address).join(TUN_LL_MASK) });
      }
    }
  }
  phase('route', 8, 10);
  lap('route get');
  // Probes wait for their timeouts (1 s), so each round runs all at once. Rounds (plan.ts): pings,
  // then the MTU-edge pings that fit, then traceroutes, one per source host and round. A router
  // without a route answers through ip_error(), which allows a source host 5 errors, then one a
  // second (net.ipv4.route.error_burst/error_cost: host-wide sysctls, not ours to change), and one
  // traceroute sends 16 probes at once: rounds last at least 1.1 s, so a source always has one left.
  const probes = checks.filter((c) => c.phase === 'probe');
  const rounds = [...new Set(probes.map((c) => c.round ?? 0))].sort((a, b) => a - b);
  for (const round of rounds) {
    const started = Date.now();
    const list = probes.filter((c) => (c.round ?? 0) === round);
    run(list, 64, 30);
    // Only an answer from ip_error spends a token: `From ... Unreachable`, or a `!N`/`!H` hop.
    if (list.some((c) => /Unreachable| !\w/.test(real.get(c)!.stdout))) sleepMs(1100 - (Date.now() - started));
    lap(`probes round ${round}`);
  }
  if (process.env.NETLAB_CONFORMANCE_TIMING) console.error(`capture: ${[...timing].join(', ')}`);
  return real;
}

function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function labSuite(source: LabSource, prefix: string): void {
  let dataplane: Dataplane;
  let exported: NetnsExport;
  try {
    dataplane = model(source);
    const result = exportNetns(dataplane, { prefix, source: source.file });
    if (!result.export) throw new Error(`export failed: ${result.error}`);
    exported = result.export;
  } catch (error) {
    it(`${source.name}: netlab builds and exports it`, () => {
      throw error;
    });
    return;
  }
  // What the script itself needs (its preflight checks the same), so a lab is skipped for it, never failed.
  const missing = exported.linkKinds.filter((k) => host.missingKinds.has(k as LinkKind));
  const missingTools = exported.tools.filter((t) => !onPath(t));
  const skipReason = [
    ...missing.map((k) => `this kernel cannot create ${k} devices (${host.missingKinds.get(k as LinkKind)})`),
    ...missingTools.map((t) => `missing tool ${t}`),
  ].join('; ');
  describe.skipIf(skipReason !== '')(`${source.name}${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
    const checks = planChecks(dataplane);
    let real: Map<Check, Output> | undefined;
    let buildFailure: string | undefined;
    let failed = false;
    beforeAll(() => {
      const started = Date.now();
      const build = runScript(exported.build);
      if (process.env.NETLAB_CONFORMANCE_TIMING) console.error(`${source.name}: build ${Date.now() - started} ms`);
      if (build.status !== 0) {
        buildFailure = `the exported script failed (exit ${build.status}):\n${build.stderr}`;
        return;
      }
      real = capture(checks, exported, dataplane);
    }, 120_000);
    afterAll(() => {
      const teardown = runScript(exported.teardown);
      const left = listNetns().filter((n) => n.startsWith(prefix));
      if (left.length > 0) deleteNetns(left);
      if (failed) {
        const file = join(tmpdir(), `netlab-conformance-${source.name}.yaml`);
        writeFileSync(file, source.yaml);
        console.error(`conformance ${source.name}: differences found; the topology is in ${file} (netlab -f ${file} export --format netns)`);
      }
      expect(teardown.status, `${source.name}: teardown: ${teardown.stderr}`).toBe(0);
      expect(left, `${source.name}: namespaces left after the teardown`).toEqual([]);
    }, 60_000);

    it('builds for real', () => {
      expect(buildFailure, `${source.name}: ${buildFailure}`).toBeUndefined();
    });

    const randomLinkLocals = (c: Check) => c.where.ns.links.filter((l) => addrGenMode(l) === 'random').flatMap((l) => autoIpv6(l).map((a) => a.address));
    for (const check of checks) {
      const title = check.pathKind !== undefined ? `${check.name} (${check.pathKind})` : check.name;
      it(title, (test) => {
        if (!real) return test.skip();
        const got = real.get(check)!;
        const command = check.argv.join(' ');
        const ctx: Context = { kind: check.where.kind, command, randomLinkLocals: randomLinkLocals(check), netnsPrefix: prefix, ...(hostCpus !== undefined ? { hostCpus } : {}) };
        const sim = runEmulated(check.where.ns, check.argv, { dataplane, routeGet });
        const netlab = { stdout: toText(sim.stdout), stderr: sim.stderr.map((l) => `${l}\n`).join(''), exitCode: sim.exitCode };
        const where = `${source.name} / ${check.where.label} / ${command}`;
        const same = (side: 'stdout' | 'stderr') => normalise(netlab[side], ctx, 'netlab') === normalise(got[side], ctx, 'capture');
        if (!(same('stdout') && same('stderr') && netlab.exitCode === got.exitCode)) {
          const bug = knownBug(ctx, got, netlab);
          if (bug) return test.skip(`known netlab bug: ${bug.name}`);
          failed = true;
        }
        expect(normalise(netlab.stdout, ctx, 'netlab'), `${where}: stdout`).toBe(normalise(got.stdout, ctx, 'capture'));
        expect(normalise(netlab.stderr, ctx, 'netlab'), `${where}: stderr`).toBe(normalise(got.stderr, ctx, 'capture'));
        expect(netlab.exitCode, `${where}: exit code`).toBe(got.exitCode);
      });
    }
  });
}

describe.skipIf(host.unusable !== undefined)(`real kernel conformance${host.unusable !== undefined ? ` — skipped: ${host.unusable}` : ''}`, () => {
  beforeAll(() => deleteNetns(leftoversOfDeadRuns()));
  afterAll(() => deleteNetns(listNetns().filter((n) => n.startsWith(RUN))));
  labs.forEach((source, i) => labSuite(source, `${RUN}${i}-`));
});
