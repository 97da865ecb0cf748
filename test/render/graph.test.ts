/** netlab graph and trace --format mermaid|dot: exact, deterministic text for a small topology. */
import { describe, expect, it } from 'vitest';
import { resolveTraceEndpoint } from '../../src/dataplane/endpoints.js';
import { tracePacket } from '../../src/dataplane/probes.js';
import { renderDot } from '../../src/views/graph-dot.js';
import { renderMermaid } from '../../src/views/graph-mermaid.js';
import { graphId, topologyGraph, traceGraph } from '../../src/views/graph.js';
import { runCli } from '../cli/run-cli.js';
import { buildFromText, flannelYaml } from '../helpers.js';

const { dataplane } = buildFromText(flannelYaml());

function trace(size?: number) {
  return tracePacket(
    dataplane,
    resolveTraceEndpoint(dataplane, 'pod-a'),
    resolveTraceEndpoint(dataplane, 'pod-b'),
    size !== undefined ? { size } : {},
    false,
  ).request;
}

describe('netlab graph', () => {
  it('mermaid', () => {
    expect(renderMermaid(topologyGraph(dataplane))).toEqual([
      '%% t',
      'flowchart LR',
      '  router(("router"))',
      '  subnet__rack_1(["rack-1<br/>10.234.2.0/24<br/>mtu 1500"])',
      '  subgraph node__node_01["node-01 (10.234.2.11)"]',
      '    node_01__eth0["eth0<br/>10.234.2.11/24"]',
      '    node_01__flannel_1[/"flannel.1<br/>vxlan 1 udp/8472<br/>mtu 1450"/]',
      '    node_01__cni0["cni0<br/>10.244.0.1/24<br/>mtu 1450"]',
      '    pod__default__pod_a("pod-a<br/>10.244.0.2")',
      '  end',
      '  subgraph node__node_02["node-02 (10.234.2.12)"]',
      '    node_02__eth0["eth0<br/>10.234.2.12/24"]',
      '    node_02__flannel_1[/"flannel.1<br/>vxlan 1 udp/8472<br/>mtu 1450"/]',
      '    node_02__cni0["cni0<br/>10.244.1.1/24<br/>mtu 1450"]',
      '    pod__default__pod_b("pod-b<br/>10.244.1.2")',
      '  end',
      '  router ---|"10.234.2.254"| subnet__rack_1',
      '  node_01__eth0 --- subnet__rack_1',
      '  node_01__flannel_1 -.-|"encap"| node_01__eth0',
      '  node_01__cni0 ---|"routed"| node_01__eth0',
      '  pod__default__pod_a ---|"vethb5b264f0"| node_01__cni0',
      '  node_02__eth0 --- subnet__rack_1',
      '  node_02__flannel_1 -.-|"encap"| node_02__eth0',
      '  node_02__cni0 ---|"routed"| node_02__eth0',
      '  pod__default__pod_b ---|"veth86d0033d"| node_02__cni0',
    ]);
  });

  it('dot', () => {
    expect(renderDot(topologyGraph(dataplane))).toEqual([
      'graph netlab {',
      '  label="t";',
      '  labelloc=t;',
      '  rankdir=LR;',
      '  node [fontname="Helvetica", fontsize=10];',
      '  edge [fontname="Helvetica", fontsize=9];',
      '  router [label="router", shape=circle];',
      '  subnet__rack_1 [label="rack-1\\n10.234.2.0/24\\nmtu 1500", shape=box, style=rounded];',
      '  subgraph cluster_node__node_01 {',
      '    label="node-01 (10.234.2.11)";',
      '    node_01__eth0 [label="eth0\\n10.234.2.11/24", shape=box];',
      '    node_01__flannel_1 [label="flannel.1\\nvxlan 1 udp/8472\\nmtu 1450", shape=parallelogram, style=dashed];',
      '    node_01__cni0 [label="cni0\\n10.244.0.1/24\\nmtu 1450", shape=box, style=filled, fillcolor="#e8eef7"];',
      '    pod__default__pod_a [label="pod-a\\n10.244.0.2", shape=box, style="rounded,filled", fillcolor="#fff4d6"];',
      '  }',
      '  subgraph cluster_node__node_02 {',
      '    label="node-02 (10.234.2.12)";',
      '    node_02__eth0 [label="eth0\\n10.234.2.12/24", shape=box];',
      '    node_02__flannel_1 [label="flannel.1\\nvxlan 1 udp/8472\\nmtu 1450", shape=parallelogram, style=dashed];',
      '    node_02__cni0 [label="cni0\\n10.244.1.1/24\\nmtu 1450", shape=box, style=filled, fillcolor="#e8eef7"];',
      '    pod__default__pod_b [label="pod-b\\n10.244.1.2", shape=box, style="rounded,filled", fillcolor="#fff4d6"];',
      '  }',
      '  router -- subnet__rack_1 [label="10.234.2.254"];',
      '  node_01__eth0 -- subnet__rack_1;',
      '  node_01__flannel_1 -- node_01__eth0 [label="encap", style=dashed];',
      '  node_01__cni0 -- node_01__eth0 [label="routed"];',
      '  pod__default__pod_a -- node_01__cni0 [label="vethb5b264f0"];',
      '  node_02__eth0 -- subnet__rack_1;',
      '  node_02__flannel_1 -- node_02__eth0 [label="encap", style=dashed];',
      '  node_02__cni0 -- node_02__eth0 [label="routed"];',
      '  pod__default__pod_b -- node_02__cni0 [label="veth86d0033d"];',
      '}',
    ]);
  });

  it('host-gw has no tunnel box', () => {
    const { dataplane: hostGw } = buildFromText(flannelYaml({ backend: 'host-gw' }));
    expect(renderMermaid(topologyGraph(hostGw)).some((l) => l.includes('flannel'))).toBe(false);
  });

  it('ids are safe in both languages', () => {
    expect(graphId('10-0-0-1', 'eth0')).toBe('_10_0_0_1__eth0');
    expect(graphId('end')).toBe('_end');
    expect(graphId('pod', 'default', 'web.v1')).toBe('pod__default__web_v1');
  });

  it('the CLI prints it; -o json is the graph as data', async () => {
    const run = await runCli(['graph', '--format', 'dot']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('graph netlab {\n')).toBe(true);
    const json = JSON.parse((await runCli(['graph', '-o', 'json'])).stdout);
    expect(json.groups.map((g: { label: string }) => g.label)).toContain('node-02 (10.234.2.12)');
  });
});

