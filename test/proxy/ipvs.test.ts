/**
 * kube-proxy ipvs mode on a small cluster (test/proxy/fixtures/ipvs.yaml):
 * the state a node ends up with, checked against what kube-proxy's ipvs
 * proxier writes (kubernetes/kubernetes pkg/proxy/ipvs/proxier.go,
 * syncProxyRules/writeIptablesRules/acceptIPVSTraffic, and ipset.go, as of
 * v1.33: KUBE-IPVS-FILTER, KUBE-IPVS-OUT-FILTER, KUBE-IPVS-IPS), ipvsadm's
 * and ipset's print formats, and the walk through IPVS.
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { newSession, tracePacket } from '../../src/dataplane/probes.js';
import { statisticFromSeed } from '../../src/flow/random.js';
import { runEmulated } from '../../src/exec/run.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { toText } from '../../src/render/types.js';
import { buildFromText, readRepoFile } from '../helpers.js';

const built = buildFromText(readRepoFile('test/proxy/fixtures/ipvs.yaml'), 'ipvs.yaml');
const { cluster, dataplane } = built;
const node = (name: string): NetNs => dataplane.nodeNetns(cluster.nodeByName.get(name)!);
const run = (ns: NetNs, ...argv: string[]): string[] => toText(runEmulated(ns, argv).stdout).trimEnd().split('\n');
const web = cluster.serviceByKey.get('default/web')!;
const sticky = cluster.serviceByKey.get('default/sticky')!;
const empty = cluster.serviceByKey.get('default/empty')!;
const ip = (v: number | undefined) => formatIPv4(v!);

describe('kube-ipvs0', () => {
  it('is a dummy device kube-proxy never sets up, holding every cluster IP as /32', () => {
    const lines = run(node('node-02'), 'ip', 'addr', 'show', 'kube-ipvs0');
    // EnsureDummyDevice's LinkAttrs literal sends IFLA_TXQLEN 0: no `qlen` (iproute2 prints it only when non-zero).
    expect(lines[0]).toMatch(/^\d+: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default $/);
    for (const svc of [web, sticky, empty]) expect(lines).toContain(`    inet ${ip(svc.clusterIP)}/32 scope global kube-ipvs0`);
  });

  it('the kernel still installs a local route per address (fib_add_ifaddr before the IFF_UP check)', () => {
    expect(run(node('node-02'), 'ip', 'route', 'show', 'table', 'local')).toContain(
      `local ${ip(web.clusterIP)} dev kube-ipvs0 proto kernel scope host src ${ip(web.clusterIP)} `,
    );
  });
});

describe('ipvsadm -Ln', () => {
  const lines = run(node('node-02'), 'ipvsadm', '-Ln');
  it('prints the header and sorts TCP before UDP', () => {
    expect(lines.slice(0, 3)).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    ]);
    expect(lines.findIndex((l) => l.startsWith('UDP'))).toBeGreaterThan(lines.map((l) => l.startsWith('TCP')).lastIndexOf(true));
  });

  it('a cluster IP with its endpoints as Masq real servers, weight 1', () => {
    const at = lines.indexOf(`TCP  ${ip(web.clusterIP)}:80 rr`);
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '  -> 10.244.1.2:80                Masq    1      0          0         ',
      '  -> 10.244.2.2:80                Masq    1      0          0         ',
    ]);
  });

  it('ClientIP affinity is persistence with the affinity timeout', () => {
    expect(lines).toContain(`TCP  ${ip(sticky.clusterIP)}:8080 rr persistent 10800`);
  });

  it('node ports on every node address but kube-ipvs0 and lo (eth0, flannel.1, cni0)', () => {
    for (const addr of ['10.234.2.12', '10.244.1.0', '10.244.1.1']) expect(lines).toContain(`TCP  ${addr}:30080 rr`);
    expect(lines.some((l) => l.startsWith('TCP  127.0.0.1:30080'))).toBe(false);
  });

  it('a service without endpoints is a virtual server without real servers', () => {
    const at = lines.indexOf(`TCP  ${ip(empty.clusterIP)}:80 rr`);
    expect(lines[at + 1]).not.toMatch(/^ {2}->/);
  });

  it('the scheduler comes from network.kubeProxy.scheduler', () => {
    const lc = buildFromText(
      readRepoFile('test/proxy/fixtures/ipvs.yaml').replace('kubeProxy: {mode: ipvs}', 'kubeProxy: {mode: ipvs, scheduler: lc}'),
    );
    expect(run(lc.dataplane.nodeNetns(lc.cluster.nodeByName.get('node-02')!), 'ipvsadm', '-Ln')).toContain(
      `TCP  ${ip(web.clusterIP)}:80 lc`,
    );
  });
});

describe('ipsets', () => {
  it('KUBE-NODE-PORT-TCP is a bitmap:port over 0-65535 with the node port', () => {
    expect(run(node('node-02'), 'ipset', 'list', 'KUBE-NODE-PORT-TCP')).toEqual([
      'Name: KUBE-NODE-PORT-TCP',
      'Type: bitmap:port',
      'Revision: 3',
      'Header: range 0-65535',
      'Size in memory: 8268',
      'References: 1',
      'Number of entries: 1',
      'Members:',
      '30080',
    ]);
  });

  it("KUBE-CLUSTER-IP holds ip,proto:port of every cluster IP port; KUBE-LOOP-BACK the node's own endpoints", () => {
    const members = run(node('node-02'), 'ipset', 'list', 'KUBE-CLUSTER-IP');
    expect(members).toContain(`${ip(web.clusterIP)},tcp:80`);
    expect(members).toContain('10.96.0.10,udp:53');
    expect(run(node('node-02'), 'ipset', 'list', 'KUBE-LOOP-BACK').slice(-1)).toEqual(['10.244.1.2,tcp:80,10.244.1.2']);
    expect(run(node('node-03'), 'ipset', 'list', 'KUBE-LOOP-BACK').slice(-1)).toEqual(['10.244.2.2,tcp:80,10.244.2.2']);
  });

  it("an unknown set is ipset's error", () => {
    const r = runEmulated(node('node-02'), ['ipset', 'list', 'NOPE']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toEqual(['ipset v7.17: The set with the given name does not exist']);
  });
});

describe('the iptables rules left in ipvs mode', () => {
  const nat = run(node('node-02'), 'iptables-save', '-t', 'nat').filter((l) => l.startsWith('-A KUBE-'));
  it('nat: set matches instead of per-service chains (writeIptablesRules order)', () => {
    expect(nat).toEqual([
      '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
      '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN',
      '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ',
      '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
      '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    ]);
  });

  it('filter: jumps prepended in iptablesJumpChain order, KUBE-IPVS-FILTER rejecting other ports of service addresses', () => {
    const input = run(node('node-02'), 'iptables', '-S', 'INPUT')
      .slice(1)
      .map((l) => l.replace(/.* -j /, ''));
    expect(input).toEqual(['KUBE-IPVS-FILTER', 'KUBE-PROXY-FIREWALL', 'KUBE-NODE-PORT', 'KUBE-FIREWALL']);
    expect(run(node('node-02'), 'iptables', '-S', 'KUBE-IPVS-FILTER').slice(-1)).toEqual([
      '-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable',
    ]);
  });
});

describe('the walk through IPVS', () => {
  const trace = (from: string, to: string, seed = 1) => {
    const source = resolveTraceEndpoint(dataplane, from);
    return tracePacket(
      dataplane,
      source,
      resolveTraceEndpoint(dataplane, to, source),
      {},
      true,
      newSession(dataplane, statisticFromSeed(seed)),
    );
  };
  const steps = (r: ReturnType<typeof trace>['request']) => r.hops.flatMap((h) => h.steps);

  // The endpoint reached, the source it sees, the masquerade and the answer's addresses, as every mode's, are the
  // kube-proxy conformance suite's (test/proxy/conformance.test.ts); here: how IPVS takes the packet.
  it('pod to a ClusterIP: local route via kube-ipvs0, INPUT, then IPVS picks one of the real servers', () => {
    const { request } = trace('client', 'svc/web');
    expect(request.disposition).toBe('DELIVERED');
    const all = steps(request);
    expect(all).toContainEqual(expect.objectContaining({ kind: 'route', decision: 'local' }));
    expect(all).toContainEqual(expect.objectContaining({ kind: 'ipvs', hook: 'INPUT', verdict: 'masq', scheduler: 'rr', realServers: 2 }));
  });

  it('external to a NodePort: the virtual server on the node address the client dialled', () => {
    const { request } = trace('external', 'node-02:30080');
    expect(request.disposition).toBe('DELIVERED');
    expect(steps(request)).toContainEqual(expect.objectContaining({ kind: 'ipvs', virtual: 'TCP 10.234.2.12:30080' }));
  });

  it('a service without endpoints: no real server, ICMP port unreachable from the cluster IP', () => {
    const { request } = trace('client', 'svc/empty');
    expect(request.disposition).toBe('NO_ENDPOINTS');
    expect(request.notice).toEqual({ kind: 'icmp', from: empty.clusterIP, type: 3, code: 3 });
    expect(steps(request)).toContainEqual(expect.objectContaining({ kind: 'ipvs', verdict: 'no-destination' }));
  });
});
