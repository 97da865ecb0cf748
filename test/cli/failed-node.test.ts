/**
 * A failed node on calico (issue 12, C1 and C2): every device of the node is
 * down, so its pods' /32 routes are gone and the node's own block falls into
 * its blackhole route. A packet the node sends there gets EINVAL from the
 * route lookup (checked on the real kernel: `ip route add blackhole
 * 10.244.20.128/26` then `ping` says `connect: Invalid argument`), and the
 * walk ends there instead of crashing on a route without a device.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('--fail on a calico cluster', () => {
  it.each(['calico-bgp', 'calico-ipip', 'calico-vxlan'])('netlab diff --fail node-03 on %s runs and reports the losses', async (lab) => {
    const run = await runCli(['-f', `labs/${lab}/topology.yaml`, 'diff', '--fail', 'node-03', '--no-color']);
    expect(run.stderr).not.toContain('internal error');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/node-03 → pod-d +lost: blackhole route: blackhole route 10\.244\.20\.128\/26 in node-03: dropped silently/);
  });

  it('netlab diff --fail node-02 on the network-policy lab runs', async () => {
    const run = await runCli(['-f', 'labs/network-policy/topology.yaml', 'diff', '--fail', 'node-02']);
    expect(run.stderr).not.toContain('internal error');
    expect(run.code).toBe(1);
  });

  it('a node sending into its own blackhole block ends at the route lookup, as the kernel does (EINVAL)', async () => {
    const trace = await runCli(['-f', 'labs/calico-bgp/topology.yaml', 'trace', 'node-01', 'pod-a', '--fail', 'node-01', '--no-color']);
    expect(trace.code).toBe(1);
    expect(trace.stdout.trim().split('\n').pop()).toBe('ROUTE_BLACKHOLE: blackhole route 10.244.96.0/26 in node-01: dropped silently');
    const ping = await runCli([
      '-f',
      'labs/calico-bgp/topology.yaml',
      'exec',
      'node-03',
      '--fail',
      'node-03',
      '--',
      'ping',
      '-c',
      '1',
      '10.244.20.129',
    ]);
    expect([ping.code, ping.stdout, ping.stderr]).toEqual([2, '', 'ping: connect: Invalid argument\n']);
  });

  it('a flow dropped both times, now somewhere else, is a reason change, not "delivered by another path"', async () => {
    const run = await runCli(['-f', 'labs/calico-bgp/topology.yaml', 'diff', '--fail', 'node-03', '--no-color']);
    expect(run.stdout).toMatch(
      /pod-d → pod-a +reason: route missing, at router → at default\/pod-d: no route to 10\.244\.96\.1 in default\/pod-d/,
    );
    expect(run.stdout.split('\n').find((l) => l.startsWith('6 pod-d'))).toBe('6 pod-d                     R>R R>R R>R R>R R>R ·');
    expect(run.stdout.trim().split('\n').pop()).toBe(
      'reachability changed: 1 lost, 0 gained of 48 cells; 10 dropped for another reason or elsewhere',
    );
  });
});

describe('IPVS on a failed calico node (found by the fuzz test, seed 99)', () => {
  it("a real server behind the node's own blackhole route ends the walk there", async () => {
    const args = [
      '-f',
      'labs/default.yaml',
      '--fail',
      'node-03',
      '--set',
      'network.kubeProxy.mode=ipvs',
      '--set',
      'network.cni={plugin: calico, mode: ipip}',
    ];
    const diff = await runCli([...args, 'diff', '--port=80']);
    expect(diff.stderr).not.toContain('internal error');
    expect(diff.code).toBe(1);
    const trace = await runCli([...args, 'trace', 'node-03', 'svc/web', '--all-endpoints', '--no-color']);
    expect(trace.stdout).toMatch(
      /ROUTE_BLACKHOLE +│ 1 +│ IPVS: blackhole route 10\.244\.\d+\.64\/26 to real server 10\.244\.\d+\.65 in node-03/,
    );
  });
});

describe('diff --pair from something that cannot send', () => {
  it('is a usage error, with or without a fault', async () => {
    for (const extra of [
      ['--fail', 'node-03'],
      ['--set', 'network.cni.backend=host-gw'],
    ]) {
      const run = await runCli(['diff', ...extra, '--pair', 'svc/web', 'pod-a']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('netlab: cannot send from svc/web: it is not a pod or node of this cluster');
    }
  });
});
