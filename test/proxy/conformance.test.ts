/**
 * One conformance suite for every kube-proxy mode: the same cluster, the
 * same cases, and where a mode behaves differently by design, its own
 * expected value with the upstream source that says so. A mode skips a
 * case only with a written reason (SKIPS below). The modes are the ones the
 * KubeProxyMode interface names (src/proxy/types.ts), and the first case
 * checks that the build runs the mode and where it answers the walk.
 *
 * The cluster is the default lab's shape (flannel vxlan, three nodes on one
 * subnet): master has no endpoint, node-02 holds the client pod-c and the
 * endpoint pod-a, node-03 the endpoint pod-b. Its addresses follow from
 * flannel's leases in node order: master 10.244.0.0/24, node-02
 * 10.244.1.0/24, node-03 10.244.2.0/24; on each node cni0 has the lease's
 * .1 (the bridge plugin's gateway) and flannel.1 its .0 (flannel's vxlan
 * backend). A node that originates or masquerades a packet takes the
 * address of the device the route to the endpoint leaves by.
 *
 * Mode-specific details that this suite does not assert (rule names, rule
 * counts, nft paths, proxy sockets) stay in services-walk.test.ts,
 * services-walk-nftables.test.ts, userspace-walk.test.ts and ipvs.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { isLocalAddress } from '../../src/dataplane/fib.js';
import { KernelState } from '../../src/dataplane/kernel-state.js';
import {
  newSession,
  traceEveryEndpoint,
  tracePacket,
  type EndpointBranch,
  type ProbeOptions,
  type TraceRun,
} from '../../src/dataplane/probes.js';
import { statisticFromSeed } from '../../src/flow/random.js';
import type { Step, Trace } from '../../src/flow/trace.js';
import type { KubeProxyMode } from '../../src/proxy/types.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../../src/net/ipv4.js';
import { buildFromText, type Built } from '../helpers.js';

const TOPOLOGY = (mode: string) => `apiVersion: netlab/v1
kind: Cluster
metadata: {name: proxy-conformance}
network:
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: flannel, backend: vxlan}
  kubeProxy: {mode: ${mode}}
  dns: {coreDNS: false}
subnets:
  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}
nodes:
  - {name: master, ip: 10.234.2.11, subnet: rack-1, role: control-plane}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}
  - {name: node-03, ip: 10.234.2.13, subnet: rack-1}
pods:
  - {name: pod-a, node: node-02, labels: {app: web}, containers: [{name: nginx, ports: [{name: http, containerPort: 80}]}]}
  - {name: pod-c, node: node-02, labels: {app: client}}
  - {name: pod-b, node: node-03, labels: {app: web}, containers: [{name: nginx, ports: [{name: http, containerPort: 80}]}]}
services:
  - {name: web, type: NodePort, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]}
  - {name: web-local, type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http, nodePort: 30081}]}
  - {name: sticky, selector: {app: web}, sessionAffinity: ClientIP, ports: [{name: http, port: 8080, targetPort: http}]}
  - {name: gone, selector: {app: nothing}, ports: [{name: http, port: 80}]}
`;

const ip = (text: string): IPv4 => parseIPv4(text)!;
/** The addresses the cases meet (see the header for where they come from). */
const POD_A = ip('10.244.1.2');
const POD_B = ip('10.244.2.2');
const POD_C = ip('10.244.1.3');
const EXTERNAL_CLIENT = ip('198.51.100.10');
const NODE_02_CNI0 = ip('10.244.1.1');
const NODE_02_FLANNEL = ip('10.244.1.0');
const MASTER_FLANNEL = ip('10.244.0.0');

/** Every mode the KubeProxyMode interface names, but `none` (no kube-proxy). */
type ModeName = Exclude<KubeProxyMode['name'], 'none'>;
/** A partial step, matched with expect.objectContaining. */
type StepShape = Record<string, unknown>;
/** What a sender is told, matched with toMatchObject. */
type NoticeShape = Record<string, unknown>;

/** How a packet that does not reach an endpoint ends. */
interface Refusal {
  readonly disposition: string;
  readonly notice: NoticeShape;
  /** The step that decided. */
  readonly step: StepShape;
}

