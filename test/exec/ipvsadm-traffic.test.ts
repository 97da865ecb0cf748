/**
 * `ipvsadm -Lnc`, and the connection counts and `--stats` counters of
 * `ipvsadm -Ln`, after `--traffic` walked flows through kube-proxy's ipvs
 * mode.
 *
 * This machine's kernel has no IPVS, so nothing here was captured from a
 * real ipvsadm: the expected lines are written from ipvsadm 1.31's print
 * formats (ipvsadm.c list_conn/print_conn `%-3s %-6s %-11s %-18s %-18s %s`
 * with expire `%02d:%02d`; print_title/print_service_entry `%-33s` and
 * print_largenum `%9llu` for --stats) and the kernel's connection states and
 * timeouts (net/netfilter/ipvs: tcp_state_name_table and tcp_timeouts,
 * udp_state_name_table "UDP" 5*60, templates "NONE"/"ASSURED" living the
 * persistence timeout; new connections start inactive, TCP's SYN_RECV and
 * ESTABLISHED count as active, UDP never does), a moment (one second) after
 * the exchange as conntrack -L shows it.
 */
import { describe, expect, it } from 'vitest';
import { sendTraffic, type TrafficSpec } from '../../src/cli/traffic.js';
import { runEmulated } from '../../src/exec/run.js';
import { largeNumber } from '../../src/render/ipvsadm.js';
import { toText } from '../../src/render/types.js';
import { buildFromText } from '../helpers.js';

const TOPOLOGY = `apiVersion: netlab/v1
kind: Cluster
metadata: {name: ipvs-traffic}
network:
  kubeProxy: {mode: ipvs}
subnets:
  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254}
nodes:
  - {name: master, ip: 10.234.2.11, subnet: rack-1, role: control-plane}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}
  - {name: node-03, ip: 10.234.2.13, subnet: rack-1}
pods:
  - {name: pod-a, node: node-02, labels: {app: web}, containers: [{name: nginx, ports: [{containerPort: 80}]}]}
  - {name: pod-b, node: node-03, labels: {app: web}, containers: [{name: nginx, ports: [{containerPort: 80}]}]}
  - {name: client, node: node-02, containers: [{name: c}]}
services:
  - {name: web, clusterIP: 10.96.100.100, selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
  - {name: sticky, clusterIP: 10.96.100.200, selector: {app: web}, sessionAffinity: ClientIP, ports: [{port: 8080, targetPort: 80}]}
`;

const { cluster, dataplane } = buildFromText(TOPOLOGY, 'ipvs-traffic.yaml');
const node02 = dataplane.nodeNetns(cluster.nodeByName.get('node-02')!);

function ipvsadm(traffic: TrafficSpec[], ...args: string[]) {
  const state = sendTraffic(dataplane, traffic);
  return runEmulated(node02, ['ipvsadm', ...args], { dataplane, ...state });
}
/** The output's lines (each line's trailing blanks are part of the format). */
const lines = (traffic: TrafficSpec[], ...args: string[]): string[] =>
  toText(ipvsadm(traffic, ...args).stdout)
    .replace(/\n$/, '')
    .split('\n');

