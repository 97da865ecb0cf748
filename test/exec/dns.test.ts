/**
 * nslookup and dig +short against what bind9-dnsutils 9.18 printed for the
 * same records (test/exec/fixtures/bind9-dns-captures.txt, captured against a
 * server answering like CoreDNS): netlab builds those records as a cluster
 * (fixtures/dns-capture.yaml) and must print the same bytes. Failures netlab
 * can reproduce are reproduced the netlab way (a pod that does not listen,
 * a route deleted, no kube-proxy); the others check the renderer alone.
 */
import { describe, expect, it } from 'vitest';
import { routeGet } from '../../src/dataplane/route-get.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { RT_TABLE } from '../../src/kernel/route.js';
import { parseCidr } from '../../src/net/cidr.js';
import { runEmulated } from '../../src/exec/run.js';
import { parseResolvConf } from '../../src/exec/dns.js';
import { renderNslookup } from '../../src/render/dns-tools.js';
import { DIG_DEFAULT_DISPLAY, renderDig } from '../../src/render/dig.js';
import { deleteRoute } from '../../src/whatif/netns-edit.js';
import { buildFromText, readRepoFile } from '../helpers.js';

interface Capture {
  readonly mode: string;
  readonly argv: string[];
  readonly exitCode: number;
  readonly stdout: string[];
}

function captures(): Capture[] {
  const text = readRepoFile('test/exec/fixtures/bind9-dns-captures.txt');
  return text
    .split(/^=== /m)
    .slice(1)
    .map((block) => {
      const lines = block.split('\n');
      const [mode, command] = lines[0]!.split(': ') as [string, string];
      const exitCode = Number(/^exit (\d+)$/.exec(lines[1]!)![1]);
      return { mode, argv: command.split(' '), exitCode, stdout: lines.slice(2, -1) };
    });
}

const all = captures();
const yaml = readRepoFile('test/exec/fixtures/dns-capture.yaml');
const lab = buildFromText(yaml, 'dns-capture.yaml');
const client = lab.dataplane.podNetns(lab.cluster.podByKey.get('default/client')!);

function run(ns: NetNs, argv: readonly string[], built = lab) {
  const r = runEmulated(ns, argv, { dataplane: built.dataplane, routeGet });
  return { stdout: [...r.stdout], exitCode: r.exitCode, stderr: r.stderr };
}

function capture(mode: string, command: string): Capture {
  const found = all.find((c) => c.mode === mode && c.argv.join(' ') === command);
  if (!found) throw new Error(`no capture ${mode}: ${command}`);
  return found;
}

describe('the captures', () => {
  it('are all there (the fixture parses)', () => {
    expect(all.length).toBe(24);
    expect(capture('answered', 'nslookup web').stdout[0]).toBe(';; Got recursion not available from 10.96.0.10');
  });
});

describe('nslookup and dig +short in a pod, answered by CoreDNS', () => {
  it('writes the resolv.conf the captures were made with', () => {
    expect(parseResolvConf(client.files.get('/etc/resolv.conf')!)).toEqual({
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      nameservers: ['10.96.0.10'],
      ndots: 5,
    });
  });

  for (const c of all.filter((x) => x.mode === 'answered')) {
    it(`prints what bind printed: ${c.argv.join(' ')}`, () => {
      const out = run(client, c.argv);
      expect(out.stdout).toEqual(c.stdout);
      expect(out.exitCode).toBe(c.exitCode);
      expect(out.stderr).toEqual([]);
    });
  }
});

describe('nslookup and dig +short when the server cannot be reached', () => {
  it('connection refused: nothing listens on port 53 at the address asked', () => {
    // The capture asked 10.96.0.10 with no listener; here a pod without a DNS server, named on the command line.
    const c = capture('refused', 'nslookup web');
    const out = run(client, ['nslookup', 'web', '10.244.1.3']);
    expect(out.stdout).toEqual(c.stdout.map((l) => l.replace('10.96.0.10', '10.244.1.3')));
    expect(out.exitCode).toBe(c.exitCode);
  });

  it('network unreachable: the pod has no route to the server', () => {
    const noDefault = deleteRoute(client, RT_TABLE.main, parseCidr('0.0.0.0/0')!)!;
    for (const command of ['nslookup web', 'nslookup 10.96.0.1', 'dig +short web.default.svc.cluster.local']) {
      const c = capture('noroute', command);
      const out = run(noDefault, c.argv);
      expect(out.stdout, command).toEqual(c.stdout);
      expect(out.exitCode, command).toBe(c.exitCode);
    }
  });

  it('timed out: the question is lost on the way (no kube-proxy, nothing translates the cluster IP)', () => {
    const without = buildFromText(
      yaml.replace('cni: {plugin: flannel, backend: vxlan}', 'cni: {plugin: flannel, backend: vxlan}\n  kubeProxy: {mode: none}'),
      'no-proxy.yaml',
    );
    const ns = without.dataplane.podNetns(without.cluster.podByKey.get('default/client')!);
    for (const command of ['nslookup web', 'dig +short web.default.svc.cluster.local']) {
      const c = capture('rejport', command);
      const out = run(ns, c.argv, without);
      expect(out.stdout, command).toEqual(c.stdout);
      expect(out.exitCode, command).toBe(c.exitCode);
    }
  });

  it('prints set-up failures as bind does (unreachable and prohibit routes)', () => {
    const base = {
      server: '10.96.0.10',
      fromResolvConf: true,
      textname: 'web',
      queryName: 'web',
      reverse: false,
      onlyA: false,
      questions: [],
    };
    expect(renderNslookup({ ...base, transport: { kind: 'setup', reason: 'host unreachable' } }).stdout).toEqual(
      capture('unreach', 'nslookup web').stdout,
    );
    expect(renderNslookup({ ...base, transport: { kind: 'setup', reason: 'permission denied' } }).stdout).toEqual(
      capture('lprohibit', 'nslookup web').stdout,
    );
    const reverse = { ...base, textname: '10.96.0.1', queryName: '1.0.96.10.in-addr.arpa.', reverse: true };
    expect(renderNslookup({ ...reverse, transport: { kind: 'setup', reason: 'host unreachable' } }).stdout).toEqual(
      capture('unreach', 'nslookup 10.96.0.1').stdout,
    );
    const short = {
      ...DIG_DEFAULT_DISPLAY,
      cmd: false,
      comments: false,
      question: false,
      authority: false,
      additional: false,
      stats: false,
      short: true,
    };
    const dig = renderDig({
      args: ['+short', 'web.default.svc.cluster.local'],
      serverNamed: false,
      server: '10.96.0.10',
      transport: { kind: 'setup', reason: 'host unreachable' },
      queryName: 'web.default.svc.cluster.local',
      when: new Date(0),
      queryTimeMs: 0,
      display: short,
    });
    expect(dig).toEqual({ stdout: capture('unreach', 'dig +short web.default.svc.cluster.local').stdout, exitCode: 9 });
  });
});

describe('what is not emulated', () => {
  it('needs a resolv.conf or a server: a node has no cluster resolver', () => {
    const node = lab.dataplane.nodeNetns(lab.cluster.nodeByName.get('node-02')!);
    const out = run(node, ['nslookup', 'web']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr[0]).toContain('name the server');
    expect(run(node, ['nslookup', 'web.default.svc.cluster.local', '10.96.0.10']).stdout).toContain('Address: 10.96.120.5');
  });

  it('refuses other query types', () => {
    expect(run(client, ['nslookup', '-type=mx', 'web']).exitCode).toBe(2);
    expect(run(client, ['dig', '+short', 'web', 'MX']).exitCode).toBe(2);
  });
});
