import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { newSession, tracePacket } from '../../src/dataplane/probes.js';
import { runEmulated } from '../../src/exec/run.js';
import { routeGet } from '../../src/dataplane/route-get.js';
import type { Dataplane } from '../../src/dataplane/build.js';
import { buildVariant, type WhatIf } from '../../src/whatif/variant.js';
import type { FaultKind } from '../../src/topology/types.js';
import { FAULT_OPTIONS } from '../../src/whatif/faults.js';
import { readRepoFile } from '../helpers.js';

const DEFAULT = readRepoFile('labs/default.yaml');

function whatIf(faults: [FaultKind, string][], sets: string[] = []): WhatIf {
  return { sets, faults: faults.map(([kind, value]) => ({ kind, value, origin: { flag: FAULT_OPTIONS[kind] } })) };
}

function build(faults: [FaultKind, string][], text = DEFAULT) {
  const v = buildVariant(text, 'labs/default.yaml', whatIf(faults));
  return v;
}

function dp(faults: [FaultKind, string][], text = DEFAULT): Dataplane {
  const v = build(faults, text);
  expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return v.dataplane!;
}

function trace(d: Dataplane, from: string, to: string) {
  return tracePacket(d, resolveTraceEndpoint(d, from), resolveTraceEndpoint(d, to), {}, false, newSession(d)).request;
}

function exec(d: Dataplane, target: string, command: string): string {
  const node = d.cluster.nodeByName.get(target);
  const pod = d.cluster.pods.find((p) => p.name === target);
  const ns = node ? d.nodeNetns(node) : d.podNetns(pod!);
  return [...runEmulated(ns, command.split(' '), { dataplane: d, routeGet }).stdout].join('\n');
}

describe('faults', () => {
  it('a failed node answers nothing: ARP for it goes unanswered', () => {
    const d = dp([['fail', 'node-03']]);
    const t = trace(d, 'pod-a', 'pod-b');
    expect(t.disposition).toBe('NEIGHBOR_UNREACHABLE');
    expect(t.summary).toContain('10.234.2.13');
    expect(trace(d, 'pod-a', 'pod-c').disposition).toBe('DELIVERED');
    // Its own namespaces are still there, every link down, routes gone.
    expect(exec(d, 'node-03', 'ip route')).toBe('');
    expect(exec(d, 'node-03', 'ip link show eth0')).toContain('<BROADCAST,MULTICAST> mtu 1500 qdisc pfifo_fast state DOWN');
  });

  it('a link down removes its routes, as the kernel does', () => {
    const d = dp([['linkDown', 'node-02:flannel.1']]);
    const routes = exec(d, 'node-02', 'ip route');
    expect(routes).not.toContain('flannel.1');
    expect(exec(d, 'node-02', 'ip neigh')).not.toContain('flannel.1');
    // The local address entry stays.
    expect(exec(d, 'node-02', 'ip route show table local')).toContain('local 10.244.1.0 dev flannel.1');
    // Without its flannel route the packet follows the default route to the underlay router, which knows no pod networks.
    const t = trace(d, 'pod-a', 'pod-b');
    expect(t.disposition).toBe('NO_ROUTE');
    expect(t.summary).toContain('underlay router');
  });

  it("a pod's eth0 down: the host veth loses carrier, its bridge port is disabled", () => {
    const d = dp([['linkDown', 'pod-c:eth0']]);
    expect(exec(d, 'pod-c', 'ip route')).toBe('');
    const bridge = exec(d, 'node-02', 'ip -d link show');
    // DOWN, not LOWERLAYERDOWN: the kernel looks the peer's ifindex up in this namespace, where it is another device (eth0).
    expect(bridge).toMatch(/NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1450 qdisc noqueue master cni0 state DOWN/);
    expect(bridge).toContain('bridge_slave state disabled');
    expect(trace(d, 'pod-a', 'pod-c').disposition).toBe('NEIGHBOR_UNREACHABLE');
    expect(trace(d, 'pod-a', 'pod-b').disposition).toBe('DELIVERED');
  });

  it('the node NIC down takes it off the segment', () => {
    const d = dp([['linkDown', 'node-03:eth0']]);
    expect(trace(d, 'pod-a', 'pod-b').disposition).toBe('NEIGHBOR_UNREACHABLE');
    expect(exec(d, 'node-03', 'ip route')).not.toContain('eth0');
  });

  it('a deleted route disappears', () => {
    const d = dp([['routeDel', 'node-02:10.244.2.0/24']]);
    expect(exec(d, 'node-02', 'ip route')).not.toContain('10.244.2.0/24');
    const t = trace(d, 'pod-a', 'pod-b');
    // The default route takes over: to the underlay router, which knows no pod networks.
    expect(t.disposition).toBe('NO_ROUTE');
  });

  it('a deleted iptables rule disappears', () => {
    const before = exec(dp([]), 'node-02', 'iptables -t nat -S FLANNEL-POSTRTG').split('\n');
    const after = exec(dp([['ruleDel', 'node-02:nat:FLANNEL-POSTRTG:1']]), 'node-02', 'iptables -t nat -S FLANNEL-POSTRTG').split('\n');
    expect(after).toEqual([before[0], ...before.slice(2)]);
  });

  it('a not-ready pod is marked in the model and still answers directly', () => {
    const d = dp([['notReady', 'pod-b']]);
    expect(d.cluster.podByKey.get('default/pod-b')!.spec.ready).toBe(false);
    expect(trace(d, 'pod-a', 'pod-b').disposition).toBe('DELIVERED');
  });

  it("--not-ready resolves pod names as trace and --link-down do: the cluster's own CoreDNS pods, with or without a namespace", () => {
    const dns = dp([]).cluster.pods.find((p) => p.namespace === 'kube-system')!;
    for (const name of [dns.key, dns.name]) {
      const d = dp([['notReady', name]]);
      expect(d.cluster.podByKey.get(dns.key)!.spec.ready, name).toBe(false);
      const endpoints = d.cluster.serviceByKey.get('kube-system/kube-dns')!.addresses();
      expect(endpoints.find((e) => e.pod?.key === dns.key)?.ready, name).toBe(false);
      expect(trace(d, 'pod-a', dns.key).disposition).toBe('DELIVERED');
    }
    // The same name, the same pod, for a link fault.
    expect(dp([['linkDown', `${dns.key}:eth0`]])).toBeDefined();
  });

  it('mistakes are diagnostics naming the option, with a did-you-mean', () => {
    const cases: [[FaultKind, string], string, string | undefined][] = [
      [['fail', 'node-3'], 'no node named "node-3"', "did you mean 'node-03'?"],
      [['linkDown', 'node-02:eth9'], 'node-02 has no device eth9', "did you mean 'eth0'?"],
      [['linkDown', 'node-02'], '--link-down takes TARGET:DEV, not "node-02"', 'write TARGET:DEV, e.g. node-02:eth0 or pod-a:eth0'],
      [['routeDel', 'node-02:10.244.9.0/24'], 'node-02 has no route to 10.244.9.0/24 in table main', "did you mean '10.244.0.0/24'?"],
      [
        ['ruleDel', 'node-02:nat:FLANNEL-POSTRTG:99'],
        expect.stringContaining('has 6 rules, so there is no rule 99') as unknown as string,
        undefined,
      ],
      [['ruleDel', 'node-02:nta:FLANNEL-POSTRTG:1'], '--rule-del: "nta" is not an iptables table', "did you mean 'nat'?"],
      [['notReady', 'pod-bb'], 'no pod named "pod-bb"', "did you mean 'pod-b'?"],
      [['linkDown', 'pod-x:eth0'], 'no node or pod named "pod-x"', "did you mean 'pod-a'?"],
    ];
    for (const [fault, message, hint] of cases) {
      const v = build([fault]);
      expect(v.dataplane).toBeUndefined();
      const errors = v.diagnostics.filter((d) => d.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ message, file: `${FAULT_OPTIONS[fault[0]]} ${fault[1]}`, ...(hint ? { hint } : {}) });
    }
  });

  it('faults in the file apply, and their mistakes point at the line', () => {
    const text = DEFAULT.replace(
      'networkPolicies: []',
      'networkPolicies: []\nfaults:\n  - {fail: node-03}\n  - {linkDown: "node-02:eth7"}',
    );
    const v = buildVariant(text, 'f.yaml', { sets: [], faults: [] });
    const error = v.diagnostics.find((d) => d.severity === 'error')!;
    expect(error).toMatchObject({ code: 'NL-FAULT-DEVICE', file: 'f.yaml', line: 48, col: 16 });
    const ok = buildVariant(DEFAULT.replace('networkPolicies: []', 'networkPolicies: []\nfaults:\n  - {fail: node-03}'), 'f.yaml', {
      sets: [],
      faults: [],
    });
    expect(trace(ok.dataplane!, 'pod-a', 'pod-b').disposition).toBe('NEIGHBOR_UNREACHABLE');
  });
});

