/**
 * deployments and deploymentSets -> pods.
 *
 * Placement: each replica goes to the next eligible node, round-robin.
 * Eligible nodes are workers (and control-plane nodes when the template
 * tolerates them) whose labels match the nodeSelector, in node order. The
 * round-robin position is shared by every template with the same
 * eligibility and carries on from one deployment to the next, so 10,000
 * deployments of 15 replicas spread 30 pods on each of 5,000 nodes (as the
 * scheduler's spreading would) rather than piling onto the first 15 nodes.
 */
import { Code } from '../codes.js';
import { didYouMean } from '../../diagnostics/did-you-mean.js';
import type { DocumentDeployment, DocumentDeploymentSet, DocumentPodTemplate, Labels } from '../document.js';
import { error, type Finding } from '../finding.js';
import type { NodeSpec, PodSpec } from '../types.js';
import { invalidGeneratedName } from './generated-names.js';
import { compileLabelsTemplate, compileTemplate } from './name-pattern.js';
import { canonicalJson, podTemplateHash, replicaNames, type PodNameRegistry } from './pod-names.js';
import { DEFAULT_NAMESPACE, normaliseContainers } from './workloads.js';

class RoundRobinPlacement {
  private readonly eligible = new Map<string, readonly NodeSpec[]>();
  private readonly cursor = new Map<string, number>();

  constructor(readonly nodes: readonly NodeSpec[]) {}

  /** The nodes for `count` replicas, or undefined when no node is eligible. */
  place(template: DocumentPodTemplate, count: number): NodeSpec[] | undefined {
    const key = `${template.tolerateControlPlane === true}|${canonicalJson(template.nodeSelector ?? {})}`;
    let nodes = this.eligible.get(key);
    if (nodes === undefined) {
      nodes = this.nodes.filter((node) => isEligible(node, template));
      this.eligible.set(key, nodes);
    }
    if (nodes.length === 0) return count === 0 ? [] : undefined;
    let at = this.cursor.get(key) ?? 0;
    const placed: NodeSpec[] = new Array(count);
    for (let i = 0; i < count; i++) {
      placed[i] = nodes[at]!;
      at = at + 1 === nodes.length ? 0 : at + 1;
    }
    this.cursor.set(key, at);
    return placed;
  }
}

function isEligible(node: NodeSpec, template: DocumentPodTemplate): boolean {
  if (node.role === 'control-plane' && template.tolerateControlPlane !== true) return false;
  for (const [key, value] of Object.entries(template.nodeSelector ?? {})) {
    if (node.labels[key] !== value) return false;
  }
  return true;
}

interface Expansion {
  readonly pods: PodSpec[];
  readonly findings: Finding[];
}

export function deploymentPods(
  deployments: readonly DocumentDeployment[],
  sets: readonly DocumentDeploymentSet[],
  nodes: readonly NodeSpec[],
  taken: PodNameRegistry,
): Expansion {
  const placement = new RoundRobinPlacement(nodes);
  const pods: PodSpec[] = [];
  const findings: Finding[] = [];
  // A cluster without nodes is reported once (NL-NO-NODES), not per deployment.
  if (nodes.length === 0) return { pods, findings };

  deployments.forEach((deployment, i) => {
    const path = ['deployments', i];
    const labels = deployment.labels ?? { app: deployment.name };
    const problem = expand(deployment.name, labels, deployment, path, placement, taken, pods);
    if (problem) findings.push(problem);
  });

  sets.forEach((set, i) => {
    const path = ['deploymentSets', i];
    const name = compileTemplate(set.namePattern);
    const labels = set.labels === undefined ? undefined : compileLabelsTemplate(set.labels);
    const start = set.startIndex ?? 1;
    const invalid = invalidGeneratedName({
      count: set.count,
      start,
      name,
      nameRule: 'dnsLabel',
      nameField: 'namePattern',
      labels,
      labelsField: 'labels',
      path,
    });
    if (invalid) {
      findings.push(invalid);
      return;
    }
    for (let k = 0; k < set.count; k++) {
      const deploymentName = name(start + k);
      const problem = expand(deploymentName, labels ? labels(start + k) : { app: deploymentName }, set, path, placement, taken, pods);
      if (problem) {
        findings.push(problem);
        return; // the next deployments of the set would fail the same way
      }
    }
  });
  return { pods, findings };
}

function expand(
  name: string,
  labels: Labels,
  template: DocumentPodTemplate,
  path: (string | number)[],
  placement: RoundRobinPlacement,
  taken: PodNameRegistry,
  pods: PodSpec[],
): Finding | undefined {
  const replicas = template.replicas ?? 1;
  const namespace = template.namespace ?? DEFAULT_NAMESPACE;
  const containers = normaliseContainers(template.containers);
  const hostNetwork = template.hostNetwork ?? false;
  const hash = podTemplateHash(
    canonicalJson({
      labels,
      containers,
      hostNetwork,
      nodeSelector: template.nodeSelector,
      tolerateControlPlane: template.tolerateControlPlane,
    }),
  );
  const nodes = placement.place(template, replicas);
  if (nodes === undefined) return unschedulable(name, replicas, template, path, placement);
  const replicaSet = `${name}-${hash}`;
  const podNames = replicaNames(namespace, replicaSet, replicas, taken);
  // One labels object and one owner per deployment, shared by its replicas:
  // 150,000 pods must not mean 150,000 copies.
  const podLabels: Labels = Object.freeze({ ...labels, 'pod-template-hash': hash });
  const owner = Object.freeze({ kind: 'ReplicaSet' as const, name: replicaSet, deployment: name });
  for (let r = 0; r < replicas; r++) {
    pods.push({
      source: path,
      name: podNames[r]!,
      namespace,
      node: nodes[r]!.name,
      labels: podLabels,
      containers,
      hostNetwork,
      ready: true,
      terminating: false,
      owner,
    });
  }
  return undefined;
}

function unschedulable(
  name: string,
  replicas: number,
  template: DocumentPodTemplate,
  path: (string | number)[],
  placement: RoundRobinPlacement,
): Finding {
  const nodes = placement.nodes;
  const message = `deployment '${name}' has ${replicas} replica${replicas === 1 ? '' : 's'} but no node can run ${replicas === 1 ? 'it' : 'them'}`;
  for (const [key, value] of Object.entries(template.nodeSelector ?? {})) {
    const candidates = nodes.filter((node) => template.tolerateControlPlane === true || node.role !== 'control-plane');
    if (candidates.some((node) => node.labels[key] === value)) continue;
    const values = [...new Set(candidates.map((node) => node.labels[key]).filter((v): v is string => v !== undefined))];
    const suggestion = didYouMean(value, values);
    return error(Code.NoSchedulableNodes, message, [...path, 'nodeSelector', key], {
      hint: `no ${template.tolerateControlPlane === true ? '' : 'worker '}node has the label ${key}=${value}${
        suggestion
          ? `; ${suggestion}`
          : values.length > 0
            ? `; nodes have ${values
                .slice(0, 5)
                .map((v) => `${key}=${v}`)
                .join(', ')}`
            : ''
      }`,
    });
  }
  if (template.nodeSelector !== undefined && Object.keys(template.nodeSelector).length > 1) {
    return error(Code.NoSchedulableNodes, message, [...path, 'nodeSelector'], {
      hint: 'no single node has all the labels of nodeSelector',
    });
  }
  return error(Code.NoSchedulableNodes, message, path, {
    hint: 'every node is a control-plane node: add workers, or set tolerateControlPlane: true',
  });
}
