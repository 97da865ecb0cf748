import { describe, expect, it } from 'vitest';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { clusterIPRangeOffset, nodePortRangeOffset, OffsetAllocator } from '../../src/model/services/allocate.js';
import { allocationDiagnostics, buildFromText, buildLab, readRepoFile } from '../helpers.js';

const ip = formatIPv4;

function lab(extra: string, network = ''): string {
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: t}
network:
  serviceCIDR: 10.96.0.0/12
${network}subnets: [{name: r, cidr: 10.234.2.0/24, gateway: 10.234.2.254}]
nodes:
  - {name: cp, ip: 10.234.2.10, subnet: r, role: control-plane}
  - {name: w1, ip: 10.234.2.11, subnet: r}
  - {name: w2, ip: 10.234.2.12, subnet: r}
${extra}`;
}

describe("the cluster's own services and pods", () => {
  const { cluster } = buildLab('labs/default.yaml');

  it('has the kubernetes service at the first address, endpoints the API servers on 6443', () => {
    const k = cluster.serviceByKey.get('default/kubernetes')!;
    expect(k.builtIn).toBe('kubernetes');
    expect(ip(k.clusterIP!)).toBe('10.96.0.1');
    expect(k.ports).toEqual([{ index: 0, name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }]);
    expect(k.endpoints(k.ports[0]!).map((e) => [e.key, e.nodeName])).toEqual([['10.234.2.11:6443', undefined]]);
  });

  it("has kube-dns at the 10th address with kubeadm's ports, and two CoreDNS pods on the control plane", () => {
    const dns = cluster.serviceByKey.get('kube-system/kube-dns')!;
    expect(ip(dns.clusterIP!)).toBe('10.96.0.10');
    expect(dns.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
    const coredns = cluster.pods.filter((p) => p.namespace === 'kube-system');
    expect(coredns.map((p) => [p.node.name, ip(p.ip)])).toEqual([
      ['master', '10.244.0.2'],
      ['master', '10.244.0.3'],
    ]);
    for (const pod of coredns) expect(pod.name).toMatch(/^coredns-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(coredns[0]!.labels).toMatchObject({ 'k8s-app': 'kube-dns' });
    expect(dns.endpoints(dns.ports[0]!).map((e) => e.key)).toEqual(['10.244.0.2:53', '10.244.0.3:53']);
    expect(cluster.clusterDNS).toBe(dns.clusterIP);
  });

  it('leaves CoreDNS out with dns.coreDNS: false, and lets a written service replace a default one', () => {
    const { cluster: bare } = buildFromText(
      lab(
        `services:
  - {name: kubernetes, namespace: default, clusterIP: 10.96.0.5, ports: [{name: https, port: 443, targetPort: 6443}]}
`,
        '  dns: {coreDNS: false}\n',
      ),
    );
    expect(bare.serviceByKey.has('kube-system/kube-dns')).toBe(false);
    expect(bare.pods).toEqual([]);
    const k = bare.serviceByKey.get('default/kubernetes')!;
    expect([ip(k.clusterIP!), k.builtIn, k.endpoints(k.ports[0]!).map((e) => e.key)]).toEqual([
      '10.96.0.5',
      'kubernetes',
      ['10.234.2.10:6443'],
    ]);
    expect(bare.services).toHaveLength(1);
  });
});

describe("allocation (kube-apiserver's allocators, with a hashed start)", () => {
  it('computes the static band as kube-apiserver does', () => {
    expect(clusterIPRangeOffset(2 ** 20)).toBe(256); // a /12
    expect(clusterIPRangeOffset(256)).toBe(16); // a /24
    expect(clusterIPRangeOffset(16)).toBe(0);
    expect(nodePortRangeOffset(2768)).toBe(86); // 30000-32767
  });

  it('allocates from the upper band first, then the lower one, and says when the range is full', () => {
    const a = new OffsetAllocator(20, 16);
    const got = Array.from({ length: 20 }, (_, i) => a.allocate(i * 7)!);
    expect(got.slice(0, 4).every((v) => v >= 16)).toBe(true);
    expect(got.slice(4).every((v) => v < 16)).toBe(true);
    expect(new Set(got).size).toBe(20);
    expect(a.allocate(3)).toBeUndefined();
  });

  it('is deterministic, keeps pinned values, and gives ports of one number one node port', () => {
    const text = lab(`services:
  - {name: a, type: NodePort, ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53}]}
  - {name: b, type: NodePort, clusterIP: 10.96.0.200, ports: [{port: 80, nodePort: 30080}]}
  - {name: c, type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}]}
  - {name: d, clusterIP: None, selector: {app: x}}
