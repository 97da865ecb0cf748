import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('netlab with the built-in default lab', () => {
  it('says once on stderr that it uses the default lab', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b']);
    expect(run.stderr.match(/built-in default lab/g)).toHaveLength(1);
  });

  it('trace: exit 0 when delivered, the disposition last', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '--no-color']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^DELIVERED: /);
    expect(run.stdout).toContain('vxlan encap on flannel.1 (VNI 1)');
  });

  it('trace: exit 1 when dropped', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '--size', '1423']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('MTU_EXCEEDED');
  });

  it('trace: an unknown pod is a usage error with a did-you-mean (exit 2)', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-bb']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no node or pod named "pod-bb"');
    expect(run.stderr).toContain("did you mean 'pod-b'");
    expect(run.stderr).not.toContain('    at ');
  });

  it('trace --format traceroute prints what traceroute -n prints', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '--format', 'traceroute']);
    expect(run.stdout.split('\n').slice(0, 2)).toEqual([
      'traceroute to 10.244.2.2 (10.244.2.2), 30 hops max, 60 byte packets',
      expect.stringMatching(/^ 1  10\.244\.1\.1  \d+\.\d{3} ms  /),
    ]);
  });

  it('trace -o json is the trace as data, with dotted addresses', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '-o', 'json']);
    const data = JSON.parse(run.stdout);
    expect(data.request.disposition).toBe('DELIVERED');
    expect(data.request.flow).toMatchObject({ src: '10.244.1.2', dst: '10.244.2.2', protocol: 'icmp' });
  });

  it('exec: the real tool output', async () => {
    const run = await runCli(['exec', 'node-02', '--', 'ip', 'route', 'get', '10.244.2.2']);
    expect(run.stdout).toBe('10.244.2.2 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0 \n    cache \n');
  });

  it('exec: a command netlab does not emulate exits 2 and lists what is', async () => {
    const run = await runCli(['exec', 'node-02', '--', 'tc', 'qdisc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ip route get ADDR');
  });

  it('show routes: a table; -o json rows', async () => {
    const text = await runCli(['show', 'routes', 'node-02']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('flannel: vxlan peer');
    const json = JSON.parse((await runCli(['show', 'routes', 'node-02', '-o', 'json'])).stdout);
    expect(json.rows[0]).toMatchObject({ table: 'main', destination: 'default', via: '10.234.2.254', dev: 'eth0' });
  });

  it('show: an unknown view gets a did-you-mean', async () => {
    const run = await runCli(['show', 'rutes', 'node-02']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("did you mean 'routes'");
  });

  it('validate: a summary; -o json', async () => {
    const run = await runCli(['validate', '--no-color']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('flannel vxlan');
    const json = JSON.parse((await runCli(['validate', '-o', 'json'])).stdout);
    expect(json.counts.nodes).toBe(3);
    expect(json.nodes.map((n: { podCIDR: string }) => n.podCIDR)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
  });

  it('an unknown command is a usage error', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});

describe('netlab with a topology file', () => {
  it('uses ./netlab.yaml when present, silently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-'));
    writeFileSync(join(dir, 'netlab.yaml'), readRepoFile('labs/default.yaml'));
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('reports bad input with position and exit 2, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-'));
    writeFileSync(join(dir, 'bad.yaml'), readRepoFile('labs/default.yaml').replace('backend: vxlan', 'backend: vxlam'));
    const run = await runCli(['validate', '-f', 'bad.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^bad\.yaml:11:\d+ +error /m);
    expect(run.stderr).toContain('vxlan');
    expect(run.stderr).not.toContain('    at ');
  });

  it('a missing file is a usage error', async () => {
    const run = await runCli(['validate', '-f', 'nope.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope.yaml does not exist');
  });

  it('warns about host-gw across subnets in validate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-'));
    writeFileSync(join(dir, 'netlab.yaml'), readRepoFile('test/golden/flannel-hostgw-2subnets/topology.yaml'));
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('NL-HOSTGW-NOT-L2');
  });
});

describe('--traffic moves the counters before a view is printed', () => {
  it('ip -s link on node-02 counts three echo requests and replies over flannel.1', async () => {
    const run = await runCli(['exec', 'node-02', '--traffic', 'pod-a pod-b 3', '--', 'ip', '-s', 'link', 'show', 'flannel.1']);
    expect(run.code).toBe(0);
    // 84-byte IP packets in 98-byte frames, three each way.
    expect(run.stdout).toContain(
      '    RX:  bytes packets errors dropped  missed   mcast           \n           294       3      0       0       0       0 \n',
    );
  });

  it('show stats without traffic is all zeros', async () => {
    const json = JSON.parse((await runCli(['show', 'stats', 'node-02', '-o', 'json'])).stdout);
    expect(json.rows.every((r: Record<string, string>) => r['rx packets'] === '0')).toBe(true);
  });

  it('rejects a malformed flow', async () => {
    const run = await runCli(['show', 'stats', 'node-02', '--traffic', 'pod-a']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--traffic takes "FROM TO [COUNT]"');
  });
});

describe('netlab exec --help', () => {
  it('lists every emulated command form after the options', async () => {
    const { SUPPORTED_COMMANDS } = await import('../../src/exec/commands.js');
    const run = await runCli(['exec', '--help']);
    expect(run.code).toBe(0);
    const after = run.stdout.slice(run.stdout.indexOf('Emulated commands:'));
    for (const form of SUPPORTED_COMMANDS) expect(after).toContain(`  ${form.usage}\n`);
  });
});