describe('ipvsadm -Lnc', () => {
  it('without traffic: only the two header lines (list_conn prints them before reading /proc/net/ip_vs_conn)', () => {
    expect(lines([], '-Lnc')).toEqual([
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
    ]);
  });

  it('a TCP connection answered: ESTABLISHED with 15 minutes less a second', () => {
    expect(lines([{ from: 'client', to: 'svc/web:80', count: 1 }], '-Lnc').slice(2)).toEqual([
      'TCP 14:59  ESTABLISHED 10.244.1.3:45678   10.96.100.100:80   10.244.2.2:80',
    ]);
  });

  it('UDP: the state is "UDP" (udp_state_name_table), 5 minutes', () => {
    expect(lines([{ from: 'client', to: 'svc/kube-system/kube-dns:53', count: 1 }], '-Lnc').slice(2)).toEqual([
      'UDP 04:59  UDP         10.244.1.3:45678   10.96.0.10:53      10.244.0.3:53',
    ]);
  });

  it('ClientIP affinity: the persistence template (client port 0, ASSURED once answered) comes first, 3 hours', () => {
    expect(lines([{ from: 'client', to: 'svc/sticky:8080', count: 1 }], '-Lnc').slice(2)).toEqual([
      'TCP 179:59 ASSURED     10.244.1.3:0       10.96.100.200:8080 10.244.2.2:80',
      'TCP 14:59  ESTABLISHED 10.244.1.3:45678   10.96.100.200:8080 10.244.2.2:80',
    ]);
  });

  it('each --traffic is its own connection (its own source port); the same client keeps its persistent real server', () => {
    const entries = lines(
      [
        { from: 'client', to: 'svc/sticky:8080', count: 1 },
        { from: 'client', to: 'svc/sticky:8080', count: 1 },
      ],
      '-Lnc',
    ).slice(2);
    expect(entries).toHaveLength(3);
    expect(entries[2]).toBe('TCP 14:59  ESTABLISHED 10.244.1.3:45679   10.96.100.200:8080 10.244.2.2:80');
  });

  it('the other spellings: -L -n -c, -lnc, --list --numeric --connection', () => {
    const expected = lines([{ from: 'client', to: 'svc/web:80', count: 1 }], '-Lnc');
    for (const argv of [['-L', '-n', '-c'], ['-lnc'], ['--list', '--numeric', '--connection']])
      expect(lines([{ from: 'client', to: 'svc/web:80', count: 1 }], ...argv)).toEqual(expected);
  });

  it('only on the node whose IPVS saw the connection', () => {
    const state = sendTraffic(dataplane, [{ from: 'client', to: 'svc/web:80', count: 1 }]);
    const node03 = dataplane.nodeNetns(cluster.nodeByName.get('node-03')!);
    expect(
      toText(runEmulated(node03, ['ipvsadm', '-Lnc'], { dataplane, ...state }).stdout)
        .replace(/\n$/, '')
        .split('\n'),
    ).toHaveLength(2);
  });
});

describe('ipvsadm -Ln after traffic', () => {
  it('ActiveConn counts the TCP connection, InActConn the UDP one', () => {
    const out = lines(
      [
        { from: 'client', to: 'svc/web:80', count: 1 },
        { from: 'client', to: 'svc/kube-system/kube-dns:53', count: 1 },
      ],
      '-Ln',
    );
    const web = out.indexOf('TCP  10.96.100.100:80 rr');
    expect(out.slice(web + 1, web + 3)).toEqual([
      '  -> 10.244.1.2:80                Masq    1      0          0         ',
      '  -> 10.244.2.2:80                Masq    1      1          0         ',
    ]);
    const dns = out.indexOf('UDP  10.96.0.10:53 rr');
    expect(out.slice(dns + 1, dns + 3)).toEqual([
      '  -> 10.244.0.2:53                Masq    1      0          0         ',
      '  -> 10.244.0.3:53                Masq    1      0          1         ',
    ]);
  });
});

describe('ipvsadm -Ln --stats', () => {
  it('the title lines of print_title', () => {
    expect(lines([], '-Ln', '--stats').slice(0, 3)).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      '  -> RemoteAddress:Port',
    ]);
  });

  it('three packets of one connection and their answers: one connection, 3 in and 3 out of 60 bytes (SYN, SYN-ACK), service = sum of its real servers', () => {
    const out = lines([{ from: 'client', to: 'svc/web:80', count: 3 }], '-Ln', '--stats');
    const at = out.indexOf('TCP  10.96.100.100:80                    1        3        3      180      180');
    expect(at).toBeGreaterThan(0);
    expect(out.slice(at + 1, at + 3)).toEqual([
      '  -> 10.244.1.2:80                       0        0        0        0        0',
      '  -> 10.244.2.2:80                       1        3        3      180      180',
    ]);
  });

  it('--exact and -X are accepted; print_largenum abbreviates from 100 million unless exact', () => {
    expect(ipvsadm([], '-Ln', '--stats', '--exact').exitCode).toBe(0);
    expect(ipvsadm([], '-LnX', '--stats').exitCode).toBe(0);
    expect(largeNumber(99_999_999, false)).toBe(' 99999999');
    expect(largeNumber(123_456_789, false)).toBe('  123456K');
    expect(largeNumber(12_345_678_901, false)).toBe('   12345M');
    expect(largeNumber(123_456_789_012, false)).toBe('     123G');
    expect(largeNumber(123_456_789, true)).toBe(' 123456789');
    expect(largeNumber(7, true)).toBe('        7');
  });

  it('--rate is not emulated (the kernel estimator averages over seconds): exit 2 with the reason', () => {
    const result = ipvsadm([], '-Ln', '--rate');
    expect(result.exitCode).toBe(2);
    expect(result.stderr[0]).toContain('estimator');
  });
});
