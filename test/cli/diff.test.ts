import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('netlab diff', () => {
  it('no change: the matrix is unchanged, exit 0 (a path change is reported, not gated)', async () => {
    const run = await runCli(['diff', '--set', 'network.cni.backend=host-gw', '--no-color']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('reachability (icmp echo; services on their own ports)');
    expect(run.stdout).toMatch(/pod-a → pod-b +path: vxlan → no tunnel/);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^reachability unchanged \(\d+ cells; \d+ delivered by another path\)$/);
  });

  it('a failed node: changed cells marked with the reason, exit 1', async () => {
    const run = await runCli(['diff', '--fail', 'node-03', '--no-color']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\d pod-a  .*\.>N/);
    expect(run.stdout).toMatch(/pod-a → pod-b +lost: neighbour unreachable: no answer to ARP for 10\.234\.2\.13/);
    expect(run.stdout).toMatch(/reachability changed: \d+ lost, 0 gained of \d+ cells/);
  });

  it('services are columns (cluster IP and node port), external a source; --not-ready moves service traffic', async () => {
    const run = await runCli(['diff', '--not-ready', 'pod-b', '-o', 'json']);
    expect(run.code).toBe(0);
    const data = JSON.parse(run.stdout);
    expect(data.columns).toEqual(expect.arrayContaining(['svc/web:80', 'node-02:30080 (svc/web)']));
    expect(data.rows).toContain('external');
    const cell = data.cells.find((c: { from: string; to: string }) => c.from === 'pod-c' && c.to === 'svc/web:80');
    expect(cell).toMatchObject({ change: 'path', reason: expect.stringMatching(/^reaches default\/pod-b → default\/pod-a/) });
    const outside = data.cells.find((c: { from: string; to: string }) => c.from === 'external' && c.to === 'node-02:30080 (svc/web)');
    expect(outside.baseline.disposition).toBe('DELIVERED');
  });

  it('-o json: every cell with both dispositions', async () => {
    const run = await runCli(['diff', '--link-down', 'node-02:flannel.1', '-o', 'json']);
    expect(run.code).toBe(1);
    const data = JSON.parse(run.stdout);
    expect(data.variant.whatIf).toEqual(['--link-down node-02:flannel.1']);
    const cell = data.cells.find((c: { from: string; to: string }) => c.from === 'pod-a' && c.to === 'pod-b');
    expect(cell).toMatchObject({ change: 'lost', baseline: { disposition: 'DELIVERED', ttl: 62 }, variant: { disposition: 'NO_ROUTE' } });
    expect(data.reachabilityChanged).toBe(true);
  });

  it('--pair: the two traces side by side', async () => {
    const run = await runCli(['diff', '--set', 'network.cni.backend=host-gw', '--pair', 'pod-a', 'pod-b', '--no-color']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\*tunnels +│ vxlan vni 1 udp\/8472 \(flannel\.1, 10\.234\.2\.12 → 10\.234\.2\.13\) │ none/);
    expect(run.stdout).toMatch(/\*mtu on the way +│ 1450 +│ 1500/);
    const json = JSON.parse((await runCli(['diff', '--fail', 'node-03', '--pair', 'pod-a', 'pod-b', '-o', 'json'])).stdout);
    expect(json.reachabilityChanged).toBe(true);
    expect(json.changed).toContain('disposition');
  });

  it('--node: unified diffs of the real tools, exit 1 when they differ', async () => {
    const run = await runCli(['diff', '--route-del', 'node-02:10.244.2.0/24', '--node', 'node-02', '--no-color']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '--- baseline node-02: ip route show table all\n+++ variant node-02: ip route show table all\n@@ -2,7 +2,6 @@\n',
    );
    expect(run.stdout).toContain('\n-10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n');
    expect(run.stdout).toMatch(
      /no differences in: ip -d link show, ip addr show, ip rule show, ip neigh show, bridge fdb show, iptables-save/,
    );
    const same = await runCli(['diff', '--route-del', 'node-02:10.244.2.0/24', '--node', 'node-03']);
    expect(same.code).toBe(0);
  });

  it('two files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-diff-'));
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    const text = readRepoFile('labs/default.yaml');
    writeFileSync(a, text);
    writeFileSync(b, text.replace('backend: vxlan', 'backend: udp'));
    const run = await runCli(['diff', a, b, '--pair', 'pod-a', 'pod-b', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).variantTrace.facts.encap[0]).toMatch(/^flannel-udp udp\/8285/);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['diff'])).stderr).toContain('nothing to compare');
    expect((await runCli(['diff'])).code).toBe(2);
    expect((await runCli(['diff', 'a.yaml'])).code).toBe(2);
    const pair = await runCli(['diff', '--fail', 'node-03', '--pair', 'pod-a']);
    expect(pair.code).toBe(2);
    expect(pair.stderr).toContain('--pair takes FROM TO');
    const unknown = await runCli(['diff', '--fail', 'node-03', '--pair', 'pod-a', 'pod-x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no node or pod named "pod-x"');
    const badSet = await runCli(['diff', '--set', 'network.cni.backend=vxlam']);
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toContain('--set network.cni.backend=vxlam  error NL-SCHEMA-ENUM');
  });
});
