/**
 * netlab against the real kernel, on the same topology. For each lab (the
 * default lab, the golden flannel and calico labs, the services lab per
 * backend and kube-proxy mode, seeded random topologies):
 * `netlab export --format netns` builds it for real in namespaces of this
 * run's own prefix, then what the kernel prints and does is compared with
 * what netlab prints and decides (runEmulated on the same NetNs): state
 * views in every node and pod, `ip route get` for every pair, ping and
 * traceroute for one pair of each path kind and at the MTU edge, and
 * connections to cluster IPs and node ports, answered by servers in the
 * pods (the endpoint reached and the source it saw, against the walk). The only
 * accepted differences are the named ones in
 * test/golden/accepted-differences.ts; anything else fails with a diff that
 * names the lab, the namespace and the command.
 *
 *   NETLAB_CONFORMANCE_CASES=300 npx vitest run test/conformance   hundreds of random labs
 *   NETLAB_CONFORMANCE_SEED=7 ...                                   another sequence of them
 *   NETLAB_CONFORMANCE_LABS=^services- ...                          only the labs whose name matches
 *
 * Skipped, with the reason, when not root, not Linux, or a tool is missing;
 * a lab needing a device kind this kernel lacks (ipip, dummy) is skipped
 * with that reason. See docs/export.md.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataplane, type Dataplane } from '../../src/dataplane/build.js';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import { exportNetns, type NetnsExport } from '../../src/export/netns.js';
import { STATE_ROOT } from '../../src/export/script.js';
import { buildCluster } from '../../src/model/cluster.js';
import { addrGenMode, autoIpv6 } from '../../src/render/link-common.js';
import { stdoutText } from '../../src/exec/types.js';
import { loadTopology } from '../../src/topology/load.js';
import { knownBug, normalise, TUN_LL_MASK, type Context } from '../golden/accepted-differences.js';
import { forgetExportRecords } from '../netns-helpers.js';
import {
  deleteNetns,
  listNetns,
  onPath,
  probeHost,
  runJobsAsync,
  runScriptAsync,
  startServers,
  type LinkKind,
  type Output,
} from './host.js';
import { DEFAULT_CASES, fixedLabs, randomLab, servicesLabs, type LabSource } from './labs.js';
import { endpoints, planChecks, randomLinkLocalDevices, type Check } from './plan.js';
import { listenerArgv, listenerSpecs, realOutcomes, SERVER_LIFE_SEC } from './service-probes.js';

/** This run's namespaces all start with it; a crashed run's are recognised by its dead pid. */
const RUN = `nlc${process.pid}-`;
const CASES = Number(process.env.NETLAB_CONFORMANCE_CASES ?? DEFAULT_CASES);
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

/** NETLAB_CONFORMANCE_LABS=REGEX: only the labs whose name matches (e.g. `^services-`). */
const ONLY = process.env.NETLAB_CONFORMANCE_LABS;
const labs: LabSource[] = [...fixedLabs(), ...servicesLabs(), ...Array.from({ length: CASES }, (_, i) => randomLab(SEED, i))].filter(
  (l) => ONLY === undefined || new RegExp(ONLY).test(l.name),
);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a name (a namespace, a build record) is of an earlier run of this suite that was killed (its pid is gone). */
function ofDeadRun(name: string): boolean {
  const m = /^nlc(\d+)-/.exec(name);
  return m !== null && Number(m[1]) !== process.pid && !isAlive(Number(m[1]));
}

/** Deletes what killed runs of this suite left: their namespaces, and their builds' records (/run/netlab). */
function cleanUpDeadRuns(): void {
  deleteNetns(listNetns().filter(ofDeadRun));
  let records: string[] = [];
  try {
    records = readdirSync(STATE_ROOT);
  } catch {
    // no record at all
  }
  for (const record of records.filter(ofDeadRun)) forgetExportRecords(record);
}

