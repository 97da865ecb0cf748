/**
 * `netlab export --format netns` without a kernel: the script is valid bash,
 * builds from the model (names, MACs, routes, rules as netlab has them),
 * touches nothing outside its namespaces, and tears down what it builds.
 * test/conformance runs the scripts for real.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportNetns, type NetnsExport } from '../../src/export/netns.js';
import { defaultPrefix, prefixProblem } from '../../src/export/names.js';
import { nfacctNames, routeCommand, sysctlPath } from '../../src/export/steps.js';
import { podNetnsName } from '../../src/model/names.js';
import { RT_TABLE, RTPROT } from '../../src/kernel/route.js';
import { parseCidr } from '../../src/net/cidr.js';
import { parseIPv4 } from '../../src/net/ipv4.js';
import { runCli } from '../cli/run-cli.js';
import { buildFromText, buildLab, flannelYaml, type Built } from '../helpers.js';

function exported(lab: Built, prefix?: string): NetnsExport {
  const result = exportNetns(lab.dataplane, prefix !== undefined ? { prefix } : {});
  if (!result.export) throw new Error(result.error);
  return result.export;
}

const bashSyntaxOk = (script: readonly string[]) => spawnSync('bash', ['-n'], { input: script.join('\n') + '\n' }).status === 0;

/** The commands of the build steps (after the first `step` line), without here-document bodies. */
function commands(script: readonly string[]): string[] {
  const out: string[] = [];
  let heredoc: string | undefined;
  let started = false;
  for (const line of script) {
    if (heredoc !== undefined) {
      if (line === heredoc) heredoc = undefined;
      continue;
    }
    if (line.startsWith('step ')) started = true;
    if (!started || line === '' || line.startsWith('#') || line.startsWith('step ') || line.startsWith('trap ') || line.startsWith('echo '))
      continue;
    const m = /<<'(\w+)'$/.exec(line);
    if (m) heredoc = m[1];
    out.push(line);
  }
  return out;
}

