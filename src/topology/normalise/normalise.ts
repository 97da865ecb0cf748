/**
 * The validated document -> the normalised Topology: defaults filled in and
 * the compact forms expanded, in a deterministic order (explicit entries in
 * file order, then generated ones in generator order). Every entity's
 * `source` is the document path of its own entry or of its generator.
 *
 * Expansion problems (a pool that runs out of addresses, a deployment no node
 * can run) are findings; the rest of the topology is still built so the
 * semantic checks can report everything else in the same run.
 */
import { Code } from '../codes.js';
import type { TopologyDocument } from '../document.js';
import { error, type Finding } from '../finding.js';
import { MAX_NODES, MAX_PODS, MAX_SERVICES } from '../limits.js';
import type { FaultKind, FaultSpec, SubnetSpec, Topology } from '../types.js';
import { deploymentPods } from './deployments.js';
import { normaliseNetwork } from './network.js';
import { PodNameRegistry } from './pod-names.js';
import { explicitNodes, poolNodes } from './nodes.js';
import { serviceSetServices } from './service-sets.js';
import { explicitPods, explicitServices, normaliseNamespaces, normalisePolicies } from './workloads.js';

export interface Normalised {
  /** Absent only when a size limit stopped the expansion. */
  readonly topology?: Topology;
  readonly findings: Finding[];
}

export function normaliseDocument(doc: TopologyDocument): Normalised {
  const tooBig = checkSizeLimits(doc);
  if (tooBig.length > 0) return { findings: tooBig };
  const findings: Finding[] = [];

  const subnets: SubnetSpec[] = (doc.subnets ?? []).map((subnet, i) => ({
    source: ['subnets', i],
    name: subnet.name,
    cidr: subnet.cidr,
    ...(subnet.gateway !== undefined ? { gateway: subnet.gateway } : {}),
    mtu: subnet.mtu ?? 1500,
  }));

  const written = explicitNodes(doc.nodes ?? []);
  const nodes = [...written, ...poolNodes(doc.nodePools ?? [], doc.subnets ?? [], written, findings)];

  const pods = explicitPods(doc.pods ?? []);
  // Generated pod names avoid the written ones.
  const taken = new PodNameRegistry();
  for (const pod of pods) taken.add(pod.namespace, pod.name);
  const generatedPods = deploymentPods(doc.deployments ?? [], doc.deploymentSets ?? [], nodes, taken);
  findings.push(...generatedPods.findings);
  // push(...array) would overflow the stack with 150,000 pods.
  for (const pod of generatedPods.pods) pods.push(pod);

  const services = explicitServices(doc.services ?? []);
  const generatedServices = serviceSetServices(doc.serviceSets ?? []);
  findings.push(...generatedServices.findings);
  for (const service of generatedServices.services) services.push(service);

  const topology: Topology = {
    apiVersion: doc.apiVersion,
    kind: doc.kind,
    metadata: { name: doc.metadata.name, ...(doc.metadata.description !== undefined ? { description: doc.metadata.description } : {}) },
    network: normaliseNetwork(doc.network),
    subnets,
    nodes,
    namespaces: normaliseNamespaces(doc.namespaces ?? []),
    pods,
    services,
    networkPolicies: normalisePolicies(doc.networkPolicies ?? []),
    faults: normaliseFaults(doc.faults ?? []),
  };
  return { topology, findings };
}

/** Faults keep their text: src/whatif parses them against the built cluster. */
function normaliseFaults(faults: NonNullable<TopologyDocument['faults']>): FaultSpec[] {
  return faults.flatMap((fault, i) =>
    (Object.entries(fault) as [FaultKind, string][]).map(([kind, value]) => ({ source: ['faults', i, kind], kind, value })),
  );
}

/** Totals after expansion, computed before expanding anything. */
function checkSizeLimits(doc: TopologyDocument): Finding[] {
  const findings: Finding[] = [];
  const nodes = (doc.nodes?.length ?? 0) + sum(doc.nodePools, (p) => p.count);
  const pods =
    (doc.pods?.length ?? 0) + sum(doc.deployments, (d) => d.replicas ?? 1) + sum(doc.deploymentSets, (s) => s.count * (s.replicas ?? 1));
  const services = (doc.services?.length ?? 0) + sum(doc.serviceSets, (s) => s.count);
  const over = (what: string, total: number, limit: number, path: string): void => {
    if (total > limit) {
      findings.push(
        error(
          Code.LimitExceeded,
          `the cluster has ${total.toLocaleString('en-US')} ${what}; netlab handles up to ${limit.toLocaleString('en-US')}`,
          [path],
          {
            hint: "Kubernetes' own limits are 5,000 nodes, 150,000 pods and 10,000 services",
          },
        ),
      );
    }
  };
  over('nodes', nodes, MAX_NODES, doc.nodePools?.length ? 'nodePools' : 'nodes');
  over('pods', pods, MAX_PODS, doc.deploymentSets?.length ? 'deploymentSets' : doc.deployments?.length ? 'deployments' : 'pods');
  over('services', services, MAX_SERVICES, doc.serviceSets?.length ? 'serviceSets' : 'services');
  return findings;
}

function sum<T>(items: readonly T[] | undefined, value: (item: T) => number): number {
  return (items ?? []).reduce((total, item) => total + value(item), 0);
}
