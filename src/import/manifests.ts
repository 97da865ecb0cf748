/**
 * Manifests rather than a running cluster: objects as written for `kubectl
 * apply`, with no status and no pods. What a cluster would make of them is
 * assumed, and said so:
 * - no Node objects: one control-plane node and --nodes workers (2);
 * - a Deployment without pods: a netlab deployment (netlab names and places
 *   the replicas as the ReplicaSet controller and the scheduler would);
 * - a StatefulSet without pods: pods <name>-0, <name>-1, ... round-robin
 *   over the nodes that may run them; a DaemonSet: one pod per such node;
 * - a Pod without a node: placed like a deployment's replica.
 * Addresses are left to netlab's allocators.
 */
import type { Workload } from '../kube/apps.js';
import { parseIPv4 } from '../net/ipv4.js';
import type { DocumentDeployment, DocumentPod } from '../topology/document.js';
import { generatedName } from '../views/kube-objects/identity.js';
import { inCreationOrder, keyOf, plural, type ImportContext } from './context.js';
import type { ImportedNode } from './nodes.js';
import { Placement, toleratesControlPlane } from './placement.js';
import { containerDocuments, type ImportedPod } from './pods.js';
import type { Where } from './read.js';

/** The nodes of an assumed kubeadm cluster, on the default lab's subnet. */
const FIRST_NODE_IP = '10.234.2.11';
const DEFAULT_WORKERS = 2;

export function manifestNodes(context: ImportContext): ImportedNode[] {
  const { objects, options, notes } = context;
  if (objects.nodes.length > 0) return [];
  const anchor = objects.workloads[0]?.at ?? objects.pods[0]?.at ?? objects.services[0]?.at;
  if (anchor === undefined) return [];
  const workers = options.nodes ?? DEFAULT_WORKERS;
  const base = parseIPv4(FIRST_NODE_IP)!;
  const make = (name: string, i: number, role: ImportedNode['role']): ImportedNode => ({
    name,
    ip: base + i,
    role,
    runtime: 'containerd',
    labels: {},
    annotations: {},
    at: anchor,
  });
  notes.assumed(`no Node objects (manifests): a kubeadm cluster of 1 control-plane node and ${plural(workers, 'worker')} (--nodes N)`);
  return [
    make('control-plane', 0, 'control-plane'),
    ...Array.from({ length: workers }, (_, i) => make(`worker-${i + 1}`, i + 1, 'worker')),
  ];
}

export interface GeneratedWorkloads {
  readonly deployments: DocumentDeployment[];
  readonly pods: { readonly document: DocumentPod; readonly at: Where }[];
}

/** The pods (or deployments) of the workloads the input has no pods of. */
export function manifestWorkloads(context: ImportContext, placement: Placement, pods: readonly ImportedPod[]): GeneratedWorkloads {
  const { notes } = context;
  const out: GeneratedWorkloads = { deployments: [], pods: [] };
  const owned = new Set<string>();
  for (const p of pods) {
    const owner = p.document.owner;
    const ns = p.document.namespace ?? 'default';
    if (owner === undefined) continue;
    owned.add(`${owner.kind}/${ns}/${owner.name}`);
    if (owner.deployment !== undefined) owned.add(`Deployment/${ns}/${owner.deployment}`);
  }
  for (const { object, at } of inCreationOrder(context.objects.workloads)) {
    const name = object.metadata.name;
    const namespace = object.metadata.namespace ?? 'default';
    if (name === undefined || owned.has(`${object.kind}/${namespace}/${name}`)) continue;
    const template = object.spec?.template;
    if (template === undefined) continue;
    const key = keyOf(object.metadata);
    const labels = template.metadata?.labels ?? { app: name };
    const containers = containerDocuments(template.spec.containers, notes, key);
    const hostNetwork = template.spec.hostNetwork === true;
    const common = {
      ...(namespace !== 'default' ? { namespace } : {}),
      labels,
      ...(containers.length > 0 ? { containers } : {}),
      ...(hostNetwork ? { hostNetwork: true } : {}),
    };
    const replicas = 'replicas' in (object.spec ?? {}) ? ((object.spec as { replicas?: number }).replicas ?? 1) : 1;
    switch (object.kind) {
      case 'Deployment': {
        const tolerate = toleratesControlPlane(template.spec);
        out.deployments.push({
          name,
          ...common,
          replicas,
          ...(template.spec.nodeSelector ? { nodeSelector: template.spec.nodeSelector } : {}),
          ...(tolerate ? { tolerateControlPlane: true } : {}),
        });
        notes.assumed(`deployment ${key} has no pods in the input: netlab names and places its ${plural(replicas, 'replica')}`);
        break;
      }
      case 'StatefulSet': {
        const eligible = placement.eligible(template.spec);
        for (let i = 0; i < replicas && eligible.length > 0; i++) {
          const podName = `${name}-${i}`;
          out.pods.push({
            document: {
              name: podName,
              ...common,
              labels: { ...labels, 'statefulset.kubernetes.io/pod-name': podName },
              node: placement.next(eligible)!.name,
              owner: { kind: 'StatefulSet', name },
            },
            at,
          });
        }
        notes.assumed(`statefulset ${key} has no pods in the input: ${plural(replicas, 'pod')} placed round-robin`);
        break;
      }
      case 'DaemonSet': {
        const taken = new Set<string>();
        for (const node of placement.eligible(template.spec)) {
          const podName = generatedName(`${name}-`, `daemonset/${namespace}/${name}/${node.name}`, taken);
          out.pods.push({ document: { name: podName, ...common, node: node.name, owner: { kind: 'DaemonSet', name } }, at });
        }
        notes.assumed(`daemonset ${key} has no pods in the input: one on every node it tolerates`);
        break;
      }
      default:
        if (controllerKind(object) === undefined) notes.skipped('ReplicaSets without a Deployment and without pods', key);
    }
  }
  return out;
}

function controllerKind(w: Workload): string | undefined {
  return w.metadata.ownerReferences?.find((r) => r.controller === true)?.kind;
}