interface ProxyMode {
  readonly mode: ModeName;
  /** Where the mode answers the walk itself (src/proxy/types.ts); none: netfilter evaluates its rules. */
  readonly walkStep: readonly ('atLocalIn' | 'atSocket')[];
  /** The step that sends the client's packet to the endpoint chosen; its `after` carries the new destination. */
  readonly translation: StepShape;
  /**
   * Whom the endpoint of a pod → ClusterIP connection sees: the client pod (the kernel modes rewrite the
   * destination only) or the node (the userspace proxy ends the client's connection and opens its own).
   */
  readonly clusterIpSource: 'client' | 'node';
  /** The TTL an endpoint on the client's own node sees, and whether the node forwarded (decremented) it. */
  readonly sameNode: { readonly ttl: number; readonly forwarded: boolean };
  /** The TTL an endpoint on another node sees. */
  readonly remoteTtl: number;
  /** The step that masquerades traffic from outside (none: the userspace proxy's own connection needs none). */
  readonly masquerade?: StepShape;
  /** The step that masquerades a pod reaching itself through its service. */
  readonly hairpin?: StepShape;
  /** externalTrafficPolicy Local at a node with a local endpoint: the client's address kept, or the node's. */
  readonly localPolicySource: 'client' | 'node';
  /** externalTrafficPolicy Local at a node without a local endpoint. */
  readonly localPolicyElsewhere:
    { readonly kind: 'dropped'; readonly step: StepShape } | { readonly kind: 'delivered'; readonly masquerade?: StepShape };
  readonly noEndpoints: Refusal;
  /** UDP to a cluster IP whose service serves only TCP on that port. */
  readonly udpToTcpPort: Refusal | { readonly disposition: 'NO_ROUTE'; readonly why: string };
}

const REJECTED = { kind: 'icmp', type: 3, code: 3 } as const;
/** The underlay router's answer to a packet for the service range, which it has no route to: net unreachable. */
const FOLLOWS_DEFAULT_ROUTE =
  'nothing in the mode matches the protocol, so the packet is routed like any other: out the default route to the underlay router, which has no route to the service range';

