/**
 * The walk through kube-proxy's iptables rules, checked against what was
 * measured on a real netns cluster (issue 4). What every mode shares (the
 * DNAT to a local or remote endpoint, the br_netfilter shortcut, who gets
 * masqueraded, what NodePort backends see as the source under either
 * traffic policy) is in the kube-proxy conformance suite
 * (test/proxy/conformance.test.ts); here: what only this lab or this mode
 * shows.
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { traceEveryEndpoint, tracePacket, traceroute } from '../../src/dataplane/probes.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { buildFromText, buildLab, readRepoFile, type Built } from '../helpers.js';

function branches(built: Built, from: string, to: string) {
  const dp = built.dataplane;
  const source = resolveTraceEndpoint(dp, from);
  return traceEveryEndpoint(dp, source, resolveTraceEndpoint(dp, to, source), {}, true);
}

const byEndpoint = (list: ReturnType<typeof branches>) => new Map(list.map((b) => [formatIPv4(b.endpoint), b]));

describe('pod to a ClusterIP (default lab, flannel vxlan, kube-proxy iptables)', () => {
  const lab = buildLab('labs/default.yaml');

  it('a UDP traceroute to the ClusterIP is not DNATed when only TCP is served: it follows the default route', () => {
    const dp = lab.dataplane;
    const service = lab.cluster.serviceByKey.get('default/web')!;
    const run = traceroute(dp, resolveTraceEndpoint(dp, 'pod-c').ns!, service.clusterIP!);
    expect(run.hops.some((h) => h.reached)).toBe(false);
    // The underlay router has no route to the service range; its net unreachable reaches the pod
    // because conntrack on node-02 translates the RELATED ICMP error back through flannel's masquerade.
    expect(run.hops.map((h) => [h.from === undefined ? '*' : formatIPv4(h.from), h.annotation])).toEqual([
      ['10.244.1.1', undefined],
      ['10.234.2.254', '!N'],
    ]);
  });

  it("resolves a service name through the pod's search path", () => {
    const dp = lab.dataplane;
    const from = resolveTraceEndpoint(dp, 'pod-c');
    const to = resolveTraceEndpoint(dp, 'web', from);
    expect(to.ip).toBe(lab.cluster.serviceByKey.get('default/web')!.clusterIP);
    expect(to).toMatchObject({ port: 80, protocol: 'tcp' });
    expect(to.resolvedBy).toContain('web.default.svc.cluster.local');
  });

  it('reaches CoreDNS through kube-dns over UDP 53', () => {
    const dp = lab.dataplane;
    const from = resolveTraceEndpoint(dp, 'pod-a');
    const run = tracePacket(dp, from, resolveTraceEndpoint(dp, 'svc/kube-system/kube-dns', from), {}, false);
    expect(run.request.flow.protocol).toBe('udp');
    expect(run.request.disposition).toBe('DELIVERED');
    expect(run.request.summary).toContain('coredns');
  });
});

describe('NodePort from outside the cluster', () => {
  it('host-gw: a remote endpoint sees the node IP', () => {
    const text = readRepoFile('labs/default.yaml').replace('backend: vxlan', 'backend: host-gw');
    const nodePort = byEndpoint(branches(buildFromText(text), 'external', 'node-02:30080'));
    expect(formatIPv4(nodePort.get('10.244.1.2')!.run.request.delivered!.src)).toBe('10.244.1.1');
    expect(formatIPv4(nodePort.get('10.244.2.2')!.run.request.delivered!.src)).toBe('10.234.2.12');
  });
});

describe('a node reaching its own NodePort', () => {
  it('is DNATed in OUTPUT and re-routed to the endpoint (ip_route_me_harder), not delivered locally', () => {
    const lab = buildLab('labs/default.yaml');
    const list = branches(lab, 'node-02', '10.234.2.12:30080');
    expect(list.map((b) => b.run.request.disposition)).toEqual(['DELIVERED', 'DELIVERED']);
    expect(list.map((b) => formatIPv4(b.run.request.delivered!.dst))).toEqual(['10.244.1.2', '10.244.2.2']);
  });
});

describe('a node connecting to a ClusterIP', () => {
  it('gets the answer back: de-NATed in its own namespace, the reply reaches the connecting socket (not a RST)', () => {
    // DNAT in OUTPUT and masquerade in POSTROUTING happen in the node's own netns, so the SYN-ACK is
    // translated back there before INPUT; the real kernel connects (test/conformance services labs).
    const lab = buildLab('labs/default.yaml');
    for (const branch of branches(lab, 'master', 'svc/web')) {
      expect(branch.run.request.disposition).toBe('DELIVERED');
      expect(branch.run.reply?.disposition).toBe('DELIVERED');
      expect(branch.run.reply!.summary).toContain('reply to the connected socket (master');
    }
  });

  it('whose endpoint is itself: hairpin-masqueraded out lo, to the first global address of another device (inet_select_addr), port translated', () => {
    const lab = buildLab('labs/default.yaml');
    const [branch] = branches(lab, 'master', 'svc/kubernetes');
    const seen = branch!.run.request.delivered!;
    expect(formatIPv4(seen.src)).toBe('10.234.2.11');
    expect(seen.sport).not.toBe(branch!.run.request.flow.sport);
  });
});

describe("a reply's addresses are translated back in two steps, as the kernel does", () => {
  it('the destination before routing, the source after FORWARD: a node port reply crosses a Docker node (FORWARD policy DROP) as pod traffic', () => {
    // kube-proxy's nftables mode accepts no established traffic in iptables' FORWARD; flannel's
    // `FLANNEL-FWD -s 10.244.0.0/16 -j ACCEPT` does, because the reply still has the endpoint's source there.
    const text = readRepoFile('test/conformance/services.yaml').replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: nftables}');
    const list = branches(buildFromText(text), 'external', 'node-3:30080');
    expect(list).toHaveLength(2);
    for (const branch of list) {
      expect(branch.run.reply?.disposition).toBe('DELIVERED');
      const node3 = branch.run.reply!.hops.find((h) => h.name === 'node-3')!;
      expect(node3.steps).toContainEqual(
        expect.objectContaining({ kind: 'netfilter', hook: 'FORWARD', table: 'filter', chain: 'FLANNEL-FWD', verdict: 'ACCEPT' }),
      );
      // The client sees the node port answer.
      expect(formatIPv4(branch.run.reply!.delivered!.src)).toBe('10.40.0.13');
      expect(branch.run.reply!.delivered!.sport).toBe(30080);
    }
  });
});
