import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/topology/load.js';
import { podTemplateHash, replicaNames, PodNameRegistry, safeEncode, SAFE_ALPHABET } from '../../src/topology/normalise/pod-names.js';
import { compileTemplate } from '../../src/topology/normalise/name-pattern.js';
import type { Topology } from '../../src/topology/types.js';

function load(text: string): Topology {
  const result = loadTopology(text, 'compact.yaml');
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.topology!;
}

const HEAD = `apiVersion: netlab/v1
kind: Cluster
metadata: {name: compact}
`;

describe('name patterns', () => {
  it('replace {index} and zero-pad {index:0N}', () => {
    expect(compileTemplate('node-{index}')(7)).toBe('node-7');
    expect(compileTemplate('node-{index:04}')(7)).toBe('node-0007');
    expect(compileTemplate('node-{index:02}')(1234)).toBe('node-1234');
    expect(compileTemplate('{index}-{index:03}')(5)).toBe('5-005');
    expect(compileTemplate('plain')(5)).toBe('plain');
  });
});

describe('node pools', () => {
  const text = `${HEAD}subnets:
  - {name: rack-1, cidr: 10.0.0.0/24, gateway: 10.0.0.3}
  - {name: rack-2, cidr: 10.0.1.0/24}
nodes:
  - {name: cp, ip: 10.0.0.2, subnet: rack-1, role: control-plane}
nodePools:
  - {name: a, count: 4, subnet: rack-1, labels: {zone: a}}
  - {name: b, count: 3, subnet: rack-2, namePattern: "worker-{index:03}", startIndex: 10, firstIP: 10.0.1.100, runtime: docker}
`;

  it('come after the written nodes, in pool order, with names from the pattern', () => {
    const t = load(text);
    expect(t.nodes.map((n) => n.name)).toEqual(['cp', 'a-1', 'a-2', 'a-3', 'a-4', 'worker-010', 'worker-011', 'worker-012']);
    expect(t.nodes.map((n) => n.source)).toEqual([['nodes', 0], ...Array(4).fill(['nodePools', 0]), ...Array(3).fill(['nodePools', 1])]);
  });

  it('take consecutive addresses, skipping the gateway and addresses other nodes have', () => {
    const t = load(text);
    // .1 is free, .2 is cp, .3 the gateway: then .4, .5, .6.
    expect(t.nodes.slice(1, 5).map((n) => n.ip)).toEqual(['10.0.0.1', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(t.nodes.slice(5).map((n) => n.ip)).toEqual(['10.0.1.100', '10.0.1.101', '10.0.1.102']);
  });

  it('give every node the pool settings and the kubelet labels', () => {
    const t = load(text);
    const a1 = t.nodes[1]!;
    expect(a1).toEqual({
      source: ['nodePools', 0],
      name: 'a-1',
      ip: '10.0.0.1',
      subnet: 'rack-1',
      role: 'worker',
      runtime: 'containerd',
      labels: { 'kubernetes.io/hostname': 'a-1', 'kubernetes.io/os': 'linux', zone: 'a' },
      pool: 'a',
    });
    expect(t.nodes[5]!.runtime).toBe('docker');
    expect(t.nodes[0]!.labels).toEqual({
      'kubernetes.io/hostname': 'cp',
      'kubernetes.io/os': 'linux',
      'node-role.kubernetes.io/control-plane': '',
    });
  });
});

describe('deployments', () => {
  const text = `${HEAD}subnets:
  - {name: rack-1, cidr: 10.0.0.0/24}
nodes:
  - {name: cp, ip: 10.0.0.1, subnet: rack-1, role: control-plane}
  - {name: w1, ip: 10.0.0.2, subnet: rack-1, labels: {disk: ssd}}
  - {name: w2, ip: 10.0.0.3, subnet: rack-1}
  - {name: w3, ip: 10.0.0.4, subnet: rack-1, labels: {disk: ssd}}
pods:
  - {name: hand-written, node: cp}
deployments:
  - {name: web, replicas: 4, containers: [{name: nginx, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]}
  - {name: db, replicas: 3, nodeSelector: {disk: ssd}}
  - {name: agent, replicas: 4, tolerateControlPlane: true, hostNetwork: true}
  - {name: cache, replicas: 2}
`;

  it('name pods <deployment>-<pod-template-hash>-<suffix> from the safe alphabet', () => {
    const t = load(text);
    const web = t.pods.filter((p) => p.owner?.deployment === 'web');
    expect(web).toHaveLength(4);
    for (const pod of web) {
      expect(pod.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.name.startsWith(`${pod.owner!.name}-`)).toBe(true);
      expect(pod.labels).toEqual({ app: 'web', 'pod-template-hash': pod.owner!.name.slice(4) });
    }
    expect(new Set(web.map((p) => p.name)).size).toBe(4);
  });

  it('come after the written pods, in deployment order, sourced to their deployment', () => {
    const t = load(text);
    expect(t.pods[0]!.name).toBe('hand-written');
    expect(t.pods.slice(1).map((p) => p.owner!.deployment)).toEqual([
      ...Array(4).fill('web'),
      ...Array(3).fill('db'),
      ...Array(4).fill('agent'),
      ...Array(2).fill('cache'),
    ]);
    expect(t.pods.slice(1).map((p) => p.source[1])).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
  });

  it('spread replicas round-robin over workers, continuing from one deployment to the next', () => {
    const t = load(text);
    const nodesOf = (name: string): string[] => t.pods.filter((p) => p.owner?.deployment === name).map((p) => p.node);
    expect(nodesOf('web')).toEqual(['w1', 'w2', 'w3', 'w1']);
    // Only ssd nodes, a round-robin of their own.
    expect(nodesOf('db')).toEqual(['w1', 'w3', 'w1']);
    // Control-plane nodes only when tolerated.
    expect(nodesOf('agent')).toEqual(['cp', 'w1', 'w2', 'w3']);
    // Same eligibility as web: carries on after web's last node (w1).
    expect(nodesOf('cache')).toEqual(['w2', 'w3']);
    expect(t.pods.filter((p) => p.owner?.deployment === 'agent').every((p) => p.hostNetwork)).toBe(true);
  });

  it('is deterministic', () => {
    expect(load(text)).toEqual(load(text));
  });

  it('keeps the names of existing replicas when replicas change', () => {
    const names = (replicas: number): string[] =>
      load(text.replace('{name: web, replicas: 4,', `{name: web, replicas: ${replicas},`))
        .pods.filter((p) => p.owner?.deployment === 'web')
        .map((p) => p.name);
    expect(names(6).slice(0, 4)).toEqual(names(4));
    expect(names(2)).toEqual(names(4).slice(0, 2));
  });

  it('changes the pod-template-hash when the template changes, as a rollout does', () => {
    const hash = (image: string): string =>
      load(text.replace('nginx:1.27', image)).pods.find((p) => p.owner?.deployment === 'web')!.owner!.name;
    expect(hash('nginx:1.27')).not.toBe(hash('nginx:1.28'));
  });
});

describe('pod names', () => {
  it('SafeEncodeString maps each digit through the alphabet by character code, as Kubernetes does', () => {
    // '0' is char 48, 48 % 27 = 21 -> '4'; '6' is 54 % 27 = 0 -> 'b'.
    expect(safeEncode('0123456789')).toBe('456789bcdf');
    expect(SAFE_ALPHABET).toHaveLength(27);
  });

  it('pod-template-hash is always ten characters', () => {
    for (let i = 0; i < 200; i++) expect(podTemplateHash(`template ${i}`)).toMatch(/^[456789bcdf]{10}$/);
  });

  it('draws again when a suffix is taken, so every name is unique', () => {
    const registry = new PodNameRegistry();
    const names = replicaNames('default', 'big-5d59d67564', 20000, registry);
    expect(new Set(names).size).toBe(20000);
    const again = replicaNames('default', 'big-5d59d67564', 5, registry);
    expect(again.some((n) => names.includes(n))).toBe(false);
  });

  it('avoids the names of written pods', () => {
    const first = replicaNames('default', 'web-5d59d67564', 1, new PodNameRegistry())[0]!;
    const registry = new PodNameRegistry();
    registry.add('default', first);
    expect(replicaNames('default', 'web-5d59d67564', 1, registry)[0]).not.toBe(first);
  });

  it('cuts the prefix to 58 characters, as names.SimpleNameGenerator does', () => {
    const long = `${'a'.repeat(60)}-5d59d67564`;
    const [name] = replicaNames('default', long, 1, new PodNameRegistry());
    expect(name).toHaveLength(63);
    expect(name!.slice(0, 58)).toBe(`${long}-`.slice(0, 58));
  });
});

describe('deployment sets and service sets', () => {
  const text = `${HEAD}subnets:
  - {name: rack-1, cidr: 10.0.0.0/24}
nodePools:
  - {name: node, count: 3, subnet: rack-1}
deploymentSets:
  - {namePattern: "app-{index:03}", count: 4, replicas: 2, labels: {app: "app-{index:03}", tier: backend}}
serviceSets:
  - namePattern: "svc-{index:03}"
    count: 4
    type: NodePort
    selector: {app: "app-{index:03}"}
    ports: [{name: http, port: 80, targetPort: 8080}]
`;

  it('stamp out deployments and services whose selectors pair them up', () => {
    const t = load(text);
    expect([...new Set(t.pods.map((p) => p.owner!.deployment))]).toEqual(['app-001', 'app-002', 'app-003', 'app-004']);
    expect(t.pods.map((p) => p.labels['app'])).toEqual([
      'app-001',
      'app-001',
      'app-002',
      'app-002',
      'app-003',
      'app-003',
      'app-004',
      'app-004',
    ]);
    expect(t.pods.every((p) => p.labels['tier'] === 'backend')).toBe(true);
    expect(t.services.map((s) => [s.name, s.selector, s.source])).toEqual([
      ['svc-001', { app: 'app-001' }, ['serviceSets', 0]],
      ['svc-002', { app: 'app-002' }, ['serviceSets', 0]],
      ['svc-003', { app: 'app-003' }, ['serviceSets', 0]],
      ['svc-004', { app: 'app-004' }, ['serviceSets', 0]],
    ]);
    expect(t.services[0]).toMatchObject({
      type: 'NodePort',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      externalIPs: [],
    });
    // 8 pods over 3 nodes, round-robin across the deployments.
    expect(t.pods.map((p) => p.node)).toEqual(['node-1', 'node-2', 'node-3', 'node-1', 'node-2', 'node-3', 'node-1', 'node-2']);
  });

  it('report a pattern that generates an invalid name at the pattern', () => {
    const result = loadTopology(text.replace('namePattern: "svc-{index:03}"', 'namePattern: "{index}-svc"'), 'sets.yaml');
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['NL-NAME-INVALID', 11, 18, "namePattern generates an invalid name '1-svc': it must start with a letter"],
    ]);
  });
});

