import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('--set and faults on every command', () => {
  it('--set changes what is built', async () => {
    const run = await runCli(['exec', 'node-02', '--set', 'network.cni.backend=host-gw', '--', 'ip', 'route']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('10.244.2.0/24 via 10.234.2.13 dev eth0');
    expect(run.stdout).not.toContain('flannel.1');
  });

  it('--set is repeatable and applies in order', async () => {
    const run = await runCli(['validate', '-o', 'json', '--set', 'network.cni.backend=udp', '--set', 'network.cni.backend=host-gw']);
    expect(JSON.parse(run.stdout).cni).toContain('host-gw');
  });

  it('an unknown path: exit 2, the option named, a did-you-mean', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '--set', 'network.cni.bakend=host-gw']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--set network.cni.bakend=host-gw  error NL-SET-PATH  network.cni has no field 'bakend'");
    expect(run.stderr).toContain("hint: did you mean 'backend'?");
    expect(run.stdout).toBe('');
  });

  it('a value the schema refuses reads like a file error, naming the option', async () => {
    const run = await runCli(['validate', '--set', 'nodes.node-03.subnet=rack-2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--set nodes.node-03.subnet=rack-2  error NL-UNKNOWN-SUBNET');
  });

  it('--fail: the trace is dropped (exit 1)', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '--fail', 'node-03', '--no-color']);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^NEIGHBOR_UNREACHABLE: no answer to ARP for 10\.234\.2\.13/);
  });

  it('--link-down, --route-del, --rule-del change what the tools print', async () => {
    const down = await runCli(['exec', 'node-02', '--link-down', 'node-02:flannel.1', '--', 'ip', 'link', 'show', 'flannel.1']);
    expect(down.stdout).toMatch(/^\d+: flannel\.1: <BROADCAST,MULTICAST> mtu 1450 qdisc noqueue state DOWN/);
    const route = await runCli(['exec', 'node-02', '--route-del', 'node-02:10.244.2.0/24', '--', 'ip', 'route']);
    expect(route.stdout).not.toContain('10.244.2.0/24');
    // Without kube-proxy, flannel's jump is FORWARD's only rule.
    const noProxy = ['--set', 'network.kubeProxy.mode=none'];
    const rule = await runCli(['exec', 'node-02', ...noProxy, '--rule-del', 'node-02:filter:FORWARD:1', '--', 'iptables', '-S', 'FORWARD']);
    expect(rule.stdout).toBe('-P FORWARD ACCEPT\n');
    // Deleting it twice: the chain is empty the second time, as iptables would say.
    const twice = await runCli([
      'exec',
      'node-02',
      ...noProxy,
      '--rule-del',
      'node-02:filter:FORWARD:1',
      '--rule-del',
      'node-02:filter:FORWARD:1',
      '--',
      'true',
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('chain FORWARD of table filter has 0 rules, so there is no rule 1');
  });

  it('a fault naming something that does not exist: exit 2 with a did-you-mean', async () => {
    const run = await runCli(['show', 'routes', 'node-02', '--fail', 'node-3']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fail node-3  error NL-FAULT-TARGET  no node named "node-3"');
    expect(run.stderr).toContain("did you mean 'node-03'?");
  });
});
