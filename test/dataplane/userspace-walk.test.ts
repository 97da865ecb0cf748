/**
 * The walk through kube-proxy's userspace mode on the default lab (flannel
 * vxlan, three nodes) plus a ClientIP-affine service and one without
 * endpoints: the packet is redirected to kube-proxy's socket on the node
 * and ends there; kube-proxy connects again, from the node's address, to
 * the endpoint it chose round-robin; the answer comes back through the
 * process, from the service address as the client dialled it. The same
 * addresses were measured on real namespaces (test/proxy/userspace-kernel.test.ts).
 * The endpoint reached, the source it sees and the answer's addresses, as
 * every mode's, are the kube-proxy conformance suite's
 * (test/proxy/conformance.test.ts); here: the proxy's sockets, legs and
 * balancer.
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { newSession, traceEveryEndpoint, tracePacket } from '../../src/dataplane/probes.js';
import { statisticFromSeed } from '../../src/flow/random.js';
import type { Step, Trace } from '../../src/flow/trace.js';
import { runEmulated } from '../../src/exec/run.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { userspaceProxier } from '../../src/proxy/userspace/state.js';
import { toText } from '../../src/render/types.js';
import { buildFromText, readRepoFile } from '../helpers.js';

const TOPOLOGY = readRepoFile('labs/default.yaml')
  .replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: userspace}')
  .replace(
    'networkPolicies: []',
    `  - {name: sticky, namespace: default, selector: {app: web}, sessionAffinity: ClientIP, ports: [{port: 8080, targetPort: 80}]}
  - {name: gone, namespace: default, selector: {app: nothing}, ports: [{port: 80}]}
networkPolicies: []`,
  );
const lab = buildFromText(TOPOLOGY, 'userspace.yaml');
const dp = lab.dataplane;
const node = (name: string) => lab.cluster.nodeByName.get(name)!;
const proxyPort = (nodeName: string, servicePort: string, protocol = 'tcp') =>
  userspaceProxier(lab.cluster, node(nodeName)).sockets.find((s) => s.info.name === servicePort && s.protocol === protocol)!.port;
const clusterIP = (key: string) => lab.cluster.serviceByKey.get(key)!.clusterIP!;
const steps = (trace: Trace): Step[] => trace.hops.flatMap((h) => h.steps);
const proxySteps = (trace: Trace) => steps(trace).filter((s): s is Extract<Step, { kind: 'proxy' }> => s.kind === 'proxy');
const ip = formatIPv4;

/** One connection; several in one session need their own source ports, as real connections have. */
function trace(from: string, to: string, session = newSession(dp), sport?: number) {
  const source = resolveTraceEndpoint(dp, from);
  return tracePacket(dp, source, resolveTraceEndpoint(dp, to, source), sport !== undefined ? { sport } : {}, true, session);
}

function branches(from: string, to: string) {
  const source = resolveTraceEndpoint(dp, from);
  return traceEveryEndpoint(dp, source, resolveTraceEndpoint(dp, to, source), {}, true);
}

describe('pod to a ClusterIP', () => {
  const list = branches('pod-c', 'svc/web');

  it("leg 1: REDIRECTed in PREROUTING to cni0's address and kube-proxy's port, accepted by its socket", () => {
    const run = list[0]!.run.request;
    const redirect = steps(run).find((s) => s.kind === 'netfilter' && s.verdict === 'REDIRECT');
    expect(redirect).toMatchObject({ hook: 'PREROUTING', table: 'nat', chain: 'KUBE-PORTALS-CONTAINER' });
    const after = (redirect as { after?: { dst: number; dport?: number } }).after!;
    expect(ip(after.dst)).toBe('10.244.1.1');
    expect(after.dport).toBe(proxyPort('node-02', 'default/web:http'));
    const [accept, connect] = proxySteps(run);
    expect(accept).toMatchObject({
      action: 'accept',
      servicePort: 'default/web:http',
      socket: `tcp *:${proxyPort('node-02', 'default/web:http')}`,
      peer: '10.244.1.3:45678',
    });
    expect(connect).toMatchObject({ action: 'connect', peer: '10.244.1.2:80', choice: { how: 'round-robin', position: 1, of: 2 } });
  });

  it('leg 2 is a hop of its own on the node, a new connection from an even ephemeral port', () => {
    const run = list[1]!.run.request;
    const at = run.hops.findIndex((h) => h.steps[0]?.kind === 'proxy' && h.steps[0].action === 'connect');
    expect(run.hops[at]!.name).toBe('node-02 (kube-proxy → 10.244.2.2:80)');
    expect(run.hops[at - 1]!.where).toBe('node/node-02');
    const delivered = run.delivered!;
    expect(delivered.sport! % 2).toBe(0);
    expect(delivered.sport).not.toBe(45678);
  });

  it("the answer goes back through kube-proxy: one relay into the client's connection", () => {
    for (const b of list) {
      expect(b.run.reply?.disposition).toBe('DELIVERED');
      expect(proxySteps(b.run.reply!).map((s) => s.action)).toEqual(['relay']);
    }
  });
});

describe('the node itself to a ClusterIP', () => {
  it('is DNATed in OUTPUT to the node IP and the proxy port, looped back, and proxied', () => {
    for (const b of branches('node-02', 'svc/web')) {
      const run = b.run.request;
      const dnat = steps(run).find((s) => s.kind === 'netfilter' && s.verdict === 'DNAT');
      expect(dnat).toMatchObject({ hook: 'OUTPUT', chain: 'KUBE-PORTALS-HOST' });
      expect(proxySteps(run)[0]).toMatchObject({ action: 'accept', peer: '10.234.2.12:45678' });
      expect(run.disposition).toBe('DELIVERED');
      expect(b.run.reply!.delivered!.src).toBe(clusterIP('default/web'));
    }
  });
});

