/**
 * The installed CLI: bin/netlab.js as a child process, which runs the bundle
 * `npm run build` writes (dist/bundle/, scripts/bundle.mjs), not src/. Each
 * run must print exactly what the in-process CLI prints from src and exit
 * the same way, so a broken bundle (a module missing or loaded twice, an
 * error class that main.ts no longer recognises, the built-in lab not
 * found from the bundle's directory) fails here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { runCli } from './run-cli.js';

// A directory without netlab.yaml: the built-in default lab, found relative to the bundle.
const cwd = mkdtempSync(join(tmpdir(), 'netlab-installed-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

// iptables-save prints the time: the same clock for both runs.
const env = { SOURCE_DATE_EPOCH: '1700000000' };

function runInstalled(args: readonly string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'netlab.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('bin/netlab.js (the bundle) prints and exits as the CLI from src does', () => {
  it('is built', () => {
    expect(existsSync(join(ROOT, 'dist', 'bundle', 'netlab.cjs')), 'dist/bundle/ is missing: run npm run build').toBe(true);
  });

  it.each([
    [['--help'], 0],
    [['trace', '--help'], 0],
    [['exec', '--help'], 0],
    [['trace', 'pod-a', 'pod-b'], 0],
    [['trace', 'pod-c', 'svc/web:80'], 0],
    [['exec', 'node-02', '--', 'ip', 'route'], 0],
    [['exec', 'node-02', '--', 'iptables-save'], 0],
    [['show', 'routes', 'node-02'], 0],
    [['validate'], 0],
    [['graph'], 0],
    [['policy'], 0],
    [['diff', '--fail', 'node-03', '--node', 'node-02'], 0],
    [['export', '--format', 'netns'], 0],
    [['lab', 'run', join(ROOT, 'labs', 'dns')], 0],
    [['import', '--help'], 0],
    [['import', join(ROOT, 'test', 'import', 'fixtures', 'kubeadm-flannel', 'cluster.json')], 0],
    [['import', '--mtu', 'lots', 'cluster.json'], 2],
    [['trace', 'pod-a', 'pod-b', '--size', '1423'], 1],
    [['trace', 'pod-a', 'pod-bb'], 2],
    [['show', 'route-table', 'node-02'], 2],
    [['trace', 'pod-a'], 2],
    [['frobnicate'], 2],
  ])('netlab %j exits %i', async (args, code) => {
    const installed = runInstalled(args);
    const fromSource = await runCli(args, { cwd, env });
    expect(installed.code).toBe(code);
    expect(installed).toEqual(fromSource);
  });
});
