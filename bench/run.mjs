#!/usr/bin/env node
// netlab's benchmarks. Every figure is reported as a ratio to a baseline
// measured in the same run (a bare `node -e ''` start, parsing the same file
// alone, the build before a trace), so results compare across machines.
// Targets from the issues are printed next to the figures; nothing here is a
// unit test.
//
// --quick runs the same code paths on small clusters with few repetitions,
// cheap enough for CI; its figures are not compared with the targets.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compactCluster, servicesCluster } from './generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'netlab-bench-'));
// The generated clusters are tens of megabytes: removed when the run exits (an interrupt leaves them).
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const bin = join(root, 'bin', 'netlab.js');
const QUICK = process.argv.includes('--quick');
const REPEAT = Number(process.env.NETLAB_BENCH_REPEAT ?? (QUICK ? 1 : 3));
const PAIRS = Number(process.env.NETLAB_BENCH_PAIRS ?? (QUICK ? 3 : 15));

/** One run of a node command (from the work directory, which has no netlab.yaml): wall and CPU time (ms), peak RSS (MiB). */
function runOnce(args) {
  const usageFile = join(work, 'usage.json');
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--require', join(root, 'bench', 'usage-hook.cjs'), ...args], {
    cwd: work,
    env: { ...process.env, NETLAB_BENCH_USAGE: usageFile, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
  return { ms, cpuMs: usage.cpuMs, rssMiB: usage.rssKiB / 1024 };
}

/** Best of REPEAT runs of a node command: wall time (ms) and peak RSS (MiB). */
function measure(args) {
  let best = { ms: Infinity, rssMiB: 0 };
  for (let i = 0; i < REPEAT; i++) {
    const run = runOnce(args);
    if (run.ms < best.ms) best = run;
  }
  return best;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * A command and its baseline run in turn, PAIRS times each: the median of
 * the CPU-time ratios pair by pair (pairing keeps the ratio meaningful when
 * the machine's speed drifts), and the medians of CPU time and peak RSS.
 */
function paired(args, baseline) {
  const ratios = [];
  const runs = [];
  const bases = [];
  for (let i = 0; i < PAIRS; i++) {
    const base = runOnce(baseline);
    const run = runOnce(args);
    bases.push(base);
    runs.push(run);
    ratios.push(run.cpuMs / base.cpuMs);
  }
  return {
    ratio: median(ratios),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    rssMiB: median(runs.map((r) => r.rssMiB)),
    baseCpuMs: median(bases.map((r) => r.cpuMs)),
    baseRssMiB: median(bases.map((r) => r.rssMiB)),
  };
}

function fixture(nodes) {
  const file = join(work, `cluster-${nodes}.yaml`);
  writeFileSync(file, compactCluster(nodes));
  return file;
}

const yamlUrl = pathToFileURL(createRequire(import.meta.url).resolve('yaml')).href;
const parseOnly = (file) => [
  '-e',
  `import(${JSON.stringify(yamlUrl)}).then((y) => y.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')))`,
];
const fmt = (x) => x.toFixed(1);
const verdict = (ok) => (QUICK ? 'not compared (--quick)' : ok ? 'ok' : 'OVER TARGET');
const count = (n) => n.toLocaleString('en-US');

console.log(
  `netlab benchmarks${QUICK ? " --quick (small clusters: the same code paths, not the targets' sizes)" : ''}, node ${process.version}\n`,
);

// Issue 14: start-up. The installed CLI on the built-in default lab against
// a bare node start, CPU time, paired (see paired()).
const bare = ['-e', ''];
const startup = [
  ['netlab --help', ['--help'], 1.4],
  ['netlab validate', ['validate'], 2.5],
  ['netlab show routes node-02', ['show', 'routes', 'node-02'], 2.5],
  ['netlab trace pod-a pod-b', ['trace', 'pod-a', 'pod-b'], 2.5],
  ['netlab exec node-02 -- iptables-save', ['exec', 'node-02', '--', 'iptables-save'], 2.5],
];
console.log(`start-up on the default lab: CPU time against node -e '' (medians of ${PAIRS} paired runs; ${await codeCacheWords()})`);
for (const [label, args, target] of startup) {
  const m = paired([bin, ...args], bare);
  if (label === startup[0][0]) console.log(`  ${"node -e ''".padEnd(38)} ${fmt(m.baseCpuMs)} ms CPU, ${fmt(m.baseRssMiB)} MiB`);
  console.log(
    `  ${label.padEnd(38)} ${m.ratio.toFixed(2)}x  (${fmt(m.cpuMs)} ms CPU, ${fmt(m.rssMiB)} MiB)  target <= ${target}x: ${verdict(m.ratio <= target)}`,
  );
}

/** Whether V8 takes the bundle's code cache here (it refuses it under other V8 flags, e.g. --max-old-space-size in NODE_OPTIONS). */
function codeCacheWords() {
  const { loadCli } = createRequire(import.meta.url)('../bin/load-bundle.js');
  const cli = loadCli();
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  return cli.main(['node', 'netlab', '--help'], { stdout: discard, stderr: discard, env: {}, cwd: work }).then(() => {
    const netlab = [...cli.scripts.values()][0];
    return netlab?.cacheUsed ? 'V8 code cache taken' : 'V8 code cache REFUSED: compiled from source';
  });
}

const baseline = measure(bare);
console.log(`\nbaseline for what follows (best of ${REPEAT}): node -e ''  ${fmt(baseline.ms)} ms, ${fmt(baseline.rssMiB)} MiB\n`);

// Issue 2: validate and show routes on 5,000 nodes / 150,000 pods / 10,000 services.
const BIG = QUICK ? 50 : 5000;
const big = fixture(BIG);
const parse = measure(parseOnly(big));
console.log(`${count(BIG)} nodes, ${count(BIG * 30)} pods, ${count(BIG * 2)} services (compact file)`);
console.log(`  parse the file alone     ${fmt(parse.ms)} ms  (${fmt(parse.ms / baseline.ms)}x node start)`);
for (const [label, args] of [
  ['validate', ['-f', big, 'validate']],
  ['show routes node-02', ['-f', big, 'show', 'routes', 'node-02']],
]) {
  const m = measure([bin, ...args]);
  console.log(
    `  ${label.padEnd(24)} ${fmt(m.ms)} ms, ${fmt(m.rssMiB)} MiB  (${fmt(m.ms / baseline.ms)}x node start, ${fmt(m.ms / parse.ms)}x parse)  target <= 3000 ms, 600 MiB: ${verdict(m.ms <= 3000 && m.rssMiB <= 600)}`,
  );
}

// Growth per doubling of the cluster.
const GROWTH = QUICK ? [100, 200, 400] : [1000, 2000, 4000];
console.log(`\ngrowth (validate + show routes), ${GROWTH.map(count).join(' -> ')} nodes`);
let previous;
for (const nodes of GROWTH) {
  const file = fixture(nodes);
  const v = measure([bin, '-f', file, 'validate']);
  const s = measure([bin, '-f', file, 'show', 'routes', 'node-02']);
  const total = v.ms + s.ms;
  const ratio = previous ? total / previous : undefined;
  console.log(
    `  ${String(nodes).padStart(5)} nodes  ${fmt(total)} ms${ratio ? `  (${ratio.toFixed(2)}x the previous; target <= 2.3x: ${verdict(ratio <= 2.3)})` : ''}`,
  );
  previous = total;
}

// Issue 3: a trace after the build, in-process, against the same build.
const { loadTopology } = await import(join(root, 'dist/topology/load.js'));
const { buildCluster } = await import(join(root, 'dist/model/cluster.js'));
const { buildDataplane } = await import(join(root, 'dist/dataplane/build.js'));
const { resolveTraceEndpoint } = await import(join(root, 'dist/dataplane/endpoints.js'));
const { tracePacket, newSession } = await import(join(root, 'dist/dataplane/probes.js'));
const t0 = performance.now();
const loaded = loadTopology(readFileSync(big, 'utf8'), big);
const cluster = buildCluster(loaded.topology).cluster;
const dataplane = buildDataplane(cluster).dataplane;
const buildMs = performance.now() - t0;
const pods = cluster.pods;
const from = resolveTraceEndpoint(dataplane, pods[0].key);
const to = resolveTraceEndpoint(dataplane, pods[pods.length - 1].key);
const f0 = performance.now();
tracePacket(dataplane, from, to, {}, false, newSession(dataplane));
const firstMs = performance.now() - f0;
const N = 200;
const w0 = performance.now();
for (let i = 0; i < N; i++) tracePacket(dataplane, from, to, {}, false, newSession(dataplane));
const warmMs = (performance.now() - w0) / N;
console.log(`\ntrace pod to pod across nodes on the ${count(BIG)}-node cluster (in process)`);
console.log(`  build (load, allocate, dataplane)  ${fmt(buildMs)} ms`);
console.log(`  first trace (builds both nodes' netns)  ${firstMs.toFixed(2)} ms  (${(firstMs / buildMs).toFixed(4)}x the build)`);
console.log(
  `  trace, nodes already built          ${warmMs.toFixed(3)} ms  (${(warmMs / buildMs).toFixed(5)}x the build)  target <= 5 ms: ${verdict(warmMs <= 5)}`,
);

// Issue 4: kube-proxy's iptables rules at 10,000 services with 10 endpoints each
// (100,000 pods on 1,000 nodes): iptables-save of one node, in process from the
// first look at the node's iptables (kube-proxy's rules are built then: the
// service ports, their endpoints and chain hashes for the whole cluster) to the
// last line streamed, and the whole command from the shell.
const [SERVICES, ENDPOINTS, SVC_NODES] = QUICK ? [200, 3, 20] : [10000, 10, 1000];
const svcFile = join(work, `services-${SERVICES}x${ENDPOINTS}.yaml`);
writeFileSync(svcFile, servicesCluster(SERVICES, ENDPOINTS, SVC_NODES));
const { renderIptablesSave } = await import(join(root, 'dist/render/iptables-save.js'));
const s0 = performance.now();
const svcCluster = buildCluster(loadTopology(readFileSync(svcFile, 'utf8'), svcFile).topology).cluster;
const svcDataplane = buildDataplane(svcCluster).dataplane;
const svcBuildMs = performance.now() - s0;
const streamOnce = (node) => {
  const c0 = process.cpuUsage();
  const t = performance.now();
  let lines = 0;
  for (const _ of renderIptablesSave(svcDataplane.nodeNetns(node).netfilter)) lines++;
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000, lines };
};
const cold = streamOnce(svcCluster.nodes[1]);
const warm = streamOnce(svcCluster.nodes[2]);
const svcCli = measure([bin, '-f', svcFile, 'exec', 'node-0002', '--', 'iptables-save']);
const svcParse = measure(parseOnly(svcFile));
console.log(
  `\niptables-save of one node, ${count(SERVICES)} services x ${ENDPOINTS} endpoints (${count(SVC_NODES)} nodes, ${count(SERVICES * ENDPOINTS)} pods)`,
);
console.log(`  load, allocate, dataplane (in process)   ${fmt(svcBuildMs)} ms`);
console.log(
  `  first node: build its rules and stream ${cold.lines.toLocaleString('en-US')} lines  ${fmt(cold.ms)} ms (${fmt(cold.cpuMs)} ms CPU)  (${fmt(cold.ms / baseline.ms)}x node start)  target <= 1500 ms: ${verdict(cold.ms <= 1500)}`,
);
console.log(`  another node (cluster-wide rules shared)  ${fmt(warm.ms)} ms (${fmt(warm.cpuMs)} ms CPU)`);
console.log(
  `  netlab exec node-0002 -- iptables-save    ${fmt(svcCli.ms)} ms, ${fmt(svcCli.rssMiB)} MiB  (${fmt(svcCli.ms / baseline.ms)}x node start, ${fmt(svcCli.ms / svcParse.ms)}x parse)`,
);

// Issue 4: a trace from a pod to a service on the same 10,000 x 10 cluster, in
// process, to the last service (the worst case for a linear walk): in iptables
// mode KUBE-SERVICES holds one rule per service port and the evaluator skips
// what cannot match while counting what the kernel would evaluate; in nftables
// mode one `vmap @service-ips` lookup replaces that walk. Reported: the first
// trace (it builds the node's rules), the mean of warm traces, and the rules
// the trace reports as evaluated.
function traceService(file, mode) {
  const built = buildCluster(loadTopology(readFileSync(file, 'utf8'), file).topology).cluster;
  const dp = buildDataplane(built).dataplane;
  const source = resolveTraceEndpoint(dp, built.pods[0].key);
  const target = resolveTraceEndpoint(dp, `svc/${built.services[built.services.length - 1].key}`, source);
  const once = () => tracePacket(dp, source, target, {}, false, newSession(dp)).request;
  const t = performance.now();
  const first = once();
  const firstMs = performance.now() - t;
  const runs = 50;
  const w = performance.now();
  for (let i = 0; i < runs; i++) once();
  const warmMs = (performance.now() - w) / runs;
  const rules = first.hops.flatMap((h) => h.steps).reduce((n, s) => n + (s.kind === 'netfilter' ? s.rulesEvaluated : 0), 0);
  console.log(
    `  ${mode.padEnd(9)} ${first.disposition}, ${rules.toLocaleString('en-US')} rules evaluated; first trace ${fmt(firstMs)} ms, then ${warmMs.toFixed(2)} ms  target <= 5 ms: ${verdict(warmMs <= 5)}`,
  );
}
console.log(`\ntrace pod -> the last of ${count(SERVICES)} services x ${ENDPOINTS} endpoints (in process, after the build)`);
traceService(svcFile, 'iptables');
const nftFile = join(work, `services-${SERVICES}x${ENDPOINTS}-nftables.yaml`);
writeFileSync(nftFile, servicesCluster(SERVICES, ENDPOINTS, SVC_NODES, 'nftables'));
traceService(nftFile, 'nftables');
