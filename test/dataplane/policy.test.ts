/**
 * NetworkPolicy in the walk: enforced by Felix's chains under calico and
 * canal (the trace names the policy and rule), visibly ignored under
 * flannel alone. And the policy model against Kubernetes' semantics.
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { tracePacket } from '../../src/dataplane/probes.js';
import type { Step } from '../../src/flow/trace.js';
import { evaluateDirection, policyContext } from '../../src/model/policy.js';
import { buildFromText, type Built } from '../helpers.js';
import { DB_FROM_WEB, SHOP } from './policy-fixtures.js';

function run(built: Built, from: string, to: string) {
  const dp = built.dataplane;
  return tracePacket(dp, resolveTraceEndpoint(dp, from), resolveTraceEndpoint(dp, to), {}, false).request;
}

type PolicyStep = Extract<Step, { kind: 'policy' }>;
function policySteps(built: Built, from: string, to: string): PolicyStep[] {
  return run(built, from, to)
    .hops.flatMap((h) => h.steps)
    .filter((s): s is PolicyStep => s.kind === 'policy');
}

describe("calico enforces NetworkPolicy in Felix's chains; the trace names policy and rule", () => {
  for (const mode of ['bgp', 'ipip', 'vxlan']) {
    describe(mode, () => {
      const built = buildFromText(SHOP(`{plugin: calico, mode: ${mode}}`, DB_FROM_WEB));
      it('allows what a rule allows (the named port pg is 5432)', () => {
        const trace = run(built, 'shop/web', 'shop/db:5432');
        expect(trace.disposition).toBe('DELIVERED');
        expect(policySteps(built, 'shop/web', 'shop/db:5432')).toEqual([
          expect.objectContaining({
            direction: 'ingress',
            pod: 'shop/db',
            verdict: 'allowed',
            policy: 'shop/db-from-web',
            rule: 1,
            enforcedBy: 'calico',
          }),
        ]);
      });
      it("drops the rest at the pod's cali-tw chain, and says which policy isolated it", () => {
        for (const [from, to] of [
          ['shop/web', 'shop/db:80'],
          ['default/client', 'shop/db:5432'],
          ['shop/cache', 'shop/db'],
        ]) {
          const trace = run(built, from!, to!);
          expect(trace.disposition, `${from} -> ${to}`).toBe('DROPPED_BY_FILTER');
          expect(trace.summary).toMatch(
            /filter cali-tw-cali[0-9a-f]{11} rule \d+\); NetworkPolicy: shop\/db is isolated for ingress by shop\/db-from-web/,
          );
          expect(trace.hops.at(-1)!.name).toBe('node-02');
        }
      });
      it('leaves pods no policy selects alone', () => {
        expect(run(built, 'default/client', 'shop/web:80').disposition).toBe('DELIVERED');
        expect(policySteps(built, 'default/client', 'shop/web:80')).toEqual([]);
      });
      it('does not police the node talking to its own pods (Felix returns -o cali+ in cali-OUTPUT)', () => {
        expect(run(built, 'node-02', 'shop/db:80').disposition).not.toBe('DROPPED_BY_FILTER');
      });
    });
  }
});

describe('canal: flannel with calico for policy', () => {
  const built = buildFromText(SHOP('{plugin: flannel, backend: vxlan, networkPolicy: calico}', DB_FROM_WEB));
  it("sets pods up the calico way on flannel's lease (no cni0) and enforces the policy", () => {
    const node = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
    expect(node.links.map((l) => l.name)).not.toContain('cni0');
    expect(node.links.some((l) => l.name.startsWith('cali'))).toBe(true);
    expect(run(built, 'shop/web', 'shop/db:5432').disposition).toBe('DELIVERED');
    expect(run(built, 'default/client', 'shop/db:5432').disposition).toBe('DROPPED_BY_FILTER');
  });
});

describe('flannel alone: policies exist, nothing enforces them', () => {
  const built = buildFromText(SHOP('{plugin: flannel, backend: vxlan}', DB_FROM_WEB));
  it('warns at validate (NL-POLICY-NOT-ENFORCED)', () => {
    expect(built.diagnostics.map((d) => d.code)).toContain('NL-POLICY-NOT-ENFORCED');
  });
  it('delivers what calico would deny, and the trace says so where calico would have decided', () => {
    const trace = run(built, 'default/client', 'shop/db:5432');
    expect(trace.disposition).toBe('DELIVERED');
    const steps = trace.hops.flatMap((h) => h.steps).filter((s): s is PolicyStep => s.kind === 'policy');
    expect(steps).toEqual([expect.objectContaining({ direction: 'ingress', pod: 'shop/db', verdict: 'not-enforced', enforcedBy: 'none' })]);
    expect(steps[0]!.reason).toMatch(/^flannel does not enforce NetworkPolicy: calico would have denied this/);
    const hop = trace.hops.find((h) => h.steps.includes(steps[0]!));
    expect(hop?.name).toBe('node-02');
  });
});

describe('the policy model (Kubernetes semantics)', () => {
  const policies = `  - name: default-deny
    namespace: shop
    spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
  - name: web-from-team
    namespace: shop
    spec:
      podSelector: {matchLabels: {app: web}}
      ingress:
        - from: [{namespaceSelector: {matchLabels: {team: web}}}, {namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [ops]}]}, podSelector: {matchLabels: {app: tool}}}]
          ports: [{port: 80}]
  - name: web-egress
    namespace: shop
    spec:
      podSelector: {matchLabels: {app: web}}
      policyTypes: [Egress]
      egress:
        - to: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.255.0/24]}}]
          ports: [{protocol: TCP, port: 8000, endPort: 8100}, {protocol: UDP, port: 53}]
        - to: [{podSelector: {matchLabels: {app: db}}}]
          ports: [{port: pg}]`;
  const built = buildFromText(SHOP('{plugin: calico, mode: bgp}', policies));
  const ctx = policyContext(built.cluster);
  const pod = (key: string) => built.cluster.podByKey.get(key)!;
  const flow = (from: string, to: string, protocol = 'tcp', dport?: number) => ({
    src: pod(from).ip,
    dst: pod(to).ip,
    protocol,
    ...(dport !== undefined ? { dport } : {}),
  });

  it('podSelector {} with both policyTypes and no rules: default deny both ways', () => {
    const v = evaluateDirection(ctx, pod('shop/cache'), 'ingress', flow('shop/web', 'shop/cache', 'tcp', 6379));
    expect(v).toMatchObject({ allowed: false, isolated: true });
    expect(evaluateDirection(ctx, pod('shop/cache'), 'egress', flow('shop/cache', 'default/client', 'tcp', 8080)).allowed).toBe(false);
  });
  it('namespaceSelector alone admits every pod of the matching namespaces; with podSelector only the matching pods there', () => {
    expect(evaluateDirection(ctx, pod('shop/web'), 'ingress', flow('shop/cache', 'shop/web', 'tcp', 80)).allowedBy?.policy.name).toBe(
      'web-from-team',
    );
    expect(evaluateDirection(ctx, pod('shop/web'), 'ingress', flow('ops/tool', 'shop/web', 'tcp', 80)).allowed).toBe(true);
    expect(evaluateDirection(ctx, pod('shop/web'), 'ingress', flow('default/client', 'shop/web', 'tcp', 80)).allowed).toBe(false);
    // Ports: 80 only (protocol defaults to TCP).
    expect(evaluateDirection(ctx, pod('shop/web'), 'ingress', flow('shop/cache', 'shop/web', 'tcp', 81)).allowed).toBe(false);
    expect(evaluateDirection(ctx, pod('shop/web'), 'ingress', flow('shop/cache', 'shop/web', 'udp', 80)).allowed).toBe(false);
  });
  it('ipBlock with except, port ranges (endPort) and protocols', () => {
    const to = (ip: string, protocol: string, dport: number) => ({
      src: pod('shop/web').ip,
      dst: Number(ip.split('.').reduce((a, b) => a * 256 + Number(b), 0)),
      protocol,
      dport,
    });
    const egress = (f: ReturnType<typeof to>) => evaluateDirection(ctx, pod('shop/web'), 'egress', f);
    expect(egress(to('10.244.3.3', 'tcp', 8050)).allowedBy).toMatchObject({ rule: 0 });
    expect(egress(to('10.244.3.3', 'tcp', 8101)).allowed).toBe(false);
    expect(egress(to('10.244.255.3', 'tcp', 8050)).allowed).toBe(false);
    expect(egress(to('10.244.3.3', 'udp', 53)).allowed).toBe(true);
  });
  it("a named port in an egress rule is the destination pod's port", () => {
    expect(evaluateDirection(ctx, pod('shop/web'), 'egress', flow('shop/web', 'shop/db', 'tcp', 5432)).allowedBy).toMatchObject({
      rule: 1,
    });
    expect(evaluateDirection(ctx, pod('shop/web'), 'egress', flow('shop/web', 'shop/db', 'tcp', 5433)).allowed).toBe(false);
  });
  it('policies combine: one allowing rule of any selecting policy is enough', () => {
    // web is selected by default-deny (no rules) and by web-from-team.
    const v = evaluateDirection(ctx, pod('shop/web'), 'ingress', flow('shop/cache', 'shop/web', 'tcp', 80));
    expect(v.policies.map((p) => p.name)).toEqual(['default-deny', 'web-from-team']);
    expect(v.allowed).toBe(true);
  });

  it("the walk (Felix's chains) agrees with the model for every pair of pods and port", () => {
    const keys = built.cluster.pods.filter((p) => p.namespace !== 'kube-system').map((p) => p.key);
    for (const from of keys) {
      for (const to of keys) {
        if (from === to) continue;
        for (const port of [80, 5432, 8080]) {
          const f = flow(from, to, 'tcp', port);
          const allowed = evaluateDirection(ctx, pod(from), 'egress', f).allowed && evaluateDirection(ctx, pod(to), 'ingress', f).allowed;
          const disposition = run(built, from, `${to}:${port}`).disposition;
          expect(disposition === 'DROPPED_BY_FILTER', `${from} -> ${to}:${port}`).toBe(!allowed);
        }
      }
    }
  });
});

describe('replies of an allowed connection', () => {
  const egressDeny = `${DB_FROM_WEB}
  - name: db-no-egress
    namespace: shop
    spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Egress]}`;
  const built = buildFromText(SHOP('{plugin: calico, mode: bgp}', egressDeny));
  it('pass an egress-isolated pod (ctstate ESTABLISHED is accepted before any policy), and no policy step is recorded for them', () => {
    const dp = built.dataplane;
    const run = tracePacket(dp, resolveTraceEndpoint(dp, 'shop/web'), resolveTraceEndpoint(dp, 'shop/db:5432'), {}, true);
    expect(run.request.disposition).toBe('DELIVERED');
    expect(run.reply!.disposition).toBe('DELIVERED');
    expect(run.reply!.hops.flatMap((h) => h.steps).some((s) => s.kind === 'policy')).toBe(false);
    // A new connection from db is denied by the same policy.
    expect(run.request.hops.length).toBeGreaterThan(0);
    const fromDb = tracePacket(dp, resolveTraceEndpoint(dp, 'shop/db'), resolveTraceEndpoint(dp, 'shop/web:80'), {}, false).request;
    expect(fromDb.disposition).toBe('DROPPED_BY_FILTER');
    expect(fromDb.summary).toContain('isolated for egress by shop/db-no-egress, and it has no rules (deny all)');
  });
});
