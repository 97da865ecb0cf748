/**
 * The real host, as the conformance suite uses it: whether it can run at
 * all (root, Linux, the tools, the kernel's device kinds), and running
 * commands inside the namespaces the suite created. Nothing here touches the
 * root namespace: scripts and commands run through `ip netns exec` (or the
 * exported script, which creates its links inside namespaces), and only
 * namespaces whose names start with this run's prefix are ever deleted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellLine } from '../../src/export/shell.js';

/**
 * Tools the suite runs on the host, with the package that brings each (for
 * the skip message). What one lab's script needs besides (perl for a TUN,
 * nfacct) skips that lab only.
 */
const TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  bridge: 'iproute2',
  brctl: 'bridge-utils',
  ethtool: 'ethtool',
  'iptables-save': 'iptables',
  'iptables-restore': 'iptables',
  ping: 'iputils-ping',
  traceroute: 'traceroute',
  timeout: 'coreutils',
  // The service probes' servers and clients (service-probes.ts).
  perl: 'perl-base',
};

/** Device kinds the labs may need, each probed by creating one in a scratch namespace. */
export const LINK_KINDS = ['veth', 'bridge', 'vxlan', 'tun', 'ipip', 'dummy'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export interface HostCapabilities {
  /** Undefined when the suite can run; else why it is skipped. */
  readonly unusable?: string;
  /** Per device kind: undefined when the kernel creates it, else the error. */
  readonly missingKinds: ReadonlyMap<LinkKind, string>;
  /** Why kube-proxy's ipvs mode cannot run here, when it cannot (the kernel's IPVS). */
  readonly noIpvs?: string;
}

export function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

function run(argv: readonly string[], timeoutMs = 10_000): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

export function probeHost(scratchNetns: string): HostCapabilities {
  const missingKinds = new Map<LinkKind, string>();
  if (process.platform !== 'linux') return { unusable: 'not Linux: network namespaces are a Linux feature', missingKinds };
  if (process.getuid?.() !== 0)
    return { unusable: 'not root: building namespaces needs CAP_SYS_ADMIN and CAP_NET_ADMIN (CI runs the suite as root)', missingKinds };
  const missing = Object.keys(TOOLS).filter((t) => !onPath(t));
  if (missing.length > 0) return { unusable: `missing tools: ${missing.map((t) => `${t} (${TOOLS[t]})`).join(', ')}`, missingKinds };
  const version = run(['iptables-save', '--version']).stdout;
  if (!version.includes('nf_tables'))
    return { unusable: `iptables is not the nf_tables variant netlab prints (${version.trim()})`, missingKinds };
  const add = run(['ip', 'netns', 'add', scratchNetns]);
  if (add.status !== 0) return { unusable: `cannot create a network namespace: ${add.stderr.trim()}`, missingKinds };
  try {
    const attempts: Record<LinkKind, string[]> = {
      veth: ['type', 'veth', 'peer', 'name', 'nlprobe1'],
      bridge: ['type', 'bridge'],
      vxlan: ['type', 'vxlan', 'id', '1', 'dstport', '4789'],
      tun: ['type', 'tun'],
      ipip: ['type', 'ipip'],
      dummy: ['type', 'dummy'],
    };
    for (const kind of LINK_KINDS) {
      if (kind === 'tun') {
        if (!existsSync('/dev/net/tun')) missingKinds.set(kind, 'no /dev/net/tun');
        continue;
      }
      const r = run(['ip', '-n', scratchNetns, 'link', 'add', 'nlprobe0', ...attempts[kind]]);
      if (r.status !== 0) missingKinds.set(kind, r.stderr.trim() || `exit ${r.status}`);
      else run(['ip', '-n', scratchNetns, 'link', 'del', 'nlprobe0']);
    }
  } finally {
    run(['ip', 'netns', 'del', scratchNetns]);
  }
  // The ip_vs module makes /proc/net/ip_vs; kube-proxy's ipvs mode needs it (and ipvsadm to program it).
  const noIpvs = existsSync('/proc/net/ip_vs') ? undefined : 'this kernel has no IPVS (no /proc/net/ip_vs: the ip_vs module is missing)';
  return { missingKinds, ...(noIpvs !== undefined ? { noIpvs } : {}) };
}

export function listNetns(): string[] {
  const r = run(['ip', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n !== '');
}

/** Deletes namespaces (stopping the processes in them first). Only ever called with names of this suite's prefix. */
export function deleteNetns(names: readonly string[]): void {
  for (const name of names) {
    const pids = run(['ip', 'netns', 'pids', name])
      .stdout.split('\n')
      .filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    run(['ip', 'netns', 'del', name]);
  }
}

/** Runs a bash script (the exported build or teardown) with a time limit; never throws. */
/** A command's outcome, never thrown: a time limit or a failure to start shows as a non-zero status. */
function runAsync(argv: readonly string[], timeoutMs: number): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ status: -1, stdout, stderr: stderr + String(error) }));
    child.on('close', (code, signal) =>
      resolve({ status: code ?? -1, stdout, stderr: stderr + (signal ? `killed by ${signal} (time limit ${timeoutMs} ms)` : '') }),
    );
  });
}