const MODES: readonly ProxyMode[] = [
  {
    mode: 'iptables',
    walkStep: [],
    translation: { kind: 'netfilter', hook: 'PREROUTING', table: 'nat', verdict: 'DNAT' },
    clusterIpSource: 'client',
    // br_netfilter: the DNATed frame is bridged straight back out of cni0, never routed.
    sameNode: { ttl: 64, forwarded: false },
    remoteTtl: 62,
    masquerade: { kind: 'netfilter', hook: 'POSTROUTING', table: 'nat', chain: 'KUBE-POSTROUTING', verdict: 'MASQUERADE' },
    // KUBE-SEP-*: -s <endpoint> -j KUBE-MARK-MASQ, then KUBE-POSTROUTING masquerades the marked packet.
    hairpin: { kind: 'netfilter', hook: 'POSTROUTING', table: 'nat', chain: 'KUBE-POSTROUTING', verdict: 'MASQUERADE' },
    localPolicySource: 'client',
    // pkg/proxy/iptables/proxier.go: an externalTrafficPolicy Local service without local endpoints gets
    // "-A KUBE-EXTERNAL-SERVICES ... has no local endpoints ... -j DROP" in the filter table.
    localPolicyElsewhere: {
      kind: 'dropped',
      step: { kind: 'netfilter', hook: 'INPUT', table: 'filter', chain: 'KUBE-EXTERNAL-SERVICES', verdict: 'DROP' },
    },
    // proxier.go: a service without endpoints gets "-A KUBE-SERVICES ... has no endpoints ... -j REJECT" in the filter table.
    noEndpoints: {
      disposition: 'DROPPED_BY_FILTER',
      notice: REJECTED,
      step: { kind: 'netfilter', hook: 'FORWARD', table: 'filter', chain: 'KUBE-SERVICES', verdict: expect.stringMatching(/^REJECT/) },
    },
    udpToTcpPort: { disposition: 'NO_ROUTE', why: FOLLOWS_DEFAULT_ROUTE },
  },
  {
    mode: 'ipvs',
    // ip_vs_in at LOCAL_IN (and LOCAL_OUT for the node's own connections).
    walkStep: ['atLocalIn'],
    translation: { kind: 'ipvs', hook: 'INPUT', verdict: 'masq', scheduler: 'rr' },
    clusterIpSource: 'client',
    // The cluster IP is local (kube-ipvs0): IPVS takes the packet at LOCAL_IN and sends it on by a route of its
    // own, decrementing the TTL (net/netfilter/ipvs/ip_vs_xmit.c, __ip_vs_get_out_rt → decrement_ttl).
    sameNode: { ttl: 63, forwarded: true },
    remoteTtl: 62,
    masquerade: { kind: 'netfilter', hook: 'POSTROUTING', table: 'nat', chain: 'KUBE-POSTROUTING', verdict: 'MASQUERADE' },
    // pkg/proxy/ipvs/proxier.go: "-A KUBE-POSTROUTING -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE".
    hairpin: { kind: 'netfilter', hook: 'POSTROUTING', table: 'nat', chain: 'KUBE-POSTROUTING', verdict: 'MASQUERADE' },
    localPolicySource: 'client',
    // pkg/proxy/ipvs/proxier.go syncEndpoint: with no local endpoint the virtual server gets every cluster
    // endpoint (kubernetes#97081, "Allow access from local PODs even if no local endpoints exist"), and the
    // KUBE-NODE-PORT-LOCAL-TCP set keeps kube-proxy from masquerading. flannel's own
    // "! -s 10.244.0.0/16 -d 10.244.0.0/16 -j MASQUERADE" in FLANNEL-POSTRTG then masquerades it towards
    // the remote pod, so the answer does find its way back through master.
    localPolicyElsewhere: {
      kind: 'delivered',
      masquerade: { kind: 'netfilter', hook: 'POSTROUTING', table: 'nat', chain: 'FLANNEL-POSTRTG', verdict: 'MASQUERADE' },
    },
    // A virtual server without real servers: ip_vs_in finds no destination and ip_vs_leave answers ICMP port unreachable.
    noEndpoints: {
      disposition: 'NO_ENDPOINTS',
      notice: REJECTED,
      step: { kind: 'ipvs', hook: 'INPUT', verdict: 'no-destination', realServers: 0 },
    },
    // proxier.go: "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT":
    // a service address is local, and a port no virtual server serves is refused in INPUT.
    udpToTcpPort: {
      disposition: 'DROPPED_BY_FILTER',
      notice: REJECTED,
      step: { kind: 'netfilter', hook: 'INPUT', table: 'filter', chain: 'KUBE-IPVS-FILTER', verdict: expect.stringMatching(/^REJECT/) },
    },
  },
  {
    mode: 'nftables',
    walkStep: [],
    translation: { kind: 'netfilter', hook: 'PREROUTING', table: 'ip kube-proxy', verdict: 'DNAT' },
    clusterIpSource: 'client',
    sameNode: { ttl: 64, forwarded: false },
    remoteTtl: 62,
    masquerade: { kind: 'netfilter', hook: 'POSTROUTING', table: 'ip kube-proxy', chain: 'masquerading', verdict: 'MASQUERADE' },
    // endpoint-*: "ip saddr <endpoint> jump mark-for-masquerade", then the masquerading chain.
    hairpin: { kind: 'netfilter', hook: 'POSTROUTING', table: 'ip kube-proxy', chain: 'masquerading', verdict: 'MASQUERADE' },
    localPolicySource: 'client',
    // pkg/proxy/nftables/proxier.go: no local endpoints for external traffic puts the node port in
    // @no-endpoint-nodeports with the verdict "drop".
    localPolicyElsewhere: {
      kind: 'dropped',
      step: { kind: 'netfilter', hook: 'INPUT', table: 'ip kube-proxy', chain: 'nodeport-endpoints-check', verdict: 'DROP' },
    },
    // proxier.go: no endpoints at all puts the service in @no-endpoint-services with "goto reject-chain".
    noEndpoints: {
      disposition: 'DROPPED_BY_FILTER',
      notice: REJECTED,
      step: { kind: 'netfilter', hook: 'FORWARD', table: 'ip kube-proxy', chain: 'reject-chain', verdict: 'REJECT' },
    },
    // proxier.go: cluster-ips-check "ip daddr @cluster-ips reject" ("Reject traffic to invalid ports of ClusterIPs").
    udpToTcpPort: {
      disposition: 'DROPPED_BY_FILTER',
      notice: REJECTED,
      step: { kind: 'netfilter', hook: 'FORWARD', table: 'ip kube-proxy', chain: 'cluster-ips-check', verdict: 'REJECT' },
    },
  },
  {
    mode: 'userspace',
    // The proxier's sockets: a client's connection ends there and kube-proxy opens its own.
    walkStep: ['atSocket'],
    translation: { kind: 'proxy', action: 'connect' },
    // pkg/proxy/userspace/proxysocket.go (v1.25): the proxy accepts the client's connection and dials the
    // endpoint itself, so the endpoint sees the node.
    clusterIpSource: 'node',
    // The proxy's connection starts on the node: nothing forwards it there.
    sameNode: { ttl: 64, forwarded: false },
    remoteTtl: 63,
    localPolicySource: 'node',
    // pkg/proxy/userspace/roundrobin.go (v1.25) balances over every ready address of the Endpoints object;
    // the userspace proxier never implemented externalTrafficPolicy.
    localPolicyElsewhere: { kind: 'delivered' },
    // proxysocket.go: with no endpoint to dial, the accepted connection is closed (no REJECT rule).
    noEndpoints: { disposition: 'NO_ENDPOINTS', notice: { kind: 'tcp-fin' }, step: { kind: 'proxy', action: 'close' } },
    // pkg/proxy/userspace/proxier.go: the portal rules match "-p tcp" only.
    udpToTcpPort: { disposition: 'NO_ROUTE', why: FOLLOWS_DEFAULT_ROUTE },
  },
];

