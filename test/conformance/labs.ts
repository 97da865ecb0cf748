/**
 * The labs the conformance suite builds for real: the default lab, the
 * golden flannel labs (one per backend, host-gw across two subnets,
 * DirectRouting with a node behind the router), and seeded random
 * topologies. A random case is a YAML text, so a failure can be reproduced
 * with `netlab -f` on the printed file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/net/hash.js';

export interface LabSource {
  /** Short, unique: the test names carry it. */
  readonly name: string;
  readonly file: string;
  readonly yaml: string;
}

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export const FIXED_LABS: readonly string[] = [
  'labs/default.yaml',
  'test/golden/flannel-hostgw-2subnets/topology.yaml',
  'test/golden/flannel-udp/topology.yaml',
  'test/golden/flannel-directrouting/topology.yaml',
  'test/golden/calico-bgp/topology.yaml',
  'test/golden/calico-vxlan/topology.yaml',
];

export function fixedLabs(): LabSource[] {
  return FIXED_LABS.map((file) => ({
    name: file === 'labs/default.yaml' ? 'default' : file.split('/').slice(-2, -1)[0]!,
    file,
    yaml: readFileSync(repo(file), 'utf8'),
  }));
}

/** kube-proxy modes the services lab runs in; a mode this kernel cannot run is skipped by the suite, with the reason. */
export const SERVICE_PROXY_MODES = ['iptables', 'ipvs', 'nftables', 'userspace'] as const;
export type ServiceProxyMode = (typeof SERVICE_PROXY_MODES)[number];

/** CNI backends the services lab runs on: where a backend decides the source a remote endpoint sees (flannel.1's address or the node's). */
const SERVICE_BACKENDS = [
  { label: 'vxlan', cni: '{plugin: flannel, backend: vxlan}' },
  { label: 'host-gw', cni: '{plugin: flannel, backend: host-gw}' },
] as const;

/**
 * test/conformance/services.yaml once per backend and kube-proxy mode: the
 * cni and kubeProxy lines replaced, and the name, so each lab has its own.
 */
export function servicesLabs(modes: readonly ServiceProxyMode[] = SERVICE_PROXY_MODES): LabSource[] {
  const file = 'test/conformance/services.yaml';
  const yaml = readFileSync(repo(file), 'utf8');
  return modes.flatMap((mode) =>
    SERVICE_BACKENDS.map((backend) => {
      const name = `services-${backend.label}-${mode}`;
      const text = yaml
        .replace(/^metadata: \{name: services\}$/m, `metadata: {name: ${name}}`)
        .replace(/^  cni: .*$/m, `  cni: ${backend.cni}`)
        .replace(/^  kubeProxy: .*$/m, `  kubeProxy: {mode: ${mode}}`);
      return { name, file: `${file} (${backend.label}, kube-proxy ${mode})`, yaml: text };
    }),
  );
}

/** src/net/hash.ts's mulberry32 as a fraction in [0, 1): seedable, the same sequence everywhere. */
function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Every backend in turn (calico ipip needs the ipip module: skipped, with that reason, where it is missing). */
const BACKENDS = [
  { label: 'vxlan', cni: '{plugin: flannel, backend: vxlan}' },
  { label: 'calico-ipip', cni: '{plugin: calico, mode: ipip}' },
  { label: 'host-gw', cni: '{plugin: flannel, backend: host-gw}' },
  { label: 'calico-bgp', cni: '{plugin: calico, mode: bgp}' },
  { label: 'udp', cni: '{plugin: flannel, backend: udp}' },
  { label: 'calico-vxlan', cni: '{plugin: calico, mode: vxlan, crossSubnet: true}' },
  { label: 'directrouting', cni: '{plugin: flannel, backend: vxlan, directRouting: true}' },
] as const;

/** One full turn of the backends: what CI runs by default. */
export const DEFAULT_CASES = BACKENDS.length;

/**
 * Random case `index` of `seed`: 1 to 3 subnets (each with a router
 * gateway, now and then without one or with another MTU), 1 to 5 nodes
 * spread over them, 0 to 3 pods per node (now and then one with
 * hostNetwork or in another namespace). The backend cycles with the index,
 * so any DEFAULT_CASES consecutive cases cover every backend.
 */
export function randomLab(seed: number, index: number): LabSource {
  const next = rng(seed * 1_000_003 + index);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const backend = BACKENDS[index % BACKENDS.length]!;
  const subnetCount = int(1, 3);
  const subnets = Array.from({ length: subnetCount }, (_, k) => {
    const gateway = next() < 0.9 || subnetCount === 1;
    const mtu = next() < 0.8 ? 1500 : [1400, 9000][int(0, 1)]!;
    return { name: `net-${k + 1}`, cidr: `10.${30 + k}.${k}.0/24`, prefix: `10.${30 + k}.${k}`, gateway, mtu };
  });
  const nodeCount = int(1, 5);
  const lines = [
    'apiVersion: netlab/v1',
    'kind: Cluster',
    `metadata: {name: random-${seed}-${index}}`,
    'network:',
    '  podCIDR: 10.244.0.0/16',
    '  serviceCIDR: 10.96.0.0/12',
    `  cni: ${backend.cni}`,
    '  kubeProxy: {mode: iptables}',
    'subnets:',
    ...subnets.map((s) => `  - {name: ${s.name}, cidr: ${s.cidr}${s.gateway ? `, gateway: ${s.prefix}.254` : ''}, mtu: ${s.mtu}}`),
    'nodes:',
  ];
  const hostCount = new Map<string, number>();
  const nodes: string[] = [];
  for (let n = 1; n <= nodeCount; n++) {
    const subnet = subnets[int(0, subnets.length - 1)]!;
    const host = (hostCount.get(subnet.name) ?? 10) + 1;
    hostCount.set(subnet.name, host);
    const name = `node-${n}`;
    nodes.push(name);
    lines.push(`  - {name: ${name}, ip: ${subnet.prefix}.${host}, subnet: ${subnet.name}}`);
  }
  lines.push('pods:');
  let pods = 0;
  for (const node of nodes) {
    const count = int(0, 3);
    for (let p = 1; p <= count; p++) {
      pods++;
      const namespace = next() < 0.2 ? 'team-a' : 'default';
      const hostNetwork = next() < 0.1 ? ', hostNetwork: true' : '';
      lines.push(`  - {name: p${pods}-${node}, namespace: ${namespace}, node: ${node}${hostNetwork}, containers: [{name: app}]}`);
    }
  }
  if (pods === 0) lines[lines.length - 1] = 'pods: []';
  if (lines.some((l) => l.includes('namespace: team-a'))) lines.push('namespaces: [{name: team-a}]');
  return { name: `random-${seed}-${index}-${backend.label}`, file: `random case ${index} of seed ${seed}`, yaml: lines.join('\n') + '\n' };
}
