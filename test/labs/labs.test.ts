import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { ROOT } from '../helpers.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'netlab-lab-'));
}

const DEFAULT_TOPOLOGY = join(ROOT, 'labs/default.yaml');

function lab(steps: string, extra = ''): string {
  return `apiVersion: netlab/v1
kind: Lab
metadata: {name: t, title: A test lab}
topology: ${DEFAULT_TOPOLOGY}
${extra}steps:
${steps}`;
}

describe('the lab set', () => {
  it('netlab lab run labs/: every lab passes', async () => {
    const run = await runCli(['lab', 'run', 'labs/', '--no-color']);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toMatch(/^(FAIL|ERROR)/m);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^\d+ labs, \d+ steps: all passed$/);
    expect(run.code).toBe(0);
  });

  it('every lab has a README', () => {
    const dirs = readdirSync(join(ROOT, 'labs'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(dirs.length).toBeGreaterThanOrEqual(9);
    for (const dir of dirs) expect(existsSync(join(ROOT, 'labs', dir.name, 'README.md')), dir.name).toBe(true);
  });

  it('lab list: names and titles; labs/default.yaml (a topology) is not a lab', async () => {
    const run = await runCli(['lab', 'list', '--no-color']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/flannel-vxlan +│ Across nodes with flannel VXLAN/);
    expect(run.stdout).not.toContain('default.yaml');
    const json = JSON.parse((await runCli(['lab', 'list', '-o', 'json'])).stdout);
    expect(json.find((l: { name: string }) => l.name === 'mtu')).toMatchObject({
      file: 'labs/mtu/lab.yaml',
      title: 'MTU and fragmentation pitfalls with VXLAN',
    });
  });
});

describe('netlab lab run', () => {
  it('a failing expectation: expected and actual, exit 1, JUnit with the failure', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lab.yaml'),
      lab(`  - name: pod-a reaches pod-b
    trace: {from: pod-a, to: pod-b}
    expect: {disposition: DELIVERED, ttl: 63, encap: none, through: [router]}
  - name: routes
    exec: {on: node-02, command: ip route}
    expect: {contains: [10.244.9.0/24]}
  - name: fine
    trace: {from: pod-a, to: pod-c}
    expect: {disposition: DELIVERED}
`),
    );
    const junit = join(dir, 'report.xml');
    const run = await runCli(['lab', 'run', dir, '--junit', junit, '--no-color']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL +.*lab\.yaml +A test lab \(1\/3 steps\)$/m);
    expect(run.stdout).toContain('step 1: pod-a reaches pod-b');
    expect(run.stdout).toContain('  ttl\n    expected: ttl 63 at arrival\n    actual:   ttl 62\n');
    expect(run.stdout).toContain('  encap\n    expected: no tunnel\n    actual:   vxlan\n');
    expect(run.stdout).toMatch(
      / {2}through\n {4}expected: the packet passes router\n {4}actual: {3}it went default\/pod-a → node-02 → underlay rack-1 → node-03 → default\/pod-b\n/,
    );
    expect(run.stdout).toContain('expected: a line containing: 10.244.9.0/24');
    expect(run.stdout.trim().split('\n').pop()).toBe('1 lab, 3 steps: 2 steps failed');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="netlab labs" tests="3" failures="2" errors="0" time="[\d.]+">/,
    );
    expect(xml).toContain('<testcase name="1. pod-a reaches pod-b" classname="netlab.lab.t"');
    expect(xml).toContain(
      '<failure message="through: expected the packet passes router" type="through">through\n  expected: the packet passes router\n',
    );
    expect(xml).toContain('ttl\n  expected: ttl 63 at arrival\n  actual:   ttl 62\n');
    expect(xml).toMatch(/<testcase name="3\. fine" classname="netlab\.lab\.t" time="[\d.]+"\/>/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('-o json: statuses and failures as data', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'x.lab.yaml'),
      lab(`  - name: mtu\n    trace: {from: pod-a, to: pod-b, size: 1423}\n    expect: {disposition: DELIVERED}\n`),
    );
    const run = await runCli(['lab', 'run', dir, '-o', 'json']);
    expect(run.code).toBe(1);
    const data = JSON.parse(run.stdout);
    expect(data.labs[0].steps[0]).toMatchObject({
      status: 'fail',
      failures: [{ what: 'disposition', expected: 'DELIVERED', actual: expect.stringMatching(/^MTU_EXCEEDED: /) }],
    });
    expect(data.summary).toMatchObject({ labs: 1, failed: 1, steps: 1, stepsFailed: 1 });
  });

  it('rulesEvaluated: bounds on the rules the walk evaluated, every hook of every hop', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'x.lab.yaml'),
      lab(`  - name: too many
    trace: {from: pod-c, to: svc/web}
    expect: {rulesEvaluated: {atMost: 3}}
  - name: within
    trace: {from: pod-c, to: svc/web}
    expect: {rulesEvaluated: {atLeast: 4, atMost: 1000}}
`),
    );
    const data = JSON.parse((await runCli(['lab', 'run', dir, '-o', 'json'])).stdout);
    expect(data.labs[0].steps[0]).toMatchObject({
      status: 'fail',
      failures: [{ what: 'rulesEvaluated', expected: 'at most 3 rules evaluated', actual: expect.stringMatching(/^\d+ rules evaluated$/) }],
    });
    expect(data.labs[0].steps[1]).toMatchObject({ status: 'pass' });
  });

  it('a bad lab file: diagnostics with positions and a did-you-mean, exit 2', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lab.yaml'),
      lab(`  - name: two things
    trace: {from: pod-a, to: pod-b}
    exec: {on: node-02, command: ip route}
    expect: {disposition: DELIVERED}
  - name: wrong expectation
    exec: {on: node-02, command: ip route}
    expect: {ttl: 62}
  - name: unknown disposition
    trace: {from: pod-a, to: pod-b}
    expect: {disposition: DELIVERD}
`),
    );
    const run = await runCli(['lab', 'run', dir, '--no-color']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/lab\.yaml:6:5 {2}error NL-LAB-STEP {2}step 1 does 2 things \(trace, exec\)/);
    expect(run.stderr).toMatch(/lab\.yaml:12:14 {2}error NL-LAB-EXPECT {2}an exec step cannot expect 'ttl' \(that is for trace steps\)/);
    expect(run.stderr).toMatch(
      /lab\.yaml:15:27 {2}error NL-LAB-EXPECT {2}unknown disposition 'DELIVERD'\n[\s\S]*hint: did you mean 'DELIVERED'\?/,
    );
    expect(run.stdout).toMatch(/^ERROR +.*lab\.yaml +\(not a valid lab file: 3 problems, above\)$/m);
  });

  it('schema errors in a lab: unknown keys with a did-you-mean', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lab.yaml'), lab(`  - name: typo\n    trace: {from: pod-a, to: pod-b}\n    expect: {dispositon: DELIVERED}\n`));
    const run = await runCli(['lab', 'run', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("lab.yaml:8:14  error NL-SCHEMA-UNKNOWN-KEY  unknown field 'dispositon' in steps[0].expect");
    expect(run.stderr).toContain("hint: did you mean 'disposition'?");
  });

  it('an unknown pod in a step: a diagnostic at its line, exit 2', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lab.yaml'),
      lab(`  - name: who\n    trace: {from: pod-a, to: pod-bb}\n    expect: {disposition: DELIVERED}\n`),
    );
    const run = await runCli(['lab', 'run', dir, '--no-color']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/lab\.yaml:7:30 {2}error NL-LAB-NAME {2}no node or pod named "pod-bb"\n[\s\S]*did you mean 'pod-b'\?/);
    expect(run.stdout).toMatch(/^ERROR +/m);
  });

  it('an inline topology: its problems point into the lab file; lab set and faults apply', async () => {
    const dir = tempDir();
    const inline = `apiVersion: netlab/v1
kind: Lab
metadata: {name: inline, title: Inline}
topology:
  apiVersion: netlab/v1
  kind: Cluster
  metadata: {name: tiny}
  subnets: [{name: rack-1, cidr: 10.234.2.0/24}]
  nodes:
    - {name: n1, ip: 10.234.2.11, subnet: rack-9}
steps:
  - name: x
    exec: {on: n1, command: ip route}
    expect: {exitCode: 0}
`;
    writeFileSync(join(dir, 'lab.yaml'), inline);
    const bad = await runCli(['lab', 'run', dir, '--no-color']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/lab\.yaml:10:43 {2}error NL-UNKNOWN-SUBNET/);
    writeFileSync(join(dir, 'lab.yaml'), inline.replace('rack-9', 'rack-1').replace('steps:', 'set: [network.cni.backend=hostgw]\nsteps:'));
    const badSet = await runCli(['lab', 'run', dir, '--no-color']);
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toMatch(/lab\.yaml:11:7 {2}error NL-SCHEMA-ENUM {2}expected one of vxlan, host-gw, udp, got 'hostgw'/);
    writeFileSync(join(dir, 'lab.yaml'), inline.replace('rack-9', 'rack-1').replace('steps:', 'faults: [{linkDown: "n1:eth7"}]\nsteps:'));
    const badFault = await runCli(['lab', 'run', dir, '--no-color']);
    expect(badFault.stderr).toMatch(/lab\.yaml:11:21 {2}error NL-FAULT-DEVICE {2}n1 has no device eth7/);
  });

  it('what-if options are refused: a lab states its own', async () => {
    const run = await runCli(['lab', 'run', 'labs/mtu', '--fail', 'node-03']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('netlab lab takes no --set or fault options');
  });

  it('a topology path that does not exist; a directory without labs; --junit into a missing directory', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lab.yaml'),
      lab(`  - name: x\n    trace: {from: pod-a, to: pod-b}\n    expect: {disposition: DELIVERED}\n`).replace(
        DEFAULT_TOPOLOGY,
        'nope.yaml',
      ),
    );
    const run = await runCli(['lab', 'run', dir, '--no-color']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/lab\.yaml:4:11 {2}error NL-LAB-TOPOLOGY {2}topology file nope\.yaml does not exist/);
    const empty = await runCli(['lab', 'run', tempDir()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('holds no lab files');
    const junit = await runCli(['lab', 'run', 'labs/mtu', '--junit', join(tempDir(), 'no/such/dir/r.xml')]);
    expect(junit.code).toBe(2);
    expect(junit.stderr).toContain('is not a directory');
  });
});