/** Runs a bash script (the exported build or teardown) with a time limit; never throws. */
export function runScript(
  lines: readonly string[],
  args: readonly string[] = [],
  timeoutMs = 120_000,
): { status: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-'));
  try {
    const file = join(dir, 'build.sh');
    writeFileSync(file, lines.join('\n') + '\n');
    return run(['bash', file, ...args], timeoutMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** runScript without blocking: labs build side by side. */
export async function runScriptAsync(
  lines: readonly string[],
  args: readonly string[] = [],
  timeoutMs = 120_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-'));
  try {
    const file = join(dir, 'build.sh');
    writeFileSync(file, lines.join('\n') + '\n');
    return await runAsync(['bash', file, ...args], timeoutMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Output {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface Job {
  readonly netns: string;
  readonly argv: readonly string[];
}

/**
 * Runs commands, each inside its namespace (`ip netns exec NS timeout T
 * CMD`), from one bash: in batches of `parallel` at once (read-only views,
 * or probes that wait for their timeouts). Each command is bounded by
 * `timeoutSec`; the whole run by the sum of the batches.
 */
export function runJobs(jobs: readonly Job[], options: { parallel?: number; timeoutSec?: number } = {}): Output[] {
  if (jobs.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-'));
  try {
    const { script, limitMs } = jobsScript(jobs, dir, options);
    spawnSync('bash', ['-c', script], { stdio: 'ignore', timeout: limitMs, killSignal: 'SIGKILL' });
    return jobOutputs(jobs, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function jobsScript(
  jobs: readonly Job[],
  dir: string,
  options: { parallel?: number; timeoutSec?: number },
): { script: string; limitMs: number } {
  const timeout = options.timeoutSec ?? 20;
  const parallel = Math.max(1, options.parallel ?? 1);
  const body: string[] = [];
  jobs.forEach((job, i) => {
    const f = join(dir, String(i));
    body.push(
      `{ ip netns exec ${shellLine([job.netns])} timeout ${timeout} ${shellLine(job.argv)} >${f}.out 2>${f}.err; echo $? >${f}.rc; } &`,
    );
    if ((i + 1) % parallel === 0) body.push('wait');
  });
  body.push('wait');
  return { script: body.join('\n'), limitMs: (timeout + 5) * 1000 * Math.ceil(jobs.length / parallel) };
}

function jobOutputs(jobs: readonly Job[], dir: string): Output[] {
  return jobs.map((_, i) => ({
    stdout: readIf(join(dir, `${i}.out`)),
    stderr: readIf(join(dir, `${i}.err`)),
    exitCode: Number(readIf(join(dir, `${i}.rc`)).trim() || -1),
  }));
}

/** runJobs without blocking: labs probe side by side. */
export async function runJobsAsync(jobs: readonly Job[], options: { parallel?: number; timeoutSec?: number } = {}): Promise<Output[]> {
  if (jobs.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-'));
  try {
    const { script, limitMs } = jobsScript(jobs, dir, options);
    await runAsync(['bash', '-c', script], limitMs);
    return jobOutputs(jobs, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts servers in the background, each inside its namespace and bounded
 * by `timeout lifeSec`, and waits until each has printed `ready` (its
 * sockets are bound). They end with their time limit or when the lab's
 * namespaces are deleted (the teardown stops every process inside them).
 * Resolves to undefined when all are ready, else to what went wrong.
 */
export async function startServers(jobs: readonly Job[], lifeSec: number, readyWithinMs = 10_000): Promise<string | undefined> {
  if (jobs.length === 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-'));
  try {
    // Their output goes to files and stdin is /dev/null: the launching bash returns at once.
    const script = jobs
      .map(
        (job, i) =>
          `ip netns exec ${shellLine([job.netns])} timeout ${lifeSec} ${shellLine(job.argv)} </dev/null >${join(dir, `${i}.out`)} 2>&1 &`,
      )
      .join('\n');
    const launched = await runAsync(['bash', '-c', script], 10_000);
    if (launched.status !== 0) return `could not start the servers: ${launched.stderr}`;
    const deadline = Date.now() + readyWithinMs;
    for (;;) {
      const outputs = jobs.map((_, i) => readIf(join(dir, `${i}.out`)));
      const notReady = jobs.filter((_, i) => !outputs[i]!.startsWith('ready\n'));
      const failed = jobs.findIndex((_, i) => outputs[i] !== '' && !outputs[i]!.startsWith('ready'));
      if (failed >= 0) return `the server in ${jobs[failed]!.netns} failed: ${outputs[failed]}`;
      if (notReady.length === 0) return undefined;
      if (Date.now() > deadline) return `servers not ready after ${readyWithinMs} ms in: ${notReady.map((j) => j.netns).join(', ')}`;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