describe('--set through the whole load', () => {
  it('a value the schema rejects names the --set', () => {
    const v = buildVariant(DEFAULT, 'labs/default.yaml', { sets: ['network.cni.backend=hostgw'], faults: [] });
    expect(v.diagnostics).toEqual([
      expect.objectContaining({ code: 'NL-SCHEMA-ENUM', file: '--set network.cni.backend=hostgw', hint: "did you mean 'host-gw'?" }),
    ]);
    expect(v.diagnostics[0]!.line).toBeUndefined();
  });

  it('a subnet that does not exist names the --set', () => {
    const v = buildVariant(DEFAULT, 'labs/default.yaml', { sets: ['nodes.node-03.subnet=rack-2'], faults: [] });
    expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([
      expect.objectContaining({ code: 'NL-UNKNOWN-SUBNET', file: '--set nodes.node-03.subnet=rack-2' }),
    ]);
  });

  it('an unknown path stops before validation', () => {
    const v = buildVariant(DEFAULT, 'labs/default.yaml', { sets: ['network.cni.bakend=host-gw'], faults: [] });
    expect(v.diagnostics).toEqual([
      {
        code: 'NL-SET-PATH',
        severity: 'error',
        message: "network.cni has no field 'bakend'",
        file: '--set network.cni.bakend=host-gw',
        hint: "did you mean 'backend'?",
      },
    ]);
  });

  it('a good --set changes the build', () => {
    const v = buildVariant(DEFAULT, 'labs/default.yaml', { sets: ['network.cni.backend=host-gw'], faults: [] });
    const t = trace(v.dataplane!, 'pod-a', 'pod-b');
    expect(t.disposition).toBe('DELIVERED');
    expect(t.hops.some((h) => h.steps.some((s) => s.kind === 'encap'))).toBe(false);
  });
});

describe('--set next to written values', () => {
  it('a written key the edit made wrong keeps its line and names the edit', () => {
    const v = buildVariant(DEFAULT, 'labs/default.yaml', { sets: ['network.cni.plugin=calico'], faults: [] });
    expect(v.diagnostics[0]).toMatchObject({
      code: 'NL-SCHEMA-UNKNOWN-KEY',
      file: 'labs/default.yaml',
      line: 11,
      message: "unknown field 'backend' in network.cni (after --set network.cni.plugin=calico)",
    });
  });
});
