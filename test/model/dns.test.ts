import { describe, expect, it } from 'vitest';
import { formatIPv4, parseIPv4 } from '../../src/net/ipv4.js';
import { lookupA, podResolvConf, renderResolvConf, resolveName, reverseLookup, searchCandidates } from '../../src/model/dns.js';
import { coreDnsQuery } from '../../src/model/coredns-reply.js';
import { buildFromText, buildLab, readRepoFile } from '../helpers.js';

describe('resolv.conf', () => {
  const { cluster, dataplane } = buildLab('labs/default.yaml');

  it("is the kubelet's: the namespace's search path, kube-dns, ndots:5", () => {
    const podA = cluster.podByKey.get('default/pod-a')!;
    expect(dataplane.podNetns(podA).files.get('/etc/resolv.conf')).toBe(
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
    expect(renderResolvConf(podResolvConf(cluster, 'shop'))).toMatch(/^search shop\.svc\.cluster\.local /);
  });

  it('is not written for CoreDNS itself (dnsPolicy: Default) nor hostNetwork pods', () => {
    const coredns = cluster.pods.find((p) => p.namespace === 'kube-system')!;
    expect(dataplane.podNetns(coredns).files.has('/etc/resolv.conf')).toBe(false);
  });

  it('walks the search path first for names with fewer than 5 dots', () => {
    const conf = podResolvConf(cluster, 'default');
    expect(searchCandidates('web', conf)).toEqual(['web.default.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    expect(searchCandidates('a.b.c.d.e.f', conf)[0]).toBe('a.b.c.d.e.f');
    expect(searchCandidates('web.default.svc.cluster.local.', conf)).toEqual(['web.default.svc.cluster.local']);
  });
});

describe('names CoreDNS answers', () => {
  const { cluster } = buildFromText(readRepoFile('test/proxy/fixtures/all-features.yaml'), 'all-features.yaml');
  const conf = podResolvConf(cluster, 'shop');
  const a = (name: string): string[] => {
    const r = resolveName(cluster, name, conf).answer;
    return r.kind === 'A' ? r.addresses.map(formatIPv4) : [r.kind];
  };

  it('gives a service its cluster IP, by short name, name.namespace or the full name', () => {
    const ip = formatIPv4(cluster.serviceByKey.get('shop/web')!.clusterIP!);
    expect(a('web')).toEqual([ip]);
    expect(a('web.shop')).toEqual([ip]);
    expect(a('web.shop.svc.cluster.local')).toEqual([ip]);
    expect(a('kubernetes.default')).toEqual(['10.96.0.1']);
    expect(a('kube-dns.kube-system.svc.cluster.local')).toEqual(['10.96.0.10']);
  });

  it("gives a headless service its ready pods' addresses, and each of them a name", () => {
    expect(a('web-headless')).toEqual(['10.244.1.2', '10.244.2.2', '10.244.2.3']);
    expect(a('10-244-2-2.web-headless.shop.svc.cluster.local')).toEqual(['10.244.2.2']);
    expect(lookupA(cluster, '10-244-1-3.web-headless.shop.svc.cluster.local').kind).toBe('NXDOMAIN'); // not ready
  });

  it('answers pod names (pods insecure), says NXDOMAIN inside the domain and forwards the rest', () => {
    expect(a('10-244-1-2.shop.pod.cluster.local')).toEqual(['10.244.1.2']);
    expect(a('nothing.shop.svc.cluster.local')).toEqual(['NXDOMAIN']);
    const external = resolveName(cluster, 'example.com', conf);
    expect(external.tried.map((t) => `${t.name} ${t.kind}`)).toEqual([
      'example.com.shop.svc.cluster.local NXDOMAIN',
      'example.com.svc.cluster.local NXDOMAIN',
      'example.com.cluster.local NXDOMAIN',
      'example.com FORWARDED',
    ]);
  });

  it('has PTR records for cluster IPs, and one per service an endpoint belongs to', () => {
    expect(reverseLookup(cluster, cluster.clusterDNS)).toEqual(['kube-dns.kube-system.svc.cluster.local']);
    expect(reverseLookup(cluster, parseIPv4('10.244.2.2')!)).toEqual([
      '10-244-2-2.web.shop.svc.cluster.local',
      '10-244-2-2.web-headless.shop.svc.cluster.local',
    ]);
    expect(reverseLookup(cluster, parseIPv4('10.1.2.3')!)).toEqual([]);
  });

  it("parses names as CoreDNS's kubernetes plugin does (parseRequest)", () => {
    const kind = (name: string) => lookupA(cluster, name).kind;
    // The apex, svc, pod and a bare namespace exist without records; an unknown namespace does not.
    expect(
      ['cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'shop.svc.cluster.local', 'shop.pod.cluster.local'].map(kind),
    ).toEqual(['NODATA', 'NODATA', 'NODATA', 'NODATA', 'NODATA']);
    expect(
      ['nowhere.svc.cluster.local', 'web.nowhere.svc.cluster.local', 'x.cluster.local', 'a.b.c.web.shop.svc.cluster.local'].map(kind),
    ).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN']);
    // Endpoint names exist for any service's ready endpoints, not only headless ones.
    expect(lookupA(cluster, '10-244-2-2.web.shop.svc.cluster.local')).toMatchObject({ kind: 'A', addresses: [parseIPv4('10.244.2.2')] });
    // _port._protocol: the service if it has that port.
    const web = formatIPv4(cluster.serviceByKey.get('shop/web')!.clusterIP!);
    expect(a('_http._tcp.web.shop.svc.cluster.local')).toEqual([web]);
    expect(a('_http._udp.web.shop.svc.cluster.local')).toEqual(['NXDOMAIN']);
    // podname is the label left of the namespace, whatever comes before it.
    expect(a('x.10-244-1-2.shop.pod.cluster.local')).toEqual(['10.244.1.2']);
    expect(a('10-244-1-299.shop.pod.cluster.local')).toEqual(['NXDOMAIN']);
  });

  it('answers as a server: AAAA of an existing name is NOERROR without records, the outside world SERVFAIL', () => {
    const serial = 1795333670;
    expect(coreDnsQuery(cluster, 'WEB.shop.svc.cluster.local', 'A', serial).answers[0]).toMatchObject({
      type: 'A',
      name: 'WEB.shop.svc.cluster.local',
      ttl: 30,
    });
    expect(coreDnsQuery(cluster, 'web.shop.svc.cluster.local', 'AAAA', serial)).toMatchObject({
      rcode: 'NOERROR',
      authoritative: true,
      answers: [],
      authority: [{ type: 'SOA', name: 'cluster.local', serial }],
    });
    expect(coreDnsQuery(cluster, 'nothing.shop.svc.cluster.local', 'AAAA', serial).rcode).toBe('NXDOMAIN');
    expect(coreDnsQuery(cluster, 'example.com', 'A', serial)).toMatchObject({ rcode: 'SERVFAIL', authoritative: false, authority: [] });
    expect(coreDnsQuery(cluster, '10.0.96.10.in-addr.arpa', 'PTR', serial).answers).toEqual([
      { type: 'PTR', name: '10.0.96.10.in-addr.arpa', ttl: 30, target: 'kube-dns.kube-system.svc.cluster.local.' },
    ]);
    expect(coreDnsQuery(cluster, '3.2.1.10.in-addr.arpa', 'PTR', serial).rcode).toBe('SERVFAIL');
  });
});
