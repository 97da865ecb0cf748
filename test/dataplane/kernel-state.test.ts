/**
 * What the kernels remember between packets of a session (KernelState):
 * a later packet of a connection gets the NAT binding its first packet got
 * (nf_nat_packet), without the nat chains; xt_recent remembers a client for
 * kube-proxy's ClientIP affinity in iptables mode.
 */
import { describe, expect, it } from 'vitest';
import { sendTraffic } from '../../src/cli/traffic.js';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { newSession, tracePacket } from '../../src/dataplane/probes.js';
import type { Step, Trace } from '../../src/flow/trace.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { buildFromText, readRepoFile } from '../helpers.js';

const defaultLab = readRepoFile('labs/default.yaml');
const lab = (mode: string, edit: (t: string) => string = (t) => t) =>
  buildFromText(edit(defaultLab.replace('kubeProxy: {mode: iptables}', `kubeProxy: {mode: ${mode}}`)));
const steps = (t: Trace): Step[] => t.hops.flatMap((h) => h.steps);
const natSteps = (t: Trace) => steps(t).filter((s) => s.kind === 'netfilter' && s.table === 'nat');

describe('a later packet of a connection to a ClusterIP', () => {
  for (const mode of ['iptables', 'nftables']) {
    it(`${mode}: reaches the endpoint its first packet reached, translated by conntrack, not by the nat rules`, () => {
      const built = lab(mode);
      const dp = built.dataplane;
      const session = newSession(dp);
      const from = resolveTraceEndpoint(dp, 'pod-c');
      const to = resolveTraceEndpoint(dp, 'svc/web', from);
      const first = tracePacket(dp, from, to, { sport: 40001 }, true, session);
      const second = tracePacket(dp, from, to, { sport: 40001 }, true, session);
      expect(first.request.disposition).toBe('DELIVERED');
      expect(second.request.disposition).toBe('DELIVERED');
      expect(formatIPv4(second.request.delivered!.dst)).toBe(formatIPv4(first.request.delivered!.dst));
      expect(natSteps(first.request).length).toBeGreaterThan(0);
      expect(natSteps(second.request)).toEqual([]);
      // The answer still comes from the service's address.
      expect(formatIPv4(second.reply!.delivered!.src)).toBe(formatIPv4(to.ip));
    });
  }

  it('iptables: a NodePort connection keeps its masquerade (the backend sees the same source and port on every packet)', () => {
    const built = lab('iptables');
    const dp = built.dataplane;
    const session = newSession(dp);
    const from = resolveTraceEndpoint(dp, 'external');
    const to = resolveTraceEndpoint(dp, 'node-02:30080', from);
    const first = tracePacket(dp, from, to, { sport: 40001 }, false, session).request;
    const second = tracePacket(dp, from, to, { sport: 40001 }, false, session).request;
    expect(second.disposition).toBe('DELIVERED');
    expect(second.delivered).toEqual(first.delivered);
  });

  it('iptables: a later packet of a NodePort connection that was DNATed and masqueraded meets no nat chain at any hook', () => {
    // The skb keeps its conntrack entry through FORWARD and POSTROUTING after its DNAT: ESTABLISHED there,
    // so the NAT core does not consult the nat chains again and the stored masquerade is applied.
    const built = lab('iptables');
    const dp = built.dataplane;
    const session = newSession(dp);
    const from = resolveTraceEndpoint(dp, 'external');
    const to = resolveTraceEndpoint(dp, 'master:30080', from);
    const first = tracePacket(dp, from, to, { sport: 40001 }, false, session).request;
    const second = tracePacket(dp, from, to, { sport: 40001 }, false, session).request;
    expect(natSteps(first).some((s) => s.kind === 'netfilter' && s.hook === 'POSTROUTING' && s.verdict === 'MASQUERADE')).toBe(true);
    expect(second.disposition).toBe('DELIVERED');
    expect(natSteps(second)).toEqual([]);
    expect(second.delivered).toEqual(first.delivered);
  });

  it('--traffic with a count: every packet of the flow is delivered', () => {
    const built = lab('iptables');
    // The default seed sends this flow to pod-b (on node-02): its eth0 receives every packet and every reply... once each.
    const endpoint = built.dataplane.podNetns(built.cluster.pods.find((p) => p.name === 'pod-b')!);
    const eth0 = endpoint.links.find((l) => l.name === 'eth0')!;
    const before = eth0.counters.rxPackets;
    const state = sendTraffic(built.dataplane, [{ from: 'pod-c', to: 'svc/web', count: 3 }]);
    expect(state.devices.of(endpoint, eth0).rxPackets - before).toBe(3);
    const node = built.dataplane.nodeNetns(built.cluster.pods.find((p) => p.name === 'pod-c')!.node);
    // One connection (the vxlan datagrams carrying it are tracked too, as the kernel tracks them).
    const entries = state.conntrack.entries(node.id).filter((e) => e.original.protocol === 'tcp');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.replied).toBe(true);
  });
});

describe('ClientIP affinity in iptables mode (-m recent)', () => {
  const affine = (t: string) => t.replace('    type: NodePort\n', '    type: NodePort\n    sessionAffinity: ClientIP\n');

  it("a client's second connection goes back to the endpoint of its first, whatever the statistic match would pick", () => {
    const built = lab('iptables', affine);
    const dp = built.dataplane;
    // The first draw takes the first endpoint's rule; every later draw would pass it by.
    let draws = 0;
    const session = newSession(dp, () => ++draws === 1);
    const from = resolveTraceEndpoint(dp, 'pod-c');
    const to = resolveTraceEndpoint(dp, 'svc/web', from);
    const first = tracePacket(dp, from, to, { sport: 40001 }, false, session).request;
    const second = tracePacket(dp, from, to, { sport: 40002 }, false, session).request;
    expect(formatIPv4(second.delivered!.dst)).toBe(formatIPv4(first.delivered!.dst));
    expect(draws).toBe(1);
    const sticky = steps(second).find((s) => s.kind === 'netfilter' && s.table === 'nat' && s.verdict === 'DNAT');
    expect(sticky).toBeDefined();
  });

  it('a new session has empty lists: the statistic match decides again', () => {
    const built = lab('iptables', affine);
    const dp = built.dataplane;
    const from = resolveTraceEndpoint(dp, 'pod-c');
    const to = resolveTraceEndpoint(dp, 'svc/web', from);
    const a = tracePacket(
      dp,
      from,
      to,
      { sport: 40001 },
      false,
      newSession(dp, () => true),
    ).request;
    const b = tracePacket(
      dp,
      from,
      to,
      { sport: 40002 },
      false,
      newSession(dp, () => false),
    ).request;
    expect(formatIPv4(a.delivered!.dst)).not.toBe(formatIPv4(b.delivered!.dst));
  });
});
