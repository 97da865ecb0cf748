import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/topology/load.js';
import { MINIMAL } from './helpers.js';

const load = (extra: string, base = MINIMAL) => loadTopology(base + extra, 'n.yaml');

describe('normalisation', () => {
  it('lists default and kube-system first, then written namespaces, with kubernetes.io/metadata.name', () => {
    const { topology } = load('namespaces:\n  - {name: prod, labels: {team: a}}\n  - {name: default, labels: {env: dev}}\n');
    expect(topology!.namespaces).toEqual([
      { source: ['namespaces', 1], name: 'default', labels: { 'kubernetes.io/metadata.name': 'default', env: 'dev' } },
      { source: [], name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      { source: ['namespaces', 0], name: 'prod', labels: { 'kubernetes.io/metadata.name': 'prod', team: 'a' } },
    ]);
  });

  it('reports a namespace written twice, implicit ones included', () => {
    const { diagnostics } = load('namespaces:\n  - {name: default}\n  - {name: default}\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['NL-DUPLICATE-NAME', 10, 12, "namespace 'default' is defined twice"],
    ]);
  });

  it('gives a pod without containers one named app, and fills pod defaults', () => {
    const { topology } = load('pods:\n  - {name: p, node: node-1}\n');
    expect(topology!.pods[0]).toEqual({
      source: ['pods', 0],
      name: 'p',
      namespace: 'default',
      node: 'node-1',
      labels: {},
      containers: [{ name: 'app', ports: [] }],
      hostNetwork: false,
      ready: true,
      terminating: false,
    });
  });

  it.each([
    ['vxlan', 8472],
    ['udp', 8285],
    ['host-gw', 0],
  ])('gives flannel %s its port (%i)', (backend, port) => {
    const { topology } = load('', MINIMAL.replace('metadata: {name: t}\n', `metadata: {name: t}\nnetwork: {cni: {backend: ${backend}}}\n`));
    expect(topology!.network.cni).toEqual({ plugin: 'flannel', backend, directRouting: false, vni: 1, port, networkPolicy: 'none' });
  });

  it('keeps pinned identifiers and the service fields as written', () => {
    const { topology, diagnostics } = load(
      `pods:
  - {name: p, node: node-1, ip: 10.244.0.5, mac: "0e:00:00:00:00:01", hostVeth: {name: veth1234, mac: "0e:00:00:00:00:02"}, ready: false, terminating: true}
services:
  - name: s
    type: LoadBalancer
    clusterIP: 10.96.0.20
    externalIPs: [192.0.2.10]
    loadBalancerIP: 192.0.2.20
    sessionAffinity: ClientIP
    sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
    externalTrafficPolicy: Local
    internalTrafficPolicy: Local
    ports: [{name: dns, protocol: UDP, port: 53, targetPort: dns, nodePort: 30053}]
`,
    );
    expect(diagnostics).toEqual([]);
    expect(topology!.pods[0]).toMatchObject({
      ip: '10.244.0.5',
      mac: '0e:00:00:00:00:01',
      hostVeth: { name: 'veth1234', mac: '0e:00:00:00:00:02' },
      ready: false,
      terminating: true,
    });
    expect(topology!.services[0]).toEqual({
      source: ['services', 0],
      name: 's',
      namespace: 'default',
      type: 'LoadBalancer',
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeoutSeconds: 60,
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Local',
      ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns', nodePort: 30053 }],
      clusterIP: '10.96.0.20',
      externalIPs: ['192.0.2.10'],
      loadBalancerIP: '192.0.2.20',
      loadBalancerSourceRanges: [],
    });
  });

  it('returns the topology with warnings, and none with errors', () => {
    const warned = load('networkPolicies:\n  - {name: p, spec: {podSelector: {}}}\n');
    expect(warned.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(warned.topology).toBeDefined();
    const failed = load('pods:\n  - {name: p, node: nowhere}\n');
    expect(failed.topology).toBeUndefined();
  });

  it('allows x- keys for YAML anchors at the top level', () => {
    expect(load('x-anything: {a: [1, 2]}\n').diagnostics).toEqual([]);
  });
});