describe("a cluster at Kubernetes' published limits", () => {
  it('is a few lines and expands to 5,000 nodes, 150,000 pods and 10,000 services', () => {
    const text = `${HEAD}network: {podCIDR: 10.128.0.0/9}
subnets:
  - {name: dc-a, cidr: 172.16.0.0/20, gateway: 172.16.15.254}
  - {name: dc-b, cidr: 172.16.16.0/20, gateway: 172.16.31.254}
nodePools:
  - {name: a, count: 2500, subnet: dc-a, namePattern: "node-{index:04}"}
  - {name: b, count: 2500, subnet: dc-b, namePattern: "node-{index:04}", startIndex: 2501}
deploymentSets:
  - {namePattern: "app-{index:05}", count: 10000, replicas: 15}
serviceSets:
  - {namePattern: "svc-{index:05}", count: 10000, selector: {app: "app-{index:05}"}, ports: [{port: 80}]}
`;
    const t = load(text);
    expect(t.nodes).toHaveLength(5000);
    expect(t.pods).toHaveLength(150000);
    expect(t.services).toHaveLength(10000);
    // The 2,500th host of 172.16.16.0/20 is the network address + 2,500.
    expect(t.nodes[4999]).toMatchObject({ name: 'node-5000', ip: '172.16.25.196', subnet: 'dc-b' });
    const perNode = new Map<string, number>();
    for (const pod of t.pods) perNode.set(pod.node, (perNode.get(pod.node) ?? 0) + 1);
    expect(new Set(perNode.values())).toEqual(new Set([30]));
  });
});