describe('NodePort from outside', () => {
  const list = branches('external', 'node-03:30080');

  it("is REDIRECTed to the node IP (eth0's address) and accepted by filter KUBE-NODEPORT-NON-LOCAL", () => {
    const run = list[0]!.run.request;
    const redirect = steps(run).find((s) => s.kind === 'netfilter' && s.verdict === 'REDIRECT') as { after: { dst: number } } & Step;
    expect(redirect).toMatchObject({ chain: 'KUBE-NODEPORT-CONTAINER' });
    expect(ip(redirect.after.dst)).toBe('10.234.2.13');
    expect(steps(run)).toContainEqual(
      expect.objectContaining({ kind: 'netfilter', hook: 'INPUT', chain: 'KUBE-NODEPORT-NON-LOCAL', verdict: 'ACCEPT' }),
    );
  });
});

describe('LoadBalancerRR in one session', () => {
  it('takes the endpoints in turn, from a seeded start', () => {
    const session = newSession(dp, statisticFromSeed(7));
    const picks = [0, 1, 2, 3].map((i) => ip(trace('pod-c', 'svc/web', session, 40000 + i).request.delivered!.dst));
    expect(picks[0]).not.toBe(picks[1]);
    expect(picks[2]).toBe(picks[0]);
    expect(picks[3]).toBe(picks[1]);
  });

  it('each node has its own balancer', () => {
    const session = newSession(dp, () => true);
    expect(ip(trace('pod-c', 'svc/web', session).request.delivered!.dst)).toBe('10.244.1.2');
    // node-03's list starts afresh (the always-true source picks its first endpoint too).
    expect(ip(trace('pod-b', 'svc/web', session).request.delivered!.dst)).toBe('10.244.1.2');
  });

  it('sessionAffinity ClientIP: the client keeps its endpoint while others move on', () => {
    const session = newSession(dp, () => true);
    const first = trace('pod-c', 'svc/sticky', session, 40000).request;
    const again = trace('pod-c', 'svc/sticky', session, 40001).request;
    expect(again.delivered!.dst).toBe(first.delivered!.dst);
    expect(proxySteps(again).find((s) => s.action === 'connect')!.choice).toMatchObject({ how: 'session-affinity' });
    const other = trace('node-02', 'svc/sticky', session, 40002).request;
    expect(other.delivered!.dst).not.toBe(first.delivered!.dst);
  });
});

describe('a service without endpoints', () => {
  it('TCP: kube-proxy accepts, then closes (no REJECT, no ICMP): NO_ENDPOINTS, a FIN for the client', () => {
    const run = trace('pod-c', 'svc/gone').request;
    expect(run.disposition).toBe('NO_ENDPOINTS');
    expect(run.notice).toEqual({ kind: 'tcp-fin' });
    expect(proxySteps(run).map((s) => s.action)).toEqual(['close']);
    expect(run.summary).toContain('has no endpoints');
  });

  it('curl prints what curl 7.88 prints for an accepted and closed connection', () => {
    const result = runEmulated(
      dp.podNetns(lab.cluster.podByKey.get('default/pod-c')!),
      ['curl', `http://${ip(clusterIP('default/gone'))}/`],
      { dataplane: dp },
    );
    expect(result.exitCode).toBe(52);
    expect(toText(result.stderr)).toBe('curl: (52) Empty reply from server\n');
  });

  it('curl to a service with endpoints shows which backend answered', () => {
    const result = runEmulated(
      dp.podNetns(lab.cluster.podByKey.get('default/pod-c')!),
      ['curl', '-s', `http://${ip(clusterIP('default/web'))}/`],
      { dataplane: dp },
    );
    expect(result.exitCode).toBe(0);
    expect(toText(result.stdout)).toMatch(/^pod-[ab]\n$/);
  });
});

describe('UDP (kube-dns)', () => {
  it('a datagram to the cluster DNS is proxied to a CoreDNS pod from the node, and the answer comes from 10.96.0.10:53', () => {
    const run = trace('pod-c', 'svc/kube-system/kube-dns');
    expect(run.request.flow.protocol).toBe('udp');
    expect(proxySteps(run.request)[0]).toMatchObject({
      action: 'accept',
      socket: `udp *:${proxyPort('node-02', 'kube-system/kube-dns:dns', 'udp')}`,
    });
    expect(run.request.summary).toContain('coredns');
    expect(run.reply!.delivered!.src).toBe(clusterIP('kube-system/kube-dns'));
    expect(run.reply!.delivered!.sport).toBe(53);
  });
});

describe('the text trace', () => {
  it('shows both legs: the socket that ends the first, the connect that starts the second', () => {
    const run = branches('pod-c', 'svc/web')[1]!.run.request;
    const rows = run.hops.map((h) => h.name);
    expect(rows).toContain('node-02 (kube-proxy → 10.244.2.2:80)');
  });

  it('other modes never go through a proxy step', () => {
    const iptables = buildFromText(readRepoFile('labs/default.yaml'));
    const source = resolveTraceEndpoint(iptables.dataplane, 'pod-c');
    const run = tracePacket(iptables.dataplane, source, resolveTraceEndpoint(iptables.dataplane, 'svc/web', source), {}, true);
    expect(proxySteps(run.request)).toEqual([]);
  });
});