function model(source: LabSource): Dataplane {
  const loaded = loadTopology(source.yaml, source.file);
  if (!loaded.topology)
    throw new Error(`${source.name}: the topology does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  const clustered = buildCluster(loaded.topology);
  if (!clustered.cluster) throw new Error(`${source.name}: ${clustered.diagnostics.map((d) => d.message).join('; ')}`);
  const built = buildDataplane(clustered.cluster);
  if (!built.dataplane) throw new Error(`${source.name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  return built.dataplane;
}

/** What the kernel printed for each check, captured in three phases so traffic never precedes a state view. */
async function capture(name: string, checks: readonly Check[], exported: NetnsExport, dataplane: Dataplane): Promise<Map<Check, Output>> {
  const real = new Map<Check, Output>();
  const netnsOf = (c: Check) => exported.netnsById.get(c.where.ns.id)!;
  const run = async (list: readonly Check[], parallel: number, timeoutSec: number) => {
    const outputs = await runJobsAsync(
      list.map((c) => ({ netns: netnsOf(c), argv: c.argv })),
      { parallel, timeoutSec },
    );
    for (const [i, c] of list.entries()) {
      let out = outputs[i]!;
      // iproute2 names peer namespaces by asking every /run/netns entry for its id: one created or
      // deleted meanwhile (by another lab, by anyone) makes it complain. Asked again, it answers.
      for (let retry = 0; retry < 3 && out.stderr.includes('Peer netns reference is invalid'); retry++)
        out = (await runJobsAsync([{ netns: netnsOf(c), argv: c.argv }]))[0]!;
      real.set(c, out);
    }
  };
  const phase = (phaseName: Check['phase'], parallel: number, timeoutSec: number) =>
    run(
      checks.filter((c) => c.phase === phaseName),
      parallel,
      timeoutSec,
    );
  const timing: string[] = [];
  let mark = Date.now();
  const lap = (what: string) => {
    timing.push(`${what} ${Date.now() - mark} ms`);
    mark = Date.now();
  };
  await phase('state', 8, 10);
  lap('state');
  // A TUN's link-local is random: replaced by capture.sh's token, as netlab's stand-in is.
  for (const node of dataplane.cluster.nodes) {
    const ns = dataplane.nodeNetns(node);
    for (const dev of randomLinkLocalDevices(ns)) {
      const [out] = await runJobsAsync([
        { netns: exported.netnsById.get(ns.id)!, argv: ['ip', '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link'] },
      ]);
      for (const address of out!.stdout.match(/fe80::[0-9a-f:]+/g) ?? []) {
        for (const [c, o] of real) if (c.where.ns === ns) real.set(c, { ...o, stdout: o.stdout.split(address).join(TUN_LL_MASK) });
      }
    }
  }
  await phase('route', 8, 10);
  lap('route get');
  // Probes wait for their timeouts (1 s), so each round runs all at once. Rounds (plan.ts): pings,
  // then the MTU-edge pings that fit and the traceroutes, each one per source host and round. A router
  // without a route answers through ip_error(), which allows a source host 5 errors, then one a
  // second (net.ipv4.route.error_burst/error_cost: host-wide sysctls, not ours to change), and one
  // traceroute sends 16 probes at once: a round that drew such an error lasts at least 1.1 s, so a
  // source always has one left. Labs are independent (each has its own router).
  const probes = checks.filter((c) => c.phase === 'probe');
  const rounds = [...new Set(probes.map((c) => c.round ?? 0))].sort((a, b) => a - b);
  for (const round of rounds) {
    const started = Date.now();
    const list = probes.filter((c) => (c.round ?? 0) === round);
    // Each probe starts afresh, as netlab's do (they keep no state between commands). A sender that cannot
    // resolve its next hop keeps trying for 3 s, longer than its probe waits, and then answers every packet
    // queued meanwhile with host unreachable: a later probe would hear an error an earlier one started, so the
    // senders' unresolved neighbour entries go (deleting one drops its queue without a word). And a frag needed
    // teaches the sending host a path MTU for 10 minutes (flanneld's DF datagrams too), which a later probe
    // from that host, or forwarded by it, would use: the senders' and their nodes' learned routes go too.
    const senders = [...new Set(list.map(netnsOf))];
    const hosts = [...new Set(list.flatMap((c) => (c.where.node ? [exported.netnsById.get(dataplane.nodeNetns(c.where.node).id)!] : [])))];
    await runJobsAsync(
      [
        ...senders.map((netns) => ({ netns, argv: ['ip', 'neigh', 'flush', 'nud', 'incomplete'] })),
        ...[...new Set([...senders, ...hosts])].map((netns) => ({ netns, argv: ['ip', 'route', 'flush', 'cache'] })),
      ],
      { parallel: 8, timeoutSec: 10 },
    );
    await run(list, 64, 30);
    // Only an answer from ip_error spends a token: `From ... Unreachable`, or a `!N`/`!H` hop.
    if (list.some((c) => /Unreachable| !\w/.test(real.get(c)!.stdout))) await delay(1100 - (Date.now() - started));
    lap(`probes round ${round}`);
  }
  // Connections to services: servers in every namespace the model has sockets in, then the clients, all at once
  // (each client stops at its first error; see service-probes.ts).
  const services = checks.filter((c) => c.phase === 'service');
  if (services.length > 0) {
    const servers = listenerSpecs(dataplane, endpoints(dataplane)).map((s) => ({
      netns: exported.netnsById.get(s.where.ns.id)!,
      argv: listenerArgv(s),
    }));
    const failure = await startServers(servers, SERVER_LIFE_SEC);
    if (failure !== undefined) throw new Error(failure);
    lap('servers');
    // In rounds, like the traceroutes: a round whose connections may draw a "no route" error lasts 1.1 s or more.
    const serviceRounds = [...new Set(services.map((c) => c.round ?? 0))].sort((a, b) => a - b);
    for (const round of serviceRounds) {
      const started = Date.now();
      const list = services.filter((c) => (c.round ?? 0) === round);
      await run(list, 64, 60);
      if (list.some((c) => c.service?.prediction.drawsRouteError)) await delay(1100 - (Date.now() - started));
    }
    lap('services');
  }
  if (process.env.NETLAB_CONFORMANCE_TIMING) console.error(`${name}: ${timing.join(', ')}`);
  return real;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** What a lab left for its checks: the kernel's answers, or why there are none; and how its teardown went. */
interface LabRun {
  real?: Map<Check, Output>;
  buildFailure?: string;
  teardown?: { readonly status: number; readonly stderr: string; readonly left: readonly string[] };
}

/** Builds, captures and tears down one lab; its checks compare afterwards (the model is enough for netlab's side). */
async function runLab(
  source: LabSource,
  prefix: string,
  exported: NetnsExport,
  dataplane: Dataplane,
  checks: readonly Check[],
  into: LabRun,
): Promise<void> {
  try {
    const started = Date.now();
    const build = await runScriptAsync(exported.build);
    if (process.env.NETLAB_CONFORMANCE_TIMING) console.error(`${source.name}: build ${Date.now() - started} ms`);
    if (build.status !== 0) into.buildFailure = `the exported script failed (exit ${build.status}):\n${build.stderr}`;
    else into.real = await capture(source.name, checks, exported, dataplane);
  } catch (error) {
    into.buildFailure = `capture failed: ${error instanceof Error ? error.stack : String(error)}`;
  } finally {
    const teardown = await runScriptAsync(exported.teardown);
    const left = listNetns().filter((n) => n.startsWith(prefix));
    if (left.length > 0) deleteNetns(left);
    // A teardown that failed leaves its record; the check below reports it, the next run must not trip on it.
    if (teardown.status !== 0) forgetExportRecords(prefix);
    into.teardown = { status: teardown.status, stderr: teardown.stderr, left };
  }
}

/** Labs waiting to run, filled while the tests are collected, run by the top-level beforeAll. */
const pending: (() => Promise<void>)[] = [];

/** How many labs build and probe at once: their probes mostly wait for timeouts, and each has its own router. */
const PARALLEL_LABS = Number(process.env.NETLAB_CONFORMANCE_PARALLEL ?? 3);

async function runPending(): Promise<void> {
  const queue = [...pending];
  await Promise.all(
    Array.from({ length: Math.max(1, PARALLEL_LABS) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }),
  );
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
  const proxyMode = dataplane.cluster.topology.network.kubeProxy.mode;
  const skipReason = [
    ...(proxyMode === 'ipvs' && host.noIpvs !== undefined ? [`kube-proxy ipvs mode: ${host.noIpvs}`] : []),
    // Its REDIRECT rules hand connections to kube-proxy's own sockets: nothing would answer them.
    ...(proxyMode === 'userspace' ? ['kube-proxy userspace mode: the proxy is the kube-proxy process, which the export does not run'] : []),
    ...missing.map((k) => `this kernel cannot create ${k} devices (${host.missingKinds.get(k as LinkKind)})`),
    ...missingTools.map((t) => `missing tool ${t}`),
  ].join('; ');
  // A lab this host cannot build is one skipped test with the reason, not one per check it would have made.
  if (skipReason !== '') {
    it.skip(`${source.name} — skipped: ${skipReason}`, () => {});
    return;
  }
  describe(source.name, () => {
    const checks = planChecks(dataplane);
    const lab: LabRun = {};
    let failed = false;
    pending.push(() => runLab(source, prefix, exported, dataplane, checks, lab));
    afterAll(() => {
      if (!failed) return;
      const file = join(tmpdir(), `netlab-conformance-${source.name}.yaml`);
      writeFileSync(file, source.yaml);
      console.error(`conformance ${source.name}: differences found; the topology is in ${file} (netlab -f ${file} export --format netns)`);
    });

    it('builds for real', () => {
      expect(lab.buildFailure, `${source.name}: ${lab.buildFailure}`).toBeUndefined();
    });
    it('tears down what it built', () => {
      expect(lab.teardown?.status, `${source.name}: teardown: ${lab.teardown?.stderr}`).toBe(0);
      expect(lab.teardown?.left, `${source.name}: namespaces left after the teardown`).toEqual([]);
    });

    const spec = dataplane.cluster.topology.network.cni;
    const cni = spec.plugin === 'flannel' ? `flannel ${spec.backend}` : `calico ${spec.mode}`;
    const randomLinkLocals = (c: Check) =>
      c.where.ns.links.filter((l) => addrGenMode(l) === 'random').flatMap((l) => autoIpv6(l).map((a) => a.address));
    for (const check of checks) {
      const title = check.pathKind !== undefined ? `${check.name} (${check.pathKind})` : check.name;
      it(title, (test) => {
        const real = lab.real;
        if (!real) return test.skip('the lab did not build');
        const got = real.get(check)!;
        const command = check.argv.join(' ');
        if (check.service) {
          // Which endpoint a try reaches is the kernel's random choice: what it reached must be what the walk allows.
          const probe = check.name.slice(check.where.label.length + 3);
          const where = `${source.name} / ${check.where.label} / ${probe}`;
          const allowed = check.service.prediction.outcomes;
          const reached = [...new Set(realOutcomes(got.stdout))].sort();
          const marked = reached.map((o) => (allowed.has(o) ? o : `${o}   <- not an outcome netlab's walk allows`));
          const expected = reached.filter((o) => allowed.has(o));
          const listing = [...allowed].map(([o, p]) => `  ${o} (${(p * 100).toFixed(1)}%)`).join('\n');
          if (marked.length !== expected.length) {
            // Known bugs see the outcomes one a line: the kernel's reached, netlab's allowed.
            const ctx: Context = { kind: check.where.kind, command: probe, netnsPrefix: prefix, cni };
            const bug = knownBug(
              ctx,
              { stdout: reached.map((o) => `${o}\n`).join(''), stderr: got.stderr, exitCode: got.exitCode },
              { stdout: [...allowed.keys()].map((o) => `${o}\n`).join(''), stderr: '', exitCode: 0 },
            );
            if (bug) return test.skip(`known netlab bug: ${bug.name}`);
          }
          if (marked.length !== expected.length || reached.length === 0 || got.stderr !== '') failed = true;
          expect(got.stderr, `${where}: the client's stderr`).toBe('');
          expect(reached.length, `${where}: the client printed no outcome`).toBeGreaterThan(0);
          expect(marked, `${where}: what the kernel did, against what netlab's walk allows:\n${listing}\n`).toEqual(expected);
          return;
        }
        const ctx: Context = {
          kind: check.where.kind,
          command,
          randomLinkLocals: randomLinkLocals(check),
          netnsPrefix: prefix,
          cni,
          ...(hostCpus !== undefined ? { hostCpus } : {}),
        };
        const sim = runEmulated(check.where.ns, check.argv, { dataplane, routeGet });
        const netlab = { stdout: stdoutText(sim), stderr: sim.stderr.map((l) => `${l}\n`).join(''), exitCode: sim.exitCode };
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

describe.skipIf(host.unusable !== undefined)(
  `real kernel conformance${host.unusable !== undefined ? ` — skipped: ${host.unusable}` : ''}`,
  () => {
    labs.forEach((source, i) => labSuite(source, `${RUN}${i}-`));
    // Every lab is built and probed here, a few at a time, before any check compares.
    beforeAll(
      async () => {
        cleanUpDeadRuns();
        await runPending();
      },
      120_000 + labs.length * 60_000,
    );
    afterAll(() => {
      deleteNetns(listNetns().filter((n) => n.startsWith(RUN)));
      forgetExportRecords(RUN);
    });
  },
);
