/** `netlab import` from the command line: inputs, where the topology goes, the summary, and refusals. */
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_KINDS, kubeList } from '../../src/views/kube-objects/index.js';
import { buildLab } from '../helpers.js';
import { runCli } from './run-cli.js';

const KIND = 'test/import/fixtures/kind/cluster.yaml';

describe('netlab import', () => {
  it('prints the topology on stdout and what it assumed on stderr; the topology runs', async () => {
    const run = await runCli(['import', KIND, '--no-color']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# Imported by netlab import from test\/import\/fixtures\/kind\/cluster\.yaml\.\n/);
    expect(run.stdout).toContain('\napiVersion: netlab/v1\nkind: Cluster\n');
    expect(run.stderr.split('\n')[0]).toBe('netlab import: 3 nodes, 16 pods, 2 services, 0 network policies');
    expect(run.stderr).toContain('  assumed: CNI kindnet');
    const dir = mkdtempSync(join(tmpdir(), 'netlab-import-'));
    writeFileSync(join(dir, 'kind.yaml'), run.stdout);
    const trace = await runCli(['trace', 'web-5d59d67564-8xk2q', 'web-5d59d67564-tq7wz', '-f', join(dir, 'kind.yaml'), '--no-color']);
    expect(trace.code).toBe(0);
  });

  it('--out writes the file whole; -o json writes JSON with the notes under x-netlab-import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-import-'));
    const run = await runCli([
      'import',
      KIND,
      '--out',
      join(dir, 'kind.json'),
      '-o',
      'json',
      '--subnet',
      'kind=172.18.0.0/16,gw=172.18.0.1',
      '--mtu',
      '1500',
      '--name',
      'lab',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/written to .*kind\.json/);
    const json = JSON.parse(readFileSync(join(dir, 'kind.json'), 'utf8'));
    expect(json.metadata.name).toBe('lab');
    expect(json.subnets).toEqual([{ name: 'kind', cidr: '172.18.0.0/16', gateway: '172.18.0.1', mtu: 1500 }]);
    expect(json['x-netlab-import'].assumed.some((l: string) => l.startsWith('CNI kindnet'))).toBe(true);
    expect(readdirSync(dir)).toEqual(['kind.json']);
    const validate = await runCli(['validate', '-f', join(dir, 'kind.json')]);
    expect(validate.code).toBe(0);
  });

  it('reads stdin for -, and a directory of manifests', async () => {
    const { cluster } = buildLab('labs/default.yaml');
    const piped = await runCli(['import', '-', '--subnet', 'rack-1=10.234.2.0/24,gw=10.234.2.254'], {
      stdin: JSON.stringify(kubeList(cluster, ALL_KINDS)),
    });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('# Imported by netlab import from stdin.');
    expect(piped.stdout).toContain('  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}');
    const dir = await runCli(['import', 'test/import/fixtures/kubeadm-calico']);
    expect(dir.code).toBe(0);
    expect(dir.stdout).toContain('cni: {plugin: calico, mode: ipip}');
  });

  it('bad input: the error at its place with a code frame, exit 2, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-import-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.300}]}\n',
    );
    const run = await runCli(['import', 'bad.yaml', '--out', 'out.yaml', '--no-color'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("bad.yaml:4:50  error NL-IMPORT-VALUE-INVALID  node n1: '10.0.0.300' is not an IPv4 address");
    expect(run.stderr).toContain('netlab import: 1 error: nothing was written');
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('refuses a target that is not a regular file, what-if options, -f, and inputs that are not there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-import-'));
    symlinkSync('/dev/null', join(dir, 'link.yaml'));
    const cases: [string[], RegExp][] = [
      [['import', KIND, '--out', dir], /is a directory: netlab writes output files only to regular files/],
      [['import', KIND, '--out', join(dir, 'link.yaml')], /is a symbolic link/],
      [['import', KIND, '--set', 'network.cni.backend=vxlan'], /takes no --set or fault options/],
      [['import', KIND, '-f', 'labs/default.yaml'], /reads Kubernetes objects, not a topology/],
      [['import', 'nope.json'], /nope\.json does not exist/],
      [['import', KIND, '--subnet', 'x'], /--subnet x: expected NAME=CIDR/],
      [['import', KIND, '--cni', 'weave'], /argument 'weave' is invalid/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  });
});
