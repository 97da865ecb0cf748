/** Shared test plumbing: YAML text or a lab file in, cluster and dataplane out. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { buildDataplane, type Dataplane } from '../src/dataplane/build.js';
import { buildCluster } from '../src/model/cluster.js';
import type { Cluster } from '../src/model/types.js';
import { loadTopology } from '../src/topology/load.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function readRepoFile(path: string): string {
  return readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
}

export interface Built {
  readonly cluster: Cluster;
  readonly dataplane: Dataplane;
  readonly diagnostics: Diagnostic[];
}

/** Loads YAML text through the whole pipeline; fails the test on any error. */
export function buildFromText(text: string, file = 'test.yaml'): Built {
  const loaded = loadTopology(text, file);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, 'topology errors').toEqual([]);
  const clustered = buildCluster(loaded.topology!);
  expect(
    clustered.diagnostics.filter((d) => d.severity === 'error'),
    'allocation errors',
  ).toEqual([]);
  const built = buildDataplane(clustered.cluster!);
  expect(built.dataplane, 'dataplane').toBeDefined();
  return {
    cluster: clustered.cluster!,
    dataplane: built.dataplane!,
    diagnostics: [...loaded.diagnostics, ...clustered.diagnostics, ...built.diagnostics],
  };
}

export function buildLab(path: string): Built {
  return buildFromText(readRepoFile(path), path);
}

/** The diagnostics of allocation alone (topology must load cleanly). */
export function allocationDiagnostics(text: string): Diagnostic[] {
  const loaded = loadTopology(text, 'test.yaml');
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return buildCluster(loaded.topology!).diagnostics;
}

/** The default underlay of the small YAML clusters (flannelYaml, calicoYaml): one subnet, two nodes on it. */
export const RACK_1 = '  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}';
export const TWO_NODES_ON_RACK_1 = `  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}`;

/** A small flannel cluster in YAML with the given backend and extra settings. */
export function flannelYaml(
  options: { backend?: string; directRouting?: boolean; nodes?: string; pods?: string; subnets?: string } = {},
): string {
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: t}
network:
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: flannel, backend: ${options.backend ?? 'vxlan'}${options.directRouting ? ', directRouting: true' : ''}}
  kubeProxy: {mode: iptables}
  dns: {coreDNS: false}   # these labs are about IPAM and the CNI: no CoreDNS pods among theirs
subnets:
${options.subnets ?? RACK_1}
nodes:
${options.nodes ?? TWO_NODES_ON_RACK_1}
pods:
${
  options.pods ??
  `  - {name: pod-a, node: node-01, containers: [{name: app}]}
  - {name: pod-b, node: node-02, containers: [{name: app}]}`
}
`;
}
