/**
 * The walk through kube-proxy's nftables mode (the `ip kube-proxy` table)
 * on the default lab. That the same packets meet the same fate as in the
 * other modes (the endpoint reached, the source it sees, the masquerade,
 * both traffic policies, hairpin) is the kube-proxy conformance suite's
 * (test/proxy/conformance.test.ts); here: how nftables gets there, through
 * one `vmap @service-ips` lookup, numgen's pick and an endpoint chain, with
 * the masquerade decided by mark in nat-postrouting (and, at equal
 * priority, by flannel's iptables POSTROUTING first).
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { newSession, traceEveryEndpoint, tracePacket } from '../../src/dataplane/probes.js';
import type { Step, Trace } from '../../src/flow/trace.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { stepText } from '../../src/views/trace-text.js';
import { buildFromText, readRepoFile, type Built } from '../helpers.js';
import { sendTraffic } from '../../src/cli/traffic.js';

const DEFAULT = readRepoFile('labs/default.yaml').replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: nftables}');

function lab(edit: (text: string) => string = (t) => t): Built {
  const text = edit(DEFAULT);
  expect(text).toContain('mode: nftables');
  return buildFromText(text);
}

function branches(built: Built, from: string, to: string) {
  const dp = built.dataplane;
  const source = resolveTraceEndpoint(dp, from);
  return traceEveryEndpoint(dp, source, resolveTraceEndpoint(dp, to, source), {}, true);
}

const byEndpoint = (list: ReturnType<typeof branches>) => new Map(list.map((b) => [formatIPv4(b.endpoint), b]));
const steps = (trace: Trace): Step[] => trace.hops.flatMap((h) => h.steps);
const netfilter = (trace: Trace) => steps(trace).flatMap((s) => (s.kind === 'netfilter' ? [s] : []));

describe('pod to a ClusterIP (default lab, flannel vxlan, kube-proxy nftables)', () => {
  const built = lab();
  const web = byEndpoint(branches(built, 'pod-c', 'svc/web'));

  it('is DNATed in prerouting by ip kube-proxy: one map lookup, numgen, the endpoint chain', () => {
    const dnat = netfilter(web.get('10.244.2.2')!.run.request).find((s) => s.verdict === 'DNAT')!;
    expect(dnat).toMatchObject({ hook: 'PREROUTING', table: 'ip kube-proxy', nft: { baseChain: 'nat-prerouting', priority: -100 } });
    expect(dnat.chain).toMatch(/^endpoint-[A-Z0-9]{8}-default\/web\/tcp\/http__10\.244\.2\.2\/80$/);
    expect(dnat.nft!.path.map((p) => p.via ?? p.action)).toEqual(['jump services', 'vmap @service-ips', 'numgen 1']);
    // nat-prerouting's jump, the vmap, the masquerade test on the service chain, numgen, the endpoint's hairpin test, the dnat.
    expect(dnat.rulesEvaluated).toBe(6);
  });

  it('the trace text shows the lookup: one vmap rule, not a walk through every service', () => {
    const hop = web.get('10.244.2.2')!.run.request.hops.find((h) => h.steps.some((s) => s.kind === 'netfilter' && s.verdict === 'DNAT'))!;
    const step = hop.steps.find((s) => s.kind === 'netfilter' && s.verdict === 'DNAT')!;
    const session = newSession(built.dataplane);
    const text = stepText(step, hop, { netns: (id) => session.netnsById(id) })!.split('\n');
    expect(text[0]).toBe('nftables prerouting ip kube-proxy nat-prerouting (priority dstnat): DNAT (6 rules evaluated)');
    expect(text).toContain('  services: ip daddr . meta l4proto . th dport vmap @service-ips → goto ' + dnatServiceChain(step));
    expect(text[text.length - 1]).toMatch(/^ {2}endpoint-.*: meta l4proto tcp dnat to 10\.244\.2\.2:80 → DNAT$/);
  });
});

/** The service chain the map sent the packet to. */
function dnatServiceChain(step: Step): string {
  if (step.kind !== 'netfilter') throw new Error('not a netfilter step');
  return step.nft!.path[1]!.action.slice('goto '.length);
}

describe('what kube-proxy refuses', () => {
  it('a service without endpoints: rejected in filter-forward through no-endpoint-services (ICMP port unreachable)', () => {
    const built = lab((t) =>
      t.replace(
        'networkPolicies: []',
        `  - name: nopods
    namespace: default
    selector: {app: nothing}
    ports: [{name: http, port: 80}]
networkPolicies: []`,
      ),
    );
    const [only] = branches(built, 'pod-c', 'svc/nopods');
    const run = only!.run.request;
    expect(run.disposition).toBe('DROPPED_BY_FILTER');
    expect(run.summary).toBe('rejected by nftables in node-02 (ip kube-proxy reject-chain rule 1)');
    expect(run.notice).toMatchObject({ kind: 'icmp', type: 3, code: 3 });
    const reject = netfilter(run).at(-1)!;
    expect(reject).toMatchObject({ hook: 'FORWARD', nft: { baseChain: 'filter-forward' } });
    expect(reject.nft!.path.map((p) => p.via ?? p.action)).toEqual(['jump service-endpoints-check', 'vmap @no-endpoint-services']);
  });

  it('a ping to the cluster IP is rejected by cluster-ips-check (iptables mode lets it follow the default route)', () => {
    const built = lab();
    const dp = built.dataplane;
    const from = resolveTraceEndpoint(dp, 'pod-c');
    const run = tracePacket(
      dp,
      from,
      resolveTraceEndpoint(dp, formatIPv4(built.cluster.serviceByKey.get('default/web')!.clusterIP!), from),
      {},
      false,
    ).request;
    expect(run.disposition).toBe('DROPPED_BY_FILTER');
    expect(run.summary).toBe('rejected by nftables in node-02 (ip kube-proxy cluster-ips-check rule 1)');
  });
});