`);
    const one = buildFromText(text).cluster;
    const two = buildFromText(text).cluster;
    const summary = (c: typeof one) =>
      c.services.map((s) => [
        s.key,
        s.clusterIP === undefined ? 'None' : ip(s.clusterIP),
        s.ports.map((p) => p.nodePort),
        s.healthCheckNodePort,
        s.loadBalancerIPs.map(ip),
      ]);
    expect(summary(one)).toEqual(summary(two));
    const [a, b, c, d] = one.services;
    expect(a!.ports[0]!.nodePort).toBe(a!.ports[1]!.nodePort);
    expect(a!.ports[0]!.nodePort! >= 30000 + 86 && a!.ports[0]!.nodePort! <= 32767).toBe(true);
    expect([ip(b!.clusterIP!), b!.ports[0]!.nodePort]).toEqual(['10.96.0.200', 30080]);
    expect(c!.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(c!.loadBalancerIPs.map(ip)[0]).toMatch(/^203\.0\.113\./);
    expect(d!.headless).toBe(true);
    expect(d!.clusterIP).toBeUndefined();
    // Dynamic cluster IPs come from above the static band (the first 256 addresses of a /12).
    expect(a!.clusterIP! - one.serviceCIDR.addr).toBeGreaterThan(256);
  });

  it('reports a full service network', () => {
    const text = lab('services:\n' + Array.from({ length: 6 }, (_, i) => `  - {name: s${i}, ports: [{port: 80}]}`).join('\n') + '\n')
      .replace('10.96.0.0/12', '10.96.0.0/29')
      .replace('network:\n', 'network:\n  dns: {coreDNS: false}\n');
    const diagnostics = allocationDiagnostics(text);
    expect(diagnostics.map((d) => [d.code, d.message, d.path])).toEqual([
      ['NL-CLUSTERIP-EXHAUSTED', 'no cluster IP left in 10.96.0.0/29 for service default/s5', ['services', 5]],
    ]);
  });
});

describe('endpoints (EndpointSlice controller, kube-proxy order)', () => {
  const { cluster } = buildFromText(readRepoFile('test/proxy/fixtures/all-features.yaml'), 'all-features.yaml');
  const service = (name: string) => cluster.serviceByKey.get(`shop/${name}`)!;

  it('lists every selected pod with its conditions, sorted by ip:port as strings', () => {
    const web = service('web');
    expect(web.endpoints(web.ports[0]!).map((e) => [e.key, e.ready, e.serving, e.terminating])).toEqual([
      ['10.244.1.2:8080', true, true, false],
      ['10.244.1.3:8080', false, false, false],
      ['10.244.2.2:8080', true, true, false],
      ['10.244.2.3:8080', true, true, false],
      ['10.244.2.4:8080', false, true, true],
    ]);
  });

  it('resolves a named targetPort per pod, by name and protocol', () => {
    const dns = service('mydns');
    expect(dns.ports.map((p) => dns.endpoints(p).map((e) => e.key))).toEqual([['10.244.2.7:5353'], ['10.244.2.7:5353']]);
  });

  it('gives a hostNetwork pod the node address', () => {
    const agent = service('agent');
    expect(agent.endpoints(agent.ports[0]!).map((e) => [e.key, e.nodeName])).toEqual([['10.234.2.12:9100', 'node-02']]);
  });

  it('sorts by string, as kube-proxy does (10.0.0.10 before 10.0.0.9)', () => {
    const pods = Array.from({ length: 11 }, (_, i) => `  - {name: p${i}, node: w1, labels: {app: x}}`).join('\n');
    const { cluster: many } = buildFromText(lab(`pods:\n${pods}\nservices:\n  - {name: x, selector: {app: x}, ports: [{port: 80}]}\n`));
    const x = many.serviceByKey.get('default/x')!;
    const keys = x.endpoints(x.ports[0]!).map((e) => e.key);
    expect(keys.slice(0, 3)).toEqual(['10.244.1.10:80', '10.244.1.11:80', '10.244.1.12:80']);
    expect(keys.at(-1)).toBe('10.244.1.9:80');
  });
});
