import { describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import { toText } from '../../src/render/types.js';
import { sendTraffic } from '../../src/cli/traffic.js';
import { buildLab } from '../helpers.js';

describe('curl', () => {
  const lab = buildLab('labs/default.yaml');
  const podC = lab.dataplane.podNetns(lab.cluster.podByKey.get('default/pod-c')!);
  const curl = (...args: string[]) => runEmulated(podC, ['curl', ...args], { dataplane: lab.dataplane });

  it('resolves the service name, goes through kube-proxy, and prints which backend answered', () => {
    const result = curl('http://web');
    expect(result.exitCode).toBe(0);
    expect(['pod-a\n', 'pod-b\n']).toContain(toText(result.stdout));
  });

  it('reports a refused connection as curl 7.88 does (exit 7)', () => {
    const result = curl('http://10.244.2.2:81/');
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toEqual(["curl: (7) Failed to connect to 10.244.2.2 port 81 after 0 ms: Couldn't connect to server"]);
  });

  it('cannot resolve a pod name (pods have no such DNS name): exit 6', () => {
    const result = curl('pod-b');
    expect(result.exitCode).toBe(6);
    expect(result.stderr).toEqual(['curl: (6) Could not resolve host: pod-b']);
  });

  it('-s silences the error, -sS shows it', () => {
    expect(curl('-s', 'nosuch').stderr).toEqual([]);
    expect(curl('-sS', 'nosuch').stderr).toEqual(['curl: (6) Could not resolve host: nosuch']);
  });
});

describe('conntrack -L after --traffic', () => {
  it('lists the flows a node tracked, in conntrack-tools 1.4.7 format', () => {
    const lab = buildLab('labs/default.yaml');
    const { conntrack } = sendTraffic(lab.dataplane, [{ from: 'pod-a', to: 'pod-b', count: 1 }]);
    const node03 = lab.dataplane.nodeNetns(lab.cluster.nodeByName.get('node-03')!);
    const result = runEmulated(node03, ['conntrack', '-L', '-p', 'icmp'], { dataplane: lab.dataplane, conntrack });
    expect(toText(result.stdout)).toBe(
      'icmp     1 29 src=10.244.1.2 dst=10.244.2.2 type=8 code=0 id=4242 src=10.244.2.2 dst=10.244.1.2 type=0 code=0 id=4242 mark=0 use=1\n',
    );
    expect(result.stderr).toEqual(['conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.']);
  });

  it('shows the vxlan outer flows unreplied in each direction (different source ports each way)', () => {
    const lab = buildLab('labs/default.yaml');
    const { conntrack } = sendTraffic(lab.dataplane, [{ from: 'pod-a', to: 'pod-b', count: 1 }]);
    const node02 = lab.dataplane.nodeNetns(lab.cluster.nodeByName.get('node-02')!);
    const lines = toText(runEmulated(node02, ['conntrack', '-L', '-p', 'udp'], { conntrack }).stdout)
      .trim()
      .split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatch(/^udp      17 29 src=10\.234\.2\.1[23] dst=10\.234\.2\.1[23] sport=\d+ dport=8472 \[UNREPLIED\] /);
  });
});

describe('ping and traceroute by name', () => {
  const lab = buildLab('labs/default.yaml');
  const podC = lab.dataplane.podNetns(lab.cluster.podByKey.get('default/pod-c')!);

  it("resolve through the pod's search path and print the canonical name, as iputils does", () => {
    const result = runEmulated(podC, ['ping', '-c1', 'web'], { dataplane: lab.dataplane });
    const clusterIP = lab.cluster.serviceByKey.get('default/web')!.clusterIP!;
    expect(toText(result.stdout).split('\n')[0]).toBe(
      `PING web.default.svc.cluster.local (${[clusterIP >>> 24, (clusterIP >>> 16) & 255, (clusterIP >>> 8) & 255, clusterIP & 255].join('.')}) 56(84) bytes of data.`,
    );
  });

  it("an unknown name is the tools' own error", () => {
    expect(runEmulated(podC, ['ping', 'nosuch'], { dataplane: lab.dataplane }).stderr).toEqual(['ping: nosuch: Name or service not known']);
  });
});

describe('device counters after --traffic', () => {
  // Three echo requests pod-a -> pod-b and their replies: on node-02 flannel.1 sends three 84-byte
  // packets and receives three, counted as 98-byte frames (the 14-byte Ethernet header included).
  const lab = buildLab('labs/default.yaml');
  const node02 = lab.dataplane.nodeNetns(lab.cluster.nodeByName.get('node-02')!);
  const traffic = sendTraffic(lab.dataplane, [{ from: 'pod-a', to: 'pod-b', count: 3 }]);

  it('ip -s link and ifconfig print the same counts, from the traffic run', () => {
    const ip = toText(runEmulated(node02, ['ip', '-s', 'link', 'show', 'flannel.1'], traffic).stdout).split('\n');
    expect(ip.slice(2, 6)).toEqual([
      '    RX:  bytes packets errors dropped  missed   mcast           ',
      '           294       3      0       0       0       0 ',
      '    TX:  bytes packets errors dropped carrier collsns           ',
      '           294       3      0       0       0       0 ',
    ]);
    const ifconfig = toText(runEmulated(node02, ['ifconfig', 'flannel.1'], traffic).stdout).split('\n');
    expect(ifconfig.filter((l) => /^ {8}[RT]X packets/.test(l))).toEqual([
      '        RX packets 3  bytes 294 (294.0 B)',
      '        TX packets 3  bytes 294 (294.0 B)',
    ]);
  });

  it("the built state is not changed: without the run's counters the tools print zeros", () => {
    const ip = toText(runEmulated(node02, ['ip', '-s', 'link', 'show', 'flannel.1']).stdout).split('\n');
    expect(ip[3]).toBe('             0       0      0       0       0       0 ');
    expect(node02.links.every((l) => l.counters.rxPackets === 0 && l.counters.txPackets === 0)).toBe(true);
  });
});