describe('netlab export --format netns: the default lab', () => {
  const lab = buildLab('labs/default.yaml');
  const ex = exported(lab);

  it('is a bash script that stops at the first error', () => {
    expect(ex.build[0]).toBe('#!/usr/bin/env bash');
    expect(ex.build).toContain('set -Eeuo pipefail');
    expect(bashSyntaxOk(ex.build)).toBe(true);
    expect(bashSyntaxOk(ex.teardown)).toBe(true);
  });

  it('names every namespace with the prefix derived from metadata.name', () => {
    expect(ex.prefix).toBe('nl-default-');
    expect(ex.netns.every((n) => n.startsWith('nl-default-'))).toBe(true);
    const pod = lab.cluster.pods.find((p) => p.name === 'pod-a')!;
    expect(ex.netnsById.get('pod/default/pod-a')).toBe(`nl-default-${podNetnsName(pod.namespace, pod.name)}`);
    expect(ex.netnsById.get('node/node-02')).toBe('nl-default-node-02');
    expect(ex.netns.slice(0, 3)).toEqual(['nl-default-ul-rack-1', 'nl-default-ul-external', 'nl-default-router']);
  });

  it('runs every command inside one of its namespaces: nothing in the root namespace', () => {
    const mine = new Set(ex.netns);
    for (const line of commands(ex.build)) {
      const words = line.split(' ');
      const target =
        words[0] === 'ip' || words[0] === 'bridge'
          ? words[1] === '-n'
            ? words[2]
            : words[1] === 'netns' && words[2] === 'exec'
              ? words[3]
              : undefined
          : ['mkns', 'nsysctl', 'ipt_restore', 'tun_hold'].includes(words[0]!)
            ? words[1]
            : undefined;
      expect(target !== undefined && mine.has(target), `runs outside the lab: ${line}`).toBe(true);
      // A veth's other end is created straight inside a lab namespace.
      if (line.includes(' type veth ')) expect(mine.has(words[words.indexOf('netns') + 1]!), line).toBe(true);
    }
  });

  it('creates what the model has, in ifindex order, with its MACs', () => {
    const node = lab.dataplane.nodeNetns(lab.cluster.nodeByName.get('node-02')!);
    const lines = commands(ex.build).filter((l) => l.startsWith('ip -n nl-default-node-02 link add name '));
    expect(lines.map((l) => l.split(' ')[6])).toEqual(node.links.filter((l) => l.info.kind !== 'loopback').map((l) => l.name));
    for (const link of node.links)
      if (link.mac && link.info.kind !== 'loopback') expect(lines.some((l) => l.includes(`${link.name} address ${link.mac} `))).toBe(true);
    expect(lines.find((l) => l.includes('flannel.1'))).toContain('type vxlan id 1 local 10.234.2.12 dev eth0 dstport 8472 nolearning');
  });

  it("brings a pod's eth0 up before its address, and adds cni0's address once its first port is up", () => {
    const all = commands(ex.build);
    const podNs = ex.netnsById.get('pod/default/pod-a')!;
    const up = all.indexOf(`ip -n ${podNs} link set dev eth0 up`);
    const addr = all.findIndex((l) => l.startsWith(`ip -n ${podNs} addr add `));
    expect(up).toBeGreaterThan(0);
    expect(addr).toBeGreaterThan(up);
    const node = 'nl-default-node-02';
    const firstPortUp = all.findIndex((l) => /^ip -n nl-default-node-02 link set dev veth\w+ up$/.test(l));
    expect(all.findIndex((l) => l.startsWith(`ip -n ${node} addr add 10.244.1.1/24`))).toBe(firstPortUp + 1);
  });

  it("restores netlab's own iptables-save rendering", () => {
    const start = ex.build.indexOf("ipt_restore nl-default-node-02 <<'NETLAB_IPTABLES'");
    expect(start).toBeGreaterThan(0);
    const body = ex.build.slice(start + 1, ex.build.indexOf('NETLAB_IPTABLES', start + 1));
    expect(body).toContain('*nat');
    expect(body).toContain('-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN');
    expect(body.at(-1)).toBe('COMMIT');
  });

  it('leaves to the kernel what the kernel adds: lo, connected and local routes, learned FDB entries', () => {
    const all = commands(ex.build);
    expect(all.some((l) => l.includes('addr add 127.0.0.1/8'))).toBe(false);
    expect(all.some((l) => / route add .* proto kernel/.test(l) || / route add .* table local/.test(l))).toBe(false);
    expect(all.some((l) => / fdb append .* master\b/.test(l))).toBe(false);
  });

  it('refuses to run twice over its own leftovers, and tears down backwards what it recorded', () => {
    expect(ex.build.some((l) => l.includes('namespace(s) of this lab already exist'))).toBe(true);
    expect(ex.build.some((l) => l.includes('a build with the prefix $PREFIX is recorded in $STATE_DIR'))).toBe(true);
    expect(ex.teardown).toContain('STATE_DIR=/run/netlab/nl-default-');
    expect(ex.teardown.join('\n')).toContain('for ((i = ${#OWNED[@]} - 1; i >= 0; i--)); do');
    expect(ex.teardown.filter((l) => /^ {2}nl-default-/.test(l))).toEqual(ex.netns.map((n) => `  ${n}`));
  });
});

