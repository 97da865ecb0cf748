/**
 * The packet walk through calico's routed pods, against kernel-facts §3 and
 * §6 (the real kernel: TTLs, traceroute hops, proxy ARP, blackholes) and the
 * calico golden captures.
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { ping, traceroute, tracePacket } from '../../src/dataplane/probes.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { buildFromText, type Built } from '../helpers.js';
import { calicoYaml, THREE_NODES, THREE_PODS, TWO_SUBNETS } from '../cni/calico-helpers.js';

function trace(built: Built, from: string, to: string, options = {}) {
  const dp = built.dataplane;
  return tracePacket(dp, resolveTraceEndpoint(dp, from), resolveTraceEndpoint(dp, to), options, false).request;
}

function steps(built: Built, from: string, to: string, options = {}) {
  return trace(built, from, to, options).hops.flatMap((h) => h.steps);
}

function hops(built: Built, from: string, to: string): string[] {
  const source = resolveTraceEndpoint(built.dataplane, from);
  return traceroute(built.dataplane, source.ns!, resolveTraceEndpoint(built.dataplane, to).ip).hops.map((h) =>
    h.from === undefined ? '*' : formatIPv4(h.from),
  );
}

function pingTtl(built: Built, from: string, to: string): number | undefined {
  const source = resolveTraceEndpoint(built.dataplane, from);
  const probe = ping(built.dataplane, source.ns!, resolveTraceEndpoint(built.dataplane, to).ip, { count: 1, size: 56, pmtudisc: 'want' })
    .probes[0];
  return probe?.kind === 'reply' ? probe.ttl : undefined;
}

describe('calico bgp on one subnet', () => {
  const lab = buildFromText(calicoYaml('{plugin: calico, mode: bgp}'));
  const ipOf = (pod: string) => formatIPv4(lab.cluster.podByKey.get(`default/${pod}`)!.ip);

  it("answers the pod's ARP for 169.254.1.1 by proxy ARP, with ee:ee:ee:ee:ee:ee", () => {
    const neigh = steps(lab, 'pod-a', 'pod-b').find((s) => s.kind === 'neigh');
    expect(neigh).toMatchObject({
      kind: 'neigh',
      dev: 'eth0',
      mac: 'ee:ee:ee:ee:ee:ee',
      answeredBy: 'proxy ARP by cali5e1c4d6c68c in node-01',
    });
    expect(formatIPv4((neigh as { ip: number }).ip)).toBe('169.254.1.1');
  });
  it("routes pod to pod on one node (TTL 63 at the receiver, unlike flannel's bridged 64)", () => {
    const run = trace(lab, 'pod-a', 'pod-b');
    expect(run.disposition).toBe('DELIVERED');
    expect(run.delivered!.ttl).toBe(63);
    expect(pingTtl(lab, 'pod-a', 'pod-b')).toBe(63);
  });
  it('pod to pod across nodes: TTL 62; node to its own pod 64, to a remote pod 63', () => {
    expect(pingTtl(lab, 'pod-a', 'pod-c')).toBe(62);
    expect(pingTtl(lab, 'node-01', 'pod-a')).toBe(64);
    expect(pingTtl(lab, 'node-01', 'pod-c')).toBe(63);
  });
  it("traceroute shows the node's eth0 address as hop 1 (the cali veth has no IPv4)", () => {
    expect(hops(lab, 'pod-a', 'pod-c')).toEqual(['10.234.2.11', '10.234.2.12', ipOf('pod-c')]);
  });
  it("drops silently at the blackhole for an unused address of the node's own block", () => {
    const block = lab.cluster.nodeByName.get('node-02')!.calico!.blocks[0]!;
    const run = trace(lab, 'pod-a', formatIPv4(block.addr + 40));
    expect(run.disposition).toBe('ROUTE_BLACKHOLE');
    expect(run.hops.at(-1)!.name).toBe('node-02');
  });
});

describe('calico without a default route on the node: nobody answers for 169.254.1.1', () => {
  it("fails the pod's ARP (proxy ARP needs a route out of another device)", () => {
    const lab = buildFromText(calicoYaml('{plugin: calico, mode: bgp}', { subnets: '  - {name: rack-1, cidr: 10.234.2.0/24, mtu: 1500}' }));
    const run = trace(lab, 'pod-a', 'pod-c');
    expect(run.disposition).toBe('NEIGHBOR_UNREACHABLE');
    expect(run.summary).toMatch(/169\.254\.1\.1/);
  });
});

describe('calico across two subnets', () => {
  const yaml = (cni: string) => calicoYaml(cni, { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS });

  it('bgp without router peering: the router, which knows only node subnets, drops pod traffic', () => {
    const run = trace(buildFromText(yaml('{plugin: calico, mode: bgp}')), 'pod-a', 'pod-c');
    expect(run.disposition).toBe('NO_ROUTE');
    expect(run.hops.at(-1)!.where).toBe('router');
  });
  it('bgp with router peering: the router forwards to the node that announced the block', () => {
    const lab = buildFromText(yaml('{plugin: calico, mode: bgp, routerPeering: true}'));
    const run = trace(lab, 'pod-a', 'pod-c');
    expect(run.disposition).toBe('DELIVERED');
    expect(run.delivered!.ttl).toBe(61);
    expect(hops(lab, 'pod-a', 'pod-c')).toEqual([
      '10.234.2.11',
      '10.234.2.254',
      '10.234.3.13',
      formatIPv4(lab.cluster.podByKey.get('default/pod-c')!.ip),
    ]);
  });
  it('ipip: outer IPv4 protocol 4, 20 bytes more, to the remote node; decapsulated by its tunl0', () => {
    const lab = buildFromText(yaml('{plugin: calico, mode: ipip, crossSubnet: true}'));
    const run = trace(lab, 'pod-a', 'pod-c');
    expect(run.disposition).toBe('DELIVERED');
    expect(run.delivered!.ttl).toBe(62);
    const all = run.hops.flatMap((h) => h.steps);
    const encap = all.find((s) => s.kind === 'encap');
    expect(encap).toMatchObject({ tunnel: 'ipip', dev: 'tunl0', outer: { protocol: 'ipip', length: 104 } });
    if (encap?.kind === 'encap') {
      expect(formatIPv4(encap.outer.dst)).toBe('10.234.3.13');
    }
    expect(all.some((s) => s.kind === 'decap' && s.tunnel === 'ipip' && s.dev === 'tunl0')).toBe(true);
    // Inside the subnet, CrossSubnet does not encapsulate.
    expect(steps(lab, 'pod-a', 'pod-b').some((s) => s.kind === 'encap')).toBe(false);
  });
  it('ipip: a DF packet too big for tunl0 (1480) is refused with the tunnel MTU', () => {
    const lab = buildFromText(yaml('{plugin: calico, mode: ipip}'));
    const run = trace(lab, 'node-01', 'pod-c', { size: 1460 });
    expect(run.disposition).toBe('MTU_EXCEEDED');
    expect(run.notice).toMatchObject({ mtu: 1480 });
  });
  it('vxlan: UDP 4789, VNI 4096, 50 bytes more', () => {
    const lab = buildFromText(yaml('{plugin: calico, mode: vxlan}'));
    const run = trace(lab, 'pod-a', 'pod-c');
    expect(run.disposition).toBe('DELIVERED');
    expect(run.delivered!.ttl).toBe(62);
    const encap = run.hops.flatMap((h) => h.steps).find((s) => s.kind === 'encap');
    expect(encap).toMatchObject({ tunnel: 'vxlan', dev: 'vxlan.calico', vni: 4096, outer: { protocol: 'udp', dport: 4789, length: 134 } });
  });
});
