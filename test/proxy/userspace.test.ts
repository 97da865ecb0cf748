/**
 * kube-proxy's userspace mode (Kubernetes v1.25, pkg/proxy/userspace/
 * proxier.go) on the cluster with every kind of service
 * (test/proxy/fixtures/all-features.yaml): the chains and jumps iptablesInit
 * creates, the portal and node port rules of each service type as
 * iptablesContainerPortalArgs, iptablesHostPortalArgs,
 * iptablesHostNodePortArgs and iptablesNonLocalNodePortArgs build them,
 * spelled as iptables 1.8.9 saves them back (checked against the real tools
 * in userspace-kernel.test.ts), and the proxy ports.
 */
import { describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import { parseRuleArgs, splitArgs } from '../../src/kernel/netfilter/parse-restore.js';
import { ruleSaveArgs } from '../../src/render/iptables-rule.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { allocateProxyPorts, EPHEMERAL_HIGH, EPHEMERAL_LOW } from '../../src/proxy/userspace/proxy-ports.js';
import { userspaceProxier } from '../../src/proxy/userspace/state.js';
import { toText } from '../../src/render/types.js';
import { buildFromText, readRepoFile } from '../helpers.js';

const USERSPACE_FEATURES = readRepoFile('test/proxy/fixtures/all-features.yaml').replace(
  'kubeProxy: {mode: iptables}',
  'kubeProxy: {mode: userspace}',
);

const { cluster, dataplane } = buildFromText(USERSPACE_FEATURES, 'all-features.yaml');
const node02 = cluster.nodeByName.get('node-02')!;
const ns = (name: string): NetNs => dataplane.nodeNetns(cluster.nodeByName.get(name)!);
const save = (name: string, table: string): string[] => toText(runEmulated(ns(name), ['iptables-save', '-t', table]).stdout).split('\n');
const proxier = userspaceProxier(cluster, node02);
const port = (servicePort: string, protocol = 'tcp'): number =>
  proxier.sockets.find((s) => s.info.name === servicePort && s.protocol === protocol)!.port;
const svc = (key: string) => cluster.serviceByKey.get(key)!;
const cip = (key: string): string => formatIPv4(svc(key).clusterIP!);

describe('iptablesInit: the chains and their jumps', () => {
  const nat = save('node-02', 'nat');
  const filter = save('node-02', 'filter');

  it('nat PREROUTING and OUTPUT: the portal chain first (prepended), the node port chain last (appended)', () => {
    const portals = '-m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules"';
    const nodePorts =
      '-m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain"';
    expect(nat.filter((l) => l.startsWith('-A PREROUTING '))).toEqual([
      `-A PREROUTING ${portals} -j KUBE-PORTALS-CONTAINER`,
      `-A PREROUTING ${nodePorts} -j KUBE-NODEPORT-CONTAINER`,
    ]);
    expect(nat.filter((l) => l.startsWith('-A OUTPUT '))).toEqual([
      `-A OUTPUT ${portals} -j KUBE-PORTALS-HOST`,
      `-A OUTPUT ${nodePorts} -j KUBE-NODEPORT-HOST`,
    ]);
  });

  it("filter INPUT: KUBE-NODEPORT-NON-LOCAL before the kubelet's KUBE-FIREWALL", () => {
    expect(filter.filter((l) => l.startsWith('-A INPUT '))).toEqual([
      '-A INPUT -m comment --comment "Ensure that non-local NodePort traffic can flow" -j KUBE-NODEPORT-NON-LOCAL',
      '-A INPUT -j KUBE-FIREWALL',
    ]);
  });

  it('no chain of the other modes: no KUBE-SERVICES, no KUBE-SVC-*, no REJECT, no masquerade mark', () => {
    const all = [...nat, ...filter].join('\n');
    for (const absent of ['KUBE-SERVICES', 'KUBE-SVC-', 'KUBE-SEP-', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'REJECT', 'KUBE-PROXY-CANARY'])
      expect(all).not.toContain(absent);
  });

  it('sets no sysctl of its own (no route_localnet: nothing is sent to 127.0.0.1)', () => {
    expect(ns('node-02').sysctls.get('net.ipv4.conf.all.route_localnet')).not.toBe('1');
  });
});

describe('the rules of each service type', () => {
  const nat = save('node-02', 'nat');
  const filter = save('node-02', 'filter');
  const of = (lines: string[], chain: string, comment: string): string[] =>
    lines.filter((l) => l.startsWith(`-A ${chain} `) && l.includes(`--comment "${comment}"`));

  it("ClusterIP: REDIRECT for traffic from elsewhere, DNAT to hostIP:proxyPort for the node's own", () => {
    const p = port('shop/web:http');
    expect(of(nat, 'KUBE-PORTALS-CONTAINER', 'shop/web:http')).toEqual([
      `-A KUBE-PORTALS-CONTAINER -d ${cip('shop/web')}/32 -p tcp -m comment --comment "shop/web:http" -m tcp --dport 80 -j REDIRECT --to-ports ${p}`,
    ]);
    expect(of(nat, 'KUBE-PORTALS-HOST', 'shop/web:http')).toEqual([
      `-A KUBE-PORTALS-HOST -d ${cip('shop/web')}/32 -p tcp -m comment --comment "shop/web:http" -m tcp --dport 80 -j DNAT --to-destination 10.234.2.12:${p}`,
    ]);
  });

  it('NodePort: REDIRECT / DNAT on the node port (any local address), and ACCEPT NEW on the proxy port in filter', () => {
    const p = port('shop/web:http');
    const np = svc('shop/web').ports[0]!.nodePort!;
    expect(of(nat, 'KUBE-NODEPORT-CONTAINER', 'shop/web:http')).toEqual([
      `-A KUBE-NODEPORT-CONTAINER -p tcp -m comment --comment "shop/web:http" -m tcp --dport ${np} -j REDIRECT --to-ports ${p}`,
    ]);
    expect(of(nat, 'KUBE-NODEPORT-HOST', 'shop/web:http')).toEqual([
      `-A KUBE-NODEPORT-HOST -p tcp -m comment --comment "shop/web:http" -m tcp --dport ${np} -j DNAT --to-destination 10.234.2.12:${p}`,
    ]);
    expect(of(filter, 'KUBE-NODEPORT-NON-LOCAL', 'shop/web:http')).toEqual([
      `-A KUBE-NODEPORT-NON-LOCAL -p tcp -m comment --comment "shop/web:http" -m tcp --dport ${p} -m state --state NEW -j ACCEPT`,
    ]);
  });

  it('LoadBalancer with externalIPs: cluster IP, then the external IP (off-machine or to a local address), then the ingress IP, then the node port', () => {
    const p = port('shop/api:http');
    const head = '-p tcp -m comment --comment "shop/api:http" -m tcp --dport 80';
    expect(of(nat, 'KUBE-PORTALS-CONTAINER', 'shop/api:http')).toEqual([
      `-A KUBE-PORTALS-CONTAINER -d ${cip('shop/api')}/32 ${head} -j REDIRECT --to-ports ${p}`,
      `-A KUBE-PORTALS-CONTAINER -d 192.0.2.200/32 ${head} -m physdev ! --physdev-is-in -j REDIRECT --to-ports ${p}`,
      `-A KUBE-PORTALS-CONTAINER -d 192.0.2.200/32 ${head} -m addrtype --dst-type LOCAL -j REDIRECT --to-ports ${p}`,
      `-A KUBE-PORTALS-CONTAINER -d 203.0.113.7/32 ${head} -j REDIRECT --to-ports ${p}`,
    ]);
    expect(of(nat, 'KUBE-PORTALS-HOST', 'shop/api:http')).toEqual([
      `-A KUBE-PORTALS-HOST -d ${cip('shop/api')}/32 ${head} -j DNAT --to-destination 10.234.2.12:${p}`,
      `-A KUBE-PORTALS-HOST -d 192.0.2.200/32 ${head} -m addrtype --dst-type LOCAL -j DNAT --to-destination 10.234.2.12:${p}`,
      `-A KUBE-PORTALS-HOST -d 203.0.113.7/32 ${head} -j DNAT --to-destination 10.234.2.12:${p}`,
    ]);
    expect(of(nat, 'KUBE-NODEPORT-CONTAINER', 'shop/api:http')).toHaveLength(1);
  });

  it('traffic policies and source ranges change nothing: the userspace proxier ignores them', () => {
    // shop/api has externalTrafficPolicy Local and loadBalancerSourceRanges, shop/cache internalTrafficPolicy Local.
    expect(of(nat, 'KUBE-PORTALS-CONTAINER', 'shop/cache')).toEqual([
      `-A KUBE-PORTALS-CONTAINER -d ${cip('shop/cache')}/32 -p tcp -m comment --comment "shop/cache" -m tcp --dport 6379 -j REDIRECT --to-ports ${port('shop/cache')}`,
    ]);
    expect(nat.join('\n')).not.toContain('192.0.2.0/25');
  });

  it('a service without endpoints keeps its rules and its socket (no REJECT: the socket accepts and closes)', () => {
    expect(of(nat, 'KUBE-PORTALS-CONTAINER', 'shop/gone')).toHaveLength(2);
    expect(proxier.sockets.find((s) => s.info.name === 'shop/gone')!.endpoints).toEqual([]);
  });

  it('UDP and TCP on one port: one socket each, the shared node port redirected per protocol', () => {
    const np = svc('shop/mydns').ports[0]!.nodePort!;
    expect(of(nat, 'KUBE-NODEPORT-CONTAINER', 'shop/mydns:dns')).toEqual([
      `-A KUBE-NODEPORT-CONTAINER -p udp -m comment --comment "shop/mydns:dns" -m udp --dport ${np} -j REDIRECT --to-ports ${port('shop/mydns:dns', 'udp')}`,
    ]);
    expect(of(nat, 'KUBE-NODEPORT-CONTAINER', 'shop/mydns:dns-tcp')).toEqual([
      `-A KUBE-NODEPORT-CONTAINER -p tcp -m comment --comment "shop/mydns:dns-tcp" -m tcp --dport ${np} -j REDIRECT --to-ports ${port('shop/mydns:dns-tcp')}`,
    ]);
  });

  it('SCTP and headless services get nothing (newProxySocket knows TCP and UDP only; headless services are skipped)', () => {
    expect(nat.join('\n')).not.toContain('shop/sctp');
    expect(nat.join('\n')).not.toContain('shop/web-headless');
  });

  it('-L -n lists them as iptables 1.8.9 does (redir ports, state NEW)', () => {
    const listed = toText(runEmulated(ns('node-02'), ['iptables', '-L', 'KUBE-NODEPORT-NON-LOCAL', '-n']).stdout);
    expect(listed).toContain(`/* shop/web:http */ tcp dpt:${port('shop/web:http')} state NEW`);
    const nat = toText(runEmulated(ns('node-02'), ['iptables', '-t', 'nat', '-L', 'KUBE-PORTALS-CONTAINER', '-n']).stdout);
    expect(nat).toContain(`/* shop/web:http */ tcp dpt:80 redir ports ${port('shop/web:http')}`);
  });
});

describe("kube-proxy's own spelling (iptablesCommonPortalArgs order) as iptables 1.8.9 saves it back", () => {
  // Loaded with the real `iptables -A` in upstream's argument order, saved with the real iptables-save 1.8.9 (nf_tables).
  const cases: [string, string][] = [
    [
      '-m comment --comment default/web:http -p tcp -m tcp --dport 40000 -m state --state NEW -j ACCEPT',
      '-p tcp -m comment --comment "default/web:http" -m tcp --dport 40000 -m state --state NEW -j ACCEPT',
    ],
    [
      '-m comment --comment default/web:http -p tcp -m tcp --dport 80 -d 10.96.0.10/32 -j REDIRECT --to-ports 40000',
      '-d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http" -m tcp --dport 80 -j REDIRECT --to-ports 40000',
    ],
    [
      '-m comment --comment default/web:http -p tcp -m tcp --dport 80 -d 1.2.3.4/32 -m physdev ! --physdev-is-in -j REDIRECT --to-ports 40000',
      '-d 1.2.3.4/32 -p tcp -m comment --comment "default/web:http" -m tcp --dport 80 -m physdev ! --physdev-is-in -j REDIRECT --to-ports 40000',
    ],
    [
      '-m comment --comment default/web:http -p tcp -m tcp --dport 80 -d 1.2.3.4/32 -m addrtype --dst-type LOCAL -j DNAT --to-destination 10.0.0.1:40000',
      '-d 1.2.3.4/32 -p tcp -m comment --comment "default/web:http" -m tcp --dport 80 -m addrtype --dst-type LOCAL -j DNAT --to-destination 10.0.0.1:40000',
    ],
  ];
  it.each(cases)('%s', (written, saved) => {
    expect(ruleSaveArgs(parseRuleArgs(splitArgs(written)))).toBe(saved);
  });
});

describe('the proxy sockets', () => {
  it('only ready endpoints, in ip:port order, whatever their node (a not-ready and a terminating pod left out)', () => {
    const web = proxier.sockets.find((s) => s.info.name === 'shop/web:http')!;
    // web-4 is not ready, web-5 terminating.
    const ready = ['web-1', 'web-2', 'web-3'].map((name) => `${formatIPv4(cluster.podByKey.get(`shop/${name}`)!.ip)}:8080`);
    expect(web.endpoints.map((e) => e.key)).toEqual([...ready].sort());
  });

  it('ports are in ip_local_port_range, odd for TCP (bind), distinct per protocol, and differ between nodes', () => {
    for (const s of proxier.sockets) {
      expect(s.port).toBeGreaterThanOrEqual(EPHEMERAL_LOW);
      expect(s.port).toBeLessThanOrEqual(EPHEMERAL_HIGH);
      if (s.protocol === 'tcp') expect(s.port % 2).toBe(1);
    }
    const keys = proxier.sockets.map((s) => `${s.protocol}/${s.port}`);
    expect(new Set(keys).size).toBe(keys.length);
    const other = userspaceProxier(cluster, cluster.nodeByName.get('node-03')!);
    expect(other.sockets.map((s) => s.port)).not.toEqual(proxier.sockets.map((s) => s.port));
  });

  it('a taken port moves on to the next free one of the same parity; TCP takes even ports once the odd ones are gone', () => {
    const [first] = allocateProxyPorts('n', [{ name: 'a/b:c', protocol: 'tcp' }]);
    expect(allocateProxyPorts('n', [{ name: 'a/b:c', protocol: 'tcp' }], [{ protocol: 'tcp', port: first! }])).toEqual([
      first! + 2 > EPHEMERAL_HIGH ? EPHEMERAL_LOW + 1 : first! + 2,
    ]);
    // The same port stays free for UDP.
    const odd = [];
    for (let p = EPHEMERAL_LOW + 1; p <= EPHEMERAL_HIGH; p += 2) odd.push({ protocol: 'tcp', port: p });
    const [even] = allocateProxyPorts('n', [{ name: 'a/b:c', protocol: 'tcp' }], odd);
    expect(even! % 2).toBe(0);
    const all = [...odd, ...odd.map((o) => ({ protocol: 'tcp', port: o.port - 1 }))];
    expect(allocateProxyPorts('n', [{ name: 'a/b:c', protocol: 'tcp' }], all)).toEqual([undefined]);
  });

  it('the same topology gives the same ports', () => {
    const again = buildFromText(USERSPACE_FEATURES, 'all-features.yaml');
    expect(userspaceProxier(again.cluster, again.cluster.nodeByName.get('node-02')!).sockets.map((s) => s.port)).toEqual(
      proxier.sockets.map((s) => s.port),
    );
  });
});