describe('netlab export: backends and details', () => {
  it('udp: a process holds flannel0 and relays for the other leases, like flanneld', () => {
    const ex = exported(buildFromText(flannelYaml({ backend: 'udp' })));
    const hold = ex.build.find((l) => l.startsWith('tun_hold '))!;
    expect(hold).toBe('tun_hold nl-t-node-01 flannel0 tun,no_pi 8285 10.244.0.0 1472 10.244.1.0/24=10.234.2.12');
    expect(ex.build.some((l) => l.startsWith("TUN_HOLDER=$(cat <<'NETLAB_PERL'"))).toBe(true);
  });

  it('host-gw across subnets: only the routes the kernel accepts (as the model has them)', () => {
    const lab = buildLab('test/golden/flannel-hostgw-2subnets/topology.yaml');
    const routes = commands(exported(lab).build).filter((l) => /^ip -n \S+-(master|node-0\d) route add 10\.244\./.test(l));
    expect(routes).toEqual([
      'ip -n nl-golden-hostgw-2subnets-master route add 10.244.1.0/24 via 10.234.2.12 dev eth0 proto boot scope global',
      'ip -n nl-golden-hostgw-2subnets-node-02 route add 10.244.0.0/24 via 10.234.2.11 dev eth0 proto boot scope global',
    ]);
  });

  it("calico: one request makes both ends, each straight in its namespace, as calico's plugin does since v3.27 (pod eth0 is index 2)", () => {
    const lab = buildLab('test/golden/calico-bgp/topology.yaml');
    const ex = exported(lab);
    const pod = lab.cluster.pods.find((p) => p.name === 'pod-a')!;
    const podNs = ex.netnsById.get(`pod/${pod.key}`)!;
    const nodeNs = ex.netnsById.get(`node/${pod.node.name}`)!;
    const hostVeth = lab.dataplane.nodeNetns(pod.node).links.find((l) => l.info.kind === 'veth' && l.info.peer.netns === `pod/${pod.key}`)!;
    expect(lab.dataplane.podNetns(pod).links.map((l) => `${l.ifindex}:${l.name}`)).toEqual(['1:lo', '2:eth0']);
    const all = commands(ex.build);
    const add = all.find((l) => l.startsWith(`ip -n ${nodeNs} link add name ${hostVeth.name} address ee:ee:ee:ee:ee:ee `));
    expect(add).toMatch(
      new RegExp(` numtxqueues 1 numrxqueues 1 type veth peer name eth0 address \\S+ mtu 1500 numtxqueues 1 numrxqueues 1 netns ${podNs}$`),
    );
    expect(all.some((l) => l.includes(' netns ') && l.includes(' link set dev '))).toBe(false);
  });

  it('calico: a route to the gateway before the routes through it, ipsets before the rules that match them', () => {
    const lab = buildLab('test/golden/calico-bgp/topology.yaml');
    const ex = exported(lab);
    const podNs = ex.netnsById.get('pod/default/pod-a')!;
    const routes = commands(ex.build).filter((l) => l.startsWith(`ip -n ${podNs} route add`));
    expect(routes).toEqual([
      `ip -n ${podNs} route add 169.254.1.1/32 dev eth0 proto boot scope link`,
      `ip -n ${podNs} route add default via 169.254.1.1 dev eth0 proto boot scope global`,
    ]);
    const node = ex.netnsById.get('node/node-01')!;
    const sets = ex.build.indexOf(`ip netns exec ${node} ipset restore <<'NETLAB_IPSET'`);
    expect(sets).toBeGreaterThan(0);
    expect(ex.build.slice(sets + 1).find((l) => l.startsWith('create '))).toMatch(/^create cali40\S+ hash:(net|ip) family inet$/);
    expect(sets).toBeLessThan(ex.build.indexOf(`ipt_restore ${node} <<'NETLAB_IPTABLES'`));
    expect(ex.tools).toContain('ipset');
  });

  it('a prefix of your own, checked', async () => {
    expect(exported(buildLab('labs/default.yaml'), 'lab2-').netns[0]).toBe('lab2-ul-rack-1');
    expect(prefixProblem('a/b')).toMatch(/must be/);
    expect(prefixProblem('')).toMatch(/must be/);
    expect(defaultPrefix('My Lab!')).toBe('nl-my-lab-');
    const run = await runCli(['export', '--format', 'netns', '--prefix', 'no/slash']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('prefix "no/slash" must be');
  });

  it('a node named like the router is refused, not silently merged', () => {
    const lab = buildFromText(
      flannelYaml({
        nodes: '  - {name: router, ip: 10.234.2.11, subnet: rack-1}\n  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}',
        pods: '  []',
      }),
    );
    expect(exportNetns(lab.dataplane).error).toContain('nl-t-router');
  });

  it('sysctl names keep dotted device names whole', () => {
    expect(sysctlPath('net.ipv6.conf.flannel.1.accept_ra')).toEqual({ path: 'net/ipv6/conf/flannel.1/accept_ra', device: 'flannel.1' });
    expect(sysctlPath('net.ipv4.conf.all.rp_filter')).toEqual({ path: 'net/ipv4/conf/all/rp_filter' });
    expect(sysctlPath('net.ipv4.neigh.cali1.proxy_delay')).toEqual({ path: 'net/ipv4/neigh/cali1/proxy_delay', device: 'cali1' });
    expect(sysctlPath('net.bridge.bridge-nf-call-iptables')).toEqual({ path: 'net/bridge/bridge-nf-call-iptables' });
  });

  it('routes say everything the kernel would otherwise default differently', () => {
    const dst = parseCidr('10.244.0.0/16')!;
    expect(
      routeCommand('n', { table: RT_TABLE.main, type: 'unicast', dst, dev: 'flannel0', protocol: RTPROT.boot, scope: 'universe' }),
    ).toBe('ip -n n route add 10.244.0.0/16 dev flannel0 proto boot scope global');
    expect(routeCommand('n', { table: 100, type: 'blackhole', dst, protocol: RTPROT.bird, scope: 'universe' })).toBe(
      'ip -n n route add blackhole 10.244.0.0/16 proto 12 scope global table 100',
    );
    expect(
      routeCommand('n', {
        table: RT_TABLE.main,
        type: 'unicast',
        dst: { addr: 0, len: 0 },
        gateway: parseIPv4('169.254.1.1')!,
        dev: 'eth0',
        protocol: RTPROT.boot,
        scope: 'universe',
        onlink: true,
      }),
    ).toBe('ip -n n route add default via 169.254.1.1 dev eth0 proto boot scope global onlink');
  });

  it('creates the nfacct objects the rules count into', () => {
    expect(
      nfacctNames([
        '-A KUBE-FORWARD -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP',
        '-A X -m nfacct --nfacct-name "a b" -j RETURN',
      ]),
    ).toEqual(['ct_state_invalid_dropped_pkts', 'a b']);
  });

  it('netlab export on the command line: build, teardown, json', async () => {
    const build = await runCli(['export', '--format', 'netns']);
    expect(build.code).toBe(0);
    expect(build.stdout.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    const teardown = await runCli(['export', '--format', 'netns-teardown']);
    const alias = await runCli(['export', '--format', 'netns', '--teardown']);
    expect(teardown.stdout).toBe(alias.stdout);
    expect(teardown.stdout).toContain('teardown || exit 1\n');
    const json = await runCli(['export', '--format', 'netns', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'netns', prefix: 'nl-default-', script: build.stdout });
  });

  it('netlab export honours --set and the fault options, and says so in the header', async () => {
    const plain = await runCli(['export', '--format', 'netns']);
    expect(plain.stdout).not.toContain('flannel0');
    const udp = await runCli(['export', '--format', 'netns', '--set', 'network.cni.backend=udp']);
    expect(udp.code, udp.stderr).toBe(0);
    expect(udp.stdout.split('\n')[1]).toContain('with --set network.cni.backend=udp: lab default,');
    expect(udp.stdout).toMatch(/^tun_hold nl-default-node-02 flannel0 tun,no_pi 8285 /m);
    const failed = await runCli(['export', '--format', 'netns', '--fail', 'node-03', '--link-down', 'node-02:cni0']);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout.split('\n')[1]).toContain('with --fail node-03 --link-down node-02:cni0: lab default,');
    expect(failed.stdout).not.toContain('ip -n nl-default-node-03 link set dev eth0 up');
    expect(failed.stdout).not.toContain('ip -n nl-default-node-02 link set dev cni0 up');
    expect(plain.stdout).toContain('ip -n nl-default-node-03 link set dev eth0 up');
    const unknown = await runCli(['export', '--format', 'netns', '--fail', 'node-09']);
    expect(unknown.code).toBe(2);
  });
});