type CaseName =
  | 'the mode and its walk step'
  | 'every endpoint'
  | 'ClusterIP, endpoint on the same node'
  | 'ClusterIP, endpoint on another node'
  | 'the seed decides'
  | 'NodePort Cluster, through a node without an endpoint'
  | 'NodePort Cluster, through a node with an endpoint'
  | 'NodePort Local, through a node with an endpoint'
  | 'NodePort Local, through a node without an endpoint'
  | 'session affinity'
  | 'no endpoints'
  | 'hairpin'
  | 'UDP to a TCP-only port';

/** The only skips, each with its reason: none so far; every mode answers every case. */
const SKIPS: Readonly<Partial<Record<ModeName, Partial<Record<CaseName, string>>>>> = {};

/** Every mode the interface names: a new name does not type-check here until the suite has its expectations. */
const EVERY_MODE: Readonly<Record<ModeName, true>> = { iptables: true, ipvs: true, nftables: true, userspace: true };

it('the suite has expectations for every kube-proxy mode', () => {
  expect(MODES.map((m) => m.mode).sort()).toEqual(Object.keys(EVERY_MODE).sort());
});

const steps = (t: Trace): Step[] => t.hops.flatMap((h) => h.steps);
const like = (shape: StepShape) => expect.objectContaining(shape);
const show = formatIPv4;