describe('NodePort from outside the cluster', () => {
  it('the NodePort is found by the service-nodeports map, after the node address matched @nodeport-ips', () => {
    const [first] = branches(lab(), 'external', 'node-02:30080');
    const dnat = netfilter(first!.run.request).find((s) => s.verdict === 'DNAT')!;
    expect(dnat.nft!.path.map((p) => p.via ?? p.action)).toContain('vmap @service-nodeports');
  });
});

describe('session affinity (ClientIP): update @affinity-... and the lookup before numgen', () => {
  const affine = (t: string) => t.replace('    type: NodePort\n', '    type: NodePort\n    sessionAffinity: ClientIP\n');

  it("a client's second connection in the session goes back to the endpoint of its first, whatever numgen would pick", () => {
    const built = lab(affine);
    const dp = built.dataplane;
    // The first random draw takes numgen's value 0, every later one would take the other endpoint.
    let draws = 0;
    const session = newSession(dp, () => ++draws === 1);
    const from = resolveTraceEndpoint(dp, 'pod-c');
    const to = resolveTraceEndpoint(dp, 'svc/web', from);
    const first = tracePacket(dp, from, to, { sport: 40001 }, false, session).request;
    const second = tracePacket(dp, from, to, { sport: 40002 }, false, session).request;
    expect(formatIPv4(first.delivered!.dst)).toBe('10.244.1.2');
    expect(formatIPv4(second.delivered!.dst)).toBe('10.244.1.2');
    expect(draws).toBe(1);
    const dnat = netfilter(second).find((s) => s.verdict === 'DNAT')!;
    expect(dnat.nft!.path[2]!.via).toBeUndefined();
    expect(dnat.nft!.path[2]!.action).toMatch(/^goto endpoint-.*__10\.244\.1\.2\/80$/);
  });

  it("--traffic flows share the sets: the client is in one endpoint's affinity set, on its own node", () => {
    const built = lab(affine);
    const dp = built.dataplane;
    const state = sendTraffic(dp, [
      { from: 'pod-c', to: 'svc/web', count: 1 },
      { from: 'pod-c', to: 'svc/web', count: 1 },
    ]);
    const node02 = dp.nodeNetns(built.cluster.nodeByName.get('node-02')!);
    const table = node02.nftables!.tables[0]!;
    const affinitySets = table.sets.filter((set) => set.name.startsWith('affinity-'));
    expect(affinitySets.length).toBeGreaterThanOrEqual(2);
    const holding = affinitySets.filter((set) => state.nftSets.elements(node02.id, table, set.name).length > 0);
    expect(holding.map((set) => state.nftSets.elements(node02.id, table, set.name))).toEqual([
      [{ key: [built.cluster.podByKey.get('default/pod-c')!.ip], timeout: 10800 }],
    ]);
  });

  it('a new session starts with empty affinity sets', () => {
    const built = lab(affine);
    const dp = built.dataplane;
    const from = resolveTraceEndpoint(dp, 'pod-c');
    const to = resolveTraceEndpoint(dp, 'svc/web', from);
    tracePacket(
      dp,
      from,
      to,
      { sport: 40001 },
      false,
      newSession(dp, () => true),
    );
    expect(
      formatIPv4(
        tracePacket(
          dp,
          from,
          to,
          { sport: 40002 },
          false,
          newSession(dp, () => false),
        ).request.delivered!.dst,
      ),
    ).toBe('10.244.2.2');
  });
});

describe('--all-endpoints', () => {
  it('three endpoints: a third each (numgen random mod 3), every branch delivered', () => {
    const built = lab((t) =>
      t.replace(
        'services:',
        `  - name: pod-d
    namespace: default
    node: node-03
    labels: {app: web}
    containers:
      - {name: nginx, image: nginx:1.27, ports: [{name: http, containerPort: 80}]}
services:`,
      ),
    );
    const list = branches(built, 'pod-c', 'svc/web');
    expect(list.map((b) => formatIPv4(b.endpoint))).toHaveLength(3);
    for (const branch of list) {
      expect(branch.probability).toBeCloseTo(1 / 3, 12);
      expect(branch.run.request.disposition).toBe('DELIVERED');
    }
    expect(new Set(list.map((b) => formatIPv4(b.endpoint))).size).toBe(3);
  });
});