describe('trace --format mermaid|dot', () => {
  it('a delivered walk, hop by hop with the key decisions', () => {
    expect(renderDot(traceGraph(trace()))).toEqual([
      'digraph netlab {',
      '  label="pod-a (10.244.0.2) → pod-b (10.244.1.2) icmp";',
      '  labelloc=t;',
      '  rankdir=TB;',
      '  node [fontname="Helvetica", fontsize=10];',
      '  edge [fontname="Helvetica", fontsize=9];',
      '  hop1 [label="1. default/pod-a\\nroute 10.244.0.0/16 via 10.244.0.1 dev eth0", shape=box];',
      '  hop2 [label="2. node-01\\nbridge cni0 → host\\nroute 10.244.1.0/24 via 10.244.1.0 dev flannel.1\\nttl 64→63\\nvxlan encap → 10.234.2.12:8472\\nroute 10.234.2.0/24 dev eth0", shape=box];',
      '  hop3 [label="3. underlay rack-1\\nswitch → node-02 eth0", shape=box];',
      '  hop4 [label="4. node-02\\nlocal delivery\\nvxlan decap (flannel.1)\\nroute 10.244.1.0/24 dev cni0\\nttl 63→62\\nbridge cni0 → veth86d0033d", shape=box];',
      '  hop5 [label="5. default/pod-b\\nlocal delivery", shape=box];',
      '  result [label="DELIVERED", shape=octagon, style=filled, fillcolor="#d4edda"];',
      '  hop1 -> hop2 [label="eth0 → vethb5b264f0"];',
      '  hop2 -> hop3 [label="flannel.1 → eth0", style=dashed];',
      '  hop3 -> hop4 [label="eth0", style=dashed];',
      '  hop4 -> hop5 [label="cni0 → eth0"];',
      '  hop5 -> result;',
      '}',
    ]);
  });

  it('a dropped walk ends in a red box with the reason', () => {
    expect(renderMermaid(traceGraph(trace(1423)))).toEqual([
      '%% pod-a (10.244.0.2) → pod-b (10.244.1.2) icmp',
      'flowchart TD',
      '  hop1["1. default/pod-a<br/>route 10.244.0.0/16 via 10.244.0.1 dev eth0<br/>mtu 1450: too big"]',
      '  result{{"MTU_EXCEEDED<br/>1451-byte packet with DF set does not fit eth0 (mtu 1450): message too long"}}',
      '  hop1 --> result',
      '  classDef delivered fill:#d4edda,stroke:#2e7d32',
      '  classDef dropped fill:#f8d7da,stroke:#c62828',
      '  class result dropped',
    ]);
  });

  it('the CLI: exit codes as for the table', async () => {
    const ok = await runCli(['trace', 'pod-a', 'pod-b', '--format', 'mermaid']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('flowchart TD\n');
    const dropped = await runCli(['trace', 'pod-a', 'pod-b', '--format', 'dot', '--size', '1423']);
    expect(dropped.code).toBe(1);
    expect(dropped.stdout).toContain('result [label="MTU_EXCEEDED');
  });
});

describe('netlab graph with a routed CNI', () => {
  it('calico pods hang off the node by their cali veth, routed', () => {
    const { dataplane: calico } = buildFromText(
      flannelYaml().replace('cni: {plugin: flannel, backend: vxlan}', 'cni: {plugin: calico, mode: bgp}'),
    );
    const lines = renderMermaid(topologyGraph(calico));
    expect(lines.filter((l) => l.includes('pod__default__pod_a ---'))).toEqual([
      expect.stringMatching(/^ {2}pod__default__pod_a ---\|"cali[0-9a-f]{11}, routed"\| node_01__eth0$/),
    ]);
  });
});

describe('netlab graph with services', () => {
  it('a service box per service, dashed to the ready pods behind it', async () => {
    const run = await runCli(['graph', '--set', 'services.default/web.clusterIP=10.96.100.100', '--not-ready', 'pod-b']);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('  svc__default__web("svc/web<br/>NodePort 10.96.100.100<br/>80/tcp nodePort 30080")');
    expect(lines).toContain('  svc__default__web -.-|"80"| pod__default__pod_a');
    expect(lines.some((l) => l.startsWith('  svc__default__web -.-|"80"| pod__default__pod_b'))).toBe(false);
  });
});