for (const m of MODES) {
  describe(`kube-proxy conformance: ${m.mode}`, () => {
    const built: Built = buildFromText(TOPOLOGY(m.mode), `${m.mode}.yaml`);
    const dp = built.dataplane;
    const node = (name: string) => dp.nodeNetns(built.cluster.nodeByName.get(name)!);
    const clusterIP = (name: string) => built.cluster.serviceByKey.get(`default/${name}`)!.clusterIP!;
    const skips = SKIPS[m.mode] ?? {};
    const kase = (name: CaseName, body: () => void) => {
      const reason = skips[name];
      if (reason) it.skip(`${name} (skipped: ${reason})`, body);
      else it(name, body);
    };

    const endpoints = (from: string, to: string, options: ProbeOptions = {}): EndpointBranch[] => {
      const source = resolveTraceEndpoint(dp, from);
      return traceEveryEndpoint(dp, source, resolveTraceEndpoint(dp, to, source), options, true);
    };
    const branchTo = (list: readonly EndpointBranch[], endpoint: IPv4): TraceRun => {
      const branch = list.find((b) => b.endpoint === endpoint);
      expect(branch, `a branch to ${show(endpoint)} among ${list.map((b) => show(b.endpoint)).join(', ')}`).toBeDefined();
      return branch!.run;
    };
    const once = (from: string, to: string, options: ProbeOptions = {}, session = newSession(dp)): TraceRun => {
      const source = resolveTraceEndpoint(dp, from);
      return tracePacket(dp, source, resolveTraceEndpoint(dp, to, source), options, true, session);
    };
    /** The packet reached `endpoint`:80, and the mode's translating step says it sent it there. */
    const reachedEndpoint = (run: TraceRun, endpoint: IPv4) => {
      const { request } = run;
      expect(request.disposition, request.summary).toBe('DELIVERED');
      expect(show(request.delivered!.dst)).toBe(show(endpoint));
      expect(request.delivered!.dport).toBe(80);
      expect(steps(request)).toContainEqual(like({ ...m.translation, after: expect.objectContaining({ dst: endpoint, dport: 80 }) }));
    };
    /** The client got its answer from the address and port it dialled. */
    const answeredFrom = (run: TraceRun, src: IPv4, sport: number) => {
      expect(run.reply?.disposition, run.reply?.summary).toBe('DELIVERED');
      expect(show(run.reply!.delivered!.src)).toBe(show(src));
      expect(run.reply!.delivered!.sport).toBe(sport);
      expect(run.reply!.delivered!.dport).toBe(run.request.flow.sport);
    };
    const masquerades = (t: Trace) => steps(t).filter((s) => s.kind === 'netfilter' && s.verdict === 'MASQUERADE');

    kase('the mode and its walk step', () => {
      expect(dp.kubeProxy.name).toBe(m.mode);
      expect((['atLocalIn', 'atSocket'] as const).filter((step) => dp.kubeProxy[step] !== undefined)).toEqual(m.walkStep);
    });

    kase('every endpoint', () => {
      // --all-endpoints: one branch per endpoint, 1/n each (iptables' statistic chain, nftables' numgen,
      // IPVS rr and the userspace round-robin all give each endpoint the same chance).
      const list = endpoints('pod-c', 'svc/web');
      expect(list.map((b) => [show(b.endpoint), b.port, b.probability])).toEqual([
        ['10.244.1.2', 80, 0.5],
        ['10.244.2.2', 80, 0.5],
      ]);
      for (const b of list) expect(b.run.request.disposition, b.run.request.summary).toBe('DELIVERED');
    });

    kase('ClusterIP, endpoint on the same node', () => {
      const run = branchTo(endpoints('pod-c', 'svc/web'), POD_A);
      reachedEndpoint(run, POD_A);
      const seen = run.request.delivered!;
      expect(show(seen.src)).toBe(show(m.clusterIpSource === 'client' ? POD_C : NODE_02_CNI0));
      expect(seen.ttl).toBe(m.sameNode.ttl);
      expect(
        steps(run.request).some((s) => s.kind === 'forward'),
        'forwarded by node-02',
      ).toBe(m.sameNode.forwarded);
      expect(steps(run.request)).toContainEqual(like({ kind: 'bridge', bridge: 'cni0', result: 'forward' }));
      expect(masquerades(run.request), 'pod to ClusterIP is not masqueraded').toEqual([]);
      answeredFrom(run, clusterIP('web'), 80);
    });

    kase('ClusterIP, endpoint on another node', () => {
      const run = branchTo(endpoints('pod-c', 'svc/web'), POD_B);
      reachedEndpoint(run, POD_B);
      const seen = run.request.delivered!;
      expect(show(seen.src)).toBe(show(m.clusterIpSource === 'client' ? POD_C : NODE_02_FLANNEL));
      expect(seen.ttl).toBe(m.remoteTtl);
      expect(steps(run.request)).toContainEqual(like({ kind: 'encap', tunnel: 'vxlan', dev: 'flannel.1' }));
      expect(masquerades(run.request), 'pod to ClusterIP is not masqueraded').toEqual([]);
      answeredFrom(run, clusterIP('web'), 80);
    });

    kase('the seed decides', () => {
      const from = resolveTraceEndpoint(dp, 'pod-c');
      const to = resolveTraceEndpoint(dp, 'svc/web', from);
      const pick = (seed: number) =>
        show(tracePacket(dp, from, to, {}, false, newSession(dp, statisticFromSeed(seed))).request.delivered!.dst);
      expect(pick(7)).toBe(pick(7));
      expect(new Set(Array.from({ length: 20 }, (_, i) => pick(i + 1)))).toEqual(new Set(['10.244.1.2', '10.244.2.2']));
    });

    kase('NodePort Cluster, through a node without an endpoint', () => {
      // Both endpoints are on other nodes: each sees master's flannel.1 address, on a port of master's choosing.
      const master = node('master');
      for (const endpoint of [POD_A, POD_B]) {
        const run = branchTo(endpoints('external', 'master:30080'), endpoint);
        reachedEndpoint(run, endpoint);
        const seen = run.request.delivered!;
        expect(show(seen.src)).toBe(show(MASTER_FLANNEL));
        expect(isLocalAddress(master, seen.src)).toBe(true);
        // --random-fully (kernel modes) or the proxy's own connect(): not the client's port.
        expect(seen.sport).not.toBe(run.request.flow.sport);
        if (m.masquerade) expect(steps(run.request)).toContainEqual(like(m.masquerade));
        else expect(masquerades(run.request)).toEqual([]);
        answeredFrom(run, ip('10.234.2.11'), 30080);
      }
    });

    kase('NodePort Cluster, through a node with an endpoint', () => {
      // The local endpoint sees node-02's cni0 address, the remote one its flannel.1 address.
      const list = endpoints('external', 'node-02:30080');
      const local = branchTo(list, POD_A);
      const remote = branchTo(list, POD_B);
      reachedEndpoint(local, POD_A);
      reachedEndpoint(remote, POD_B);
      expect(show(local.request.delivered!.src)).toBe(show(NODE_02_CNI0));
      expect(show(remote.request.delivered!.src)).toBe(show(NODE_02_FLANNEL));
      for (const run of [local, remote]) expect(run.request.delivered!.sport).not.toBe(run.request.flow.sport);
      answeredFrom(local, ip('10.234.2.12'), 30080);
      answeredFrom(remote, ip('10.234.2.12'), 30080);
    });

    kase('NodePort Local, through a node with an endpoint', () => {
      const list = endpoints('external', 'node-02:30081');
      if (m.localPolicySource === 'client') {
        // Only the local endpoint, and it sees the client: nothing masquerades.
        expect(list.map((b) => show(b.endpoint))).toEqual(['10.244.1.2']);
        const run = list[0]!.run;
        reachedEndpoint(run, POD_A);
        expect(show(run.request.delivered!.src)).toBe(show(EXTERNAL_CLIENT));
        expect(masquerades(run.request)).toEqual([]);
        answeredFrom(run, ip('10.234.2.12'), 30081);
      } else {
        // Every endpoint, each seeing the node's address towards it.
        expect(list.map((b) => show(b.endpoint))).toEqual(['10.244.1.2', '10.244.2.2']);
        expect(show(branchTo(list, POD_A).request.delivered!.src)).toBe(show(NODE_02_CNI0));
        expect(show(branchTo(list, POD_B).request.delivered!.src)).toBe(show(NODE_02_FLANNEL));
        for (const b of list) answeredFrom(b.run, ip('10.234.2.12'), 30081);
      }
    });

    kase('NodePort Local, through a node without an endpoint', () => {
      const list = endpoints('external', 'master:30081');
      const expected = m.localPolicyElsewhere;
      if (expected.kind === 'dropped') {
        expect(list).toHaveLength(1);
        const { request } = list[0]!.run;
        expect(request.disposition, request.summary).toBe('DROPPED_BY_FILTER');
        expect(request.notice).toEqual({ kind: 'none' });
        // The last rule the packet met is the one that dropped it.
        expect(
          steps(request)
            .filter((s) => s.kind === 'netfilter')
            .at(-1),
        ).toEqual(like(expected.step));
        expect(request.hops.at(-1)!.where, 'dropped in master').toBe('node/master');
        expect(
          steps(request).some((s) => s.kind === 'bridge' || s.kind === 'encap'),
          'never leaves master',
        ).toBe(false);
      } else {
        expect(list.map((b) => show(b.endpoint))).toEqual(['10.244.1.2', '10.244.2.2']);
        for (const b of list) {
          reachedEndpoint(b.run, b.endpoint);
          expect(show(b.run.request.delivered!.src)).toBe(show(MASTER_FLANNEL));
          const masq = masquerades(b.run.request);
          if (expected.masquerade) expect(masq).toEqual([like(expected.masquerade)]);
          else expect(masq).toEqual([]);
          answeredFrom(b.run, ip('10.234.2.11'), 30081);
        }
      }
    });

    kase('session affinity', () => {
      // Connections share the kernels' memory (as --traffic's do) but not their random source: the first
      // one's choices all pass (the first endpoint), every later one's would fail (the second).
      const kernel = new KernelState();
      const connect = (to: string, sport: number, decide: boolean) => {
        let draws = 0;
        const random = () => {
          draws++;
          return decide;
        };
        const run = once('pod-c', to, { sport }, newSession(dp, random, kernel));
        return { run, draws };
      };
      // Without affinity the second connection goes elsewhere: the choice really is the random source's.
      const plainFirst = connect('svc/web', 40001, true);
      const plainSecond = connect('svc/web', 40002, false);
      reachedEndpoint(plainFirst.run, POD_A);
      reachedEndpoint(plainSecond.run, POD_B);
      // With ClientIP affinity it goes back to the first connection's endpoint, without a random choice.
      const first = connect('svc/sticky', 40003, true);
      const second = connect('svc/sticky', 40004, false);
      const third = connect('svc/sticky', 40005, false);
      for (const { run } of [first, second, third]) {
        expect(run.request.disposition, run.request.summary).toBe('DELIVERED');
        expect(show(run.request.delivered!.dst)).toBe(show(POD_A));
        answeredFrom(run, clusterIP('sticky'), 8080);
      }
      expect(second.draws + third.draws).toBe(0);
    });

    kase('no endpoints', () => {
      const list = endpoints('pod-c', 'svc/gone');
      expect(list).toHaveLength(1);
      const { request, reply } = list[0]!.run;
      expect(show(list[0]!.endpoint), 'not translated').toBe(show(clusterIP('gone')));
      expect(request.disposition, request.summary).toBe(m.noEndpoints.disposition);
      expect(request.notice).toMatchObject(m.noEndpoints.notice);
      expect(steps(request)).toContainEqual(like(m.noEndpoints.step));
      expect(request.delivered).toBeUndefined();
      expect(reply).toBeUndefined();
    });

    kase('hairpin', () => {
      // pod-a reaching its own service and chosen as the endpoint: masqueraded to node-02's cni0 address, or
      // the userspace proxy's own connection from that address, so pod-a's answer goes back through the node.
      const list = endpoints('pod-a', 'svc/web');
      const self = branchTo(list, POD_A);
      reachedEndpoint(self, POD_A);
      expect(show(self.request.delivered!.src)).toBe(show(NODE_02_CNI0));
      if (m.hairpin) expect(steps(self.request)).toContainEqual(like(m.hairpin));
      answeredFrom(self, clusterIP('web'), 80);
      // The other endpoint is not a hairpin: it sees pod-a (or, through the userspace proxy, the node).
      const other = branchTo(list, POD_B);
      expect(show(other.request.delivered!.src)).toBe(show(m.clusterIpSource === 'client' ? POD_A : NODE_02_FLANNEL));
    });

    kase('UDP to a TCP-only port', () => {
      const run = once('pod-c', `${show(clusterIP('web'))}:80`, { protocol: 'udp' });
      const { request } = run;
      expect(request.flow.protocol).toBe('udp');
      const expected = m.udpToTcpPort;
      expect(request.disposition, request.summary).toBe(expected.disposition);
      // Whatever the mode does, nothing sends the datagram to an endpoint.
      expect(steps(request).some((s) => 'after' in s && s.after !== undefined && (s.after.dst === POD_A || s.after.dst === POD_B))).toBe(
        false,
      );
      if ('step' in expected) {
        expect(request.notice).toMatchObject(expected.notice);
        expect(steps(request)).toContainEqual(like(expected.step));
      } else {
        // expected.why: routed as any datagram, the router answers net unreachable.
        expect(request.notice).toEqual({ kind: 'icmp', from: ip('10.234.2.254'), type: 3, code: 0 });
        expect(request.hops.at(-1)!.where).toBe('router');
      }
    });
  });
}
