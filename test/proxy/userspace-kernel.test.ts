/**
 * kube-proxy's userspace mode against the real kernel.
 *
 * 1. Round trip: every node's `iptables-save` in userspace mode (the default
 *    lab and the cluster with every kind of service) is loaded with the real
 *    `iptables-restore` into a namespace this test creates and read back with
 *    the real `iptables-save` and `iptables -L`: identical text.
 * 2. The walk: one node of a netlab cluster is rebuilt for real (its cni0,
 *    eth0 and two pods, with netlab's addresses), netlab's own rules for that
 *    node are loaded into it, and a small stand-in for kube-proxy's proxy
 *    socket runs on netlab's proxy port: it accepts on a dual-stack socket as
 *    Go's net.Listen does, connects to the endpoint and copies the answer
 *    back. What the kernel does around it (REDIRECT's address, DNAT for the
 *    node's own traffic, the source of the proxy's connection, conntrack
 *    turning the answer's source back into the service address) must be what
 *    netlab's walk says, for a pod, the node and an outside client.
 *
 * Needs root, iptables (nf_tables), iproute2 and python3; skipped otherwise,
 * with the reason in the suite name. Namespaces are named
 * nlus-<pid>-<n>, every probe is bounded by `timeout`, and everything is
 * deleted in afterAll.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { tracePacket } from '../../src/dataplane/probes.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { userspaceProxier } from '../../src/proxy/userspace/state.js';
import { renderIptablesSave } from '../../src/render/iptables-save.js';
import { toText } from '../../src/render/types.js';
import { buildFromText, readRepoFile } from '../helpers.js';
import { inNs, netnsSkipReason, scratchNamespaces } from '../netns-helpers.js';
import { expectIptablesRoundTrip } from './iptables-round-trip.js';

const reason = netnsSkipReason(['ip', 'iptables', 'iptables-restore', 'iptables-save', 'python3', 'timeout'], { iptablesNft: true });
const namespaces = scratchNamespaces('nlus-');
const children: ChildProcess[] = [];

function newNamespace(): string {
  const name = namespaces.create();
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

const ip = (ns: string, ...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args]);

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill();
  namespaces.deleteAll();
});

const userspace = (text: string): string => text.replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: userspace}');

describe.skipIf(reason !== undefined)(`real kernel: kube-proxy userspace mode${reason ? ` (skipped: ${reason})` : ''}`, () => {
  describe.each(['labs/default.yaml', 'test/proxy/fixtures/all-features.yaml'])('%s: iptables-restore then iptables-save', (file) => {
    const built = buildFromText(userspace(readRepoFile(file)), file);
    it.each(built.cluster.nodes.map((n) => ({ name: n.name, ns: built.dataplane.nodeNetns(n) })))(
      '$name reads back byte for byte, and lists the same',
      ({ ns }) => {
        expectIptablesRoundTrip(ns, newNamespace(), [
          ['iptables', '-L', '-n', '-v'],
          ['iptables', '-t', 'nat', '-L', '-n', '-v', '--line-numbers'],
        ]);
      },
    );
  });

  describe("one node rebuilt for real, with netlab's rules and a stand-in proxy on netlab's port", () => {
    const TOPOLOGY = `apiVersion: netlab/v1
kind: Cluster
metadata: {name: userspace-real}
network:
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: flannel, backend: host-gw}
  kubeProxy: {mode: userspace}
  dns: {coreDNS: false}
subnets:
  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254}
nodes:
  - {name: node-01, ip: 10.234.2.11, subnet: rack-1, role: control-plane}
pods:
  - {name: web-1, namespace: default, node: node-01, labels: {app: web}, containers: [{name: nginx, ports: [{containerPort: 80}]}]}
  - {name: client, namespace: default, node: node-01, labels: {app: client}}
services:
  - {name: web, namespace: default, type: NodePort, selector: {app: web}, ports: [{port: 80, nodePort: 30080}]}
`;
    const { cluster, dataplane } = buildFromText(TOPOLOGY, 'userspace-real.yaml');
    const node = cluster.nodes[0]!;
    const web = cluster.podByKey.get('default/web-1')!;
    const client = cluster.podByKey.get('default/client')!;
    const service = cluster.serviceByKey.get('default/web')!;
    const proxyPort = userspaceProxier(cluster, node).sockets.find((s) => s.info.name === 'default/web')!.port;
    const gateway = '10.234.2.254';
    const external = '198.51.100.10';
    const bridgeAddress = formatIPv4(node.podCIDR.addr + 1);

    /** Three connections: a pod's, the node's, an outside client's; each side reports the addresses it saw. */
    async function measure(): Promise<{ backend: string[]; proxy: string[]; clients: Record<string, string> }> {
      const nodeNs = newNamespace();
      const podNs = (pod: typeof web): string => {
        const ns = newNamespace();
        const veth = `veth${pod.name.slice(0, 8)}`;
        ip(nodeNs, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
        ip(nodeNs, 'link', 'set', veth, 'master', 'cni0', 'up');
        ip(ns, 'addr', 'add', `${formatIPv4(pod.ip)}/${node.podCIDR.len}`, 'dev', 'eth0');
        ip(ns, 'link', 'set', 'eth0', 'up');
        ip(ns, 'route', 'add', 'default', 'via', bridgeAddress);
        return ns;
      };
      ip(nodeNs, 'link', 'add', 'cni0', 'type', 'bridge');
      ip(nodeNs, 'addr', 'add', `${bridgeAddress}/${node.podCIDR.len}`, 'dev', 'cni0');
      ip(nodeNs, 'link', 'set', 'cni0', 'up');
      const webNs = podNs(web);
      const clientNs = podNs(client);
      const extNs = newNamespace();
      ip(nodeNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', extNs);
      ip(nodeNs, 'addr', 'add', `${formatIPv4(node.ip)}/24`, 'dev', 'eth0');
      ip(nodeNs, 'link', 'set', 'eth0', 'up');
      ip(nodeNs, 'route', 'add', 'default', 'via', gateway);
      ip(extNs, 'addr', 'add', `${gateway}/24`, 'dev', 'eth0');
      ip(extNs, 'addr', 'add', `${external}/32`, 'dev', 'lo');
      ip(extNs, 'link', 'set', 'eth0', 'up');
      // netlab's rules for this node, as its iptables-save prints them.
      inNs(nodeNs, ['iptables-restore'], toText(renderIptablesSave(dataplane.nodeNetns(node).netfilter)));

      const server = (ns: string, code: string): ChildProcess => {
        const child = spawn('ip', ['netns', 'exec', ns, 'timeout', '20', 'python3', '-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        return child;
      };
      const lines = (child: ChildProcess): Promise<string[]> =>
        new Promise((resolve) => {
          let out = '';
          child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          child.on('close', () =>
            resolve(
              out
                .trim()
                .split('\n')
                .filter((l) => l !== ''),
            ),
          );
        });
      const backend = server(
        webNs,
        `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 80)); s.listen()
print('ready', flush=True)
for _ in range(3):
    c, a = s.accept(); print('%s:%d' % a, flush=True); c.sendall(b'ok'); c.close()
`,
      );
      // Go's net.Listen("tcp", "0.0.0.0:port") is an AF_INET6 socket with IPV6_V6ONLY off.
      const proxy = server(
        nodeNs,
        `
import socket
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(('::', ${proxyPort})); s.listen()
print('ready', flush=True)
for _ in range(3):
    c, a = s.accept()
    o = socket.create_connection(('${formatIPv4(web.ip)}', 80), timeout=5)
    local = c.getsockname()[0].replace('::ffff:', '')
    out = o.getsockname()
    print('%s:%d %s:%d' % (local, c.getsockname()[1], out[0], out[1]), flush=True)
    c.sendall(o.recv(16)); c.close(); o.close()
`,
      );
      const backendLines = lines(backend);
      const proxyLines = lines(proxy);
      // Both print `ready` once listening.
      const waitReady = (child: ChildProcess): Promise<void> =>
        new Promise((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
      await Promise.all([waitReady(backend), waitReady(proxy)]);
      const connect = (ns: string, dst: string, port: number, source?: string): string =>
        inNs(ns, [
          'timeout',
          '5',
          'python3',
          '-c',
          `
import socket
c = socket.create_connection(('${dst}', ${port}), timeout=4${source ? `, source_address=('${source}', 0)` : ''})
p = c.getpeername(); d = c.recv(16)
print('%s:%d %s' % (p[0], p[1], d.decode()))
`,
        ]).trim();
      const clients = {
        pod: connect(clientNs, formatIPv4(service.clusterIP!), 80),
        node: connect(nodeNs, formatIPv4(service.clusterIP!), 80),
        external: connect(extNs, formatIPv4(node.ip), 30080, external),
      };
      const [b, p] = await Promise.all([backendLines, proxyLines]);
      // Each printed `ready` first.
      return { backend: b.slice(1), proxy: p.slice(1), clients };
    }

    const walk = (from: string, to: string) => {
      const source = resolveTraceEndpoint(dataplane, from);
      return tracePacket(dataplane, source, resolveTraceEndpoint(dataplane, to, source), {}, true);
    };
    const hostPort = (p: { src: number; sport?: number }) => `${formatIPv4(p.src)}:${p.sport}`;

    it('the backend sees the node, the proxy accepts where REDIRECT/DNAT sent it, the client sees the address it dialled', async () => {
      const real = await measure();
      const cases = [
        { name: 'pod', run: walk('client', 'svc/web') },
        { name: 'node', run: walk('node-01', 'svc/web') },
        { name: 'external', run: walk('external', 'node-01:30080') },
      ];
      cases.forEach(({ name, run }, i) => {
        expect(run.request.disposition, name).toBe('DELIVERED');
        // What the backend saw as the source address (its port is the kernel's random choice).
        expect(real.backend[i]!.split(':')[0], `${name}: backend's peer`).toBe(formatIPv4(run.request.delivered!.src));
        // Where the stand-in proxy accepted: the address REDIRECT or DNAT chose, and netlab's proxy port.
        const accept = run.request.hops
          .flatMap((h) => h.steps)
          .find((s) => s.kind === 'netfilter' && (s.verdict === 'REDIRECT' || s.verdict === 'DNAT'));
        const after = (accept as { after: { dst: number; dport: number } }).after;
        expect(real.proxy[i]!.split(' ')[0], `${name}: proxy's local address`).toBe(`${formatIPv4(after.dst)}:${after.dport}`);
        // The proxy's own connection leaves from the address the route to the endpoint picks.
        expect(real.proxy[i]!.split(' ')[1]!.split(':')[0], `${name}: proxy's source`).toBe(formatIPv4(run.request.delivered!.src));
        // And the client's peer is the service address (or node port) it dialled, as conntrack restores it.
        expect(real.clients[name], `${name}: client's peer`).toBe(`${hostPort(run.reply!.delivered!)} ok`);
      });
      expect(proxyPort % 2).toBe(1);
    }, 30_000);
  });
});
