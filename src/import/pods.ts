/**
 * Pod objects -> netlab pods, everything pinned: the node, the pod IP (the
 * node's for a hostNetwork pod), containers and their ports (sidecar init
 * containers' too, as the EndpointSlice controller looks there), labels,
 * readiness (the Ready condition: a not-ready pod is no ready endpoint),
 * terminating (deletionTimestamp), and the owner that named the pod: a
 * ReplicaSet and its Deployment (from the ReplicaSet object, or the
 * pod-template-hash label), a StatefulSet, a DaemonSet, a Job, or the node
 * of a static pod. Pods that do not run (finished, not scheduled, no IP
 * yet) are counted and left out.
 */
import type { Container, Pod } from '../kube/core.js';
import * as K from '../kube/well-known.js';
import { formatIPv4, parseIPv4 } from '../net/ipv4.js';
import type { DocumentContainer, DocumentPod } from '../topology/document.js';
import type { PodOwner, PodOwnerKind } from '../topology/types.js';
import { ImportCode } from './codes.js';
import { inCreationOrder, keyOf, type ImportContext } from './context.js';
import type { Decoded } from './decode.js';
import type { ImportedNode } from './nodes.js';
import type { Placement } from './placement.js';
import { problemAt, type Where } from './read.js';

export interface ImportedPod {
  readonly document: DocumentPod;
  readonly at: Where;
  /** The object, for the endpoint checks. */
  readonly object: Pod;
}

const OWNER_KINDS: readonly string[] = ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'Node'];

export function importPods(context: ImportContext, nodes: readonly ImportedNode[], placement: Placement): ImportedPod[] {
  const { notes } = context;
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const deploymentOf = replicaSetDeployments(context);
  const out: ImportedPod[] = [];
  const seen = new Set<string>();
  for (const decoded of inCreationOrder(context.objects.pods)) {
    const pod = decoded.object;
    const key = keyOf(pod.metadata);
    const phase = pod.status?.phase;
    const nodeName = pod.spec.nodeName;
    if (pod.metadata.name === undefined) continue;
    if (seen.has(key)) {
      context.diagnostics.push(
        problemAt(
          decoded.at,
          ImportCode.Unbuildable,
          `pod ${key} is in the input twice`,
          'give each object once (two collections of the same cluster?)',
        ),
      );
      continue;
    }
    if (phase === 'Succeeded' || phase === 'Failed') {
      notes.skipped('pods that have finished (Succeeded or Failed: their network namespace is gone)', key);
      continue;
    }
    // A manifest's pod (no status at all) goes where the scheduler would put it; a real pending one is left out.
    const placed = nodeName === undefined && pod.status?.phase === undefined ? placement.next(placement.eligible(pod.spec)) : undefined;
    if (placed !== undefined) notes.assumed(`pod ${key} has no node (a manifest): placed on ${placed.name}`);
    if (nodeName === undefined && placed === undefined) {
      notes.skipped('pods not scheduled on a node', key);
      continue;
    }
    const node = placed ?? nodeByName.get(nodeName!);
    if (node === undefined) {
      notes.skipped(
        context.objects.nodes.length === 0 ? 'pods on nodes the input does not have (add `kubectl get nodes`)' : 'pods on nodes left out',
        key,
      );
      continue;
    }
    const hostNetwork = pod.spec.hostNetwork === true;
    const ip = placed !== undefined ? undefined : podAddress(context, decoded, hostNetwork);
    if (ip === null) continue;
    if (hostNetwork && ip !== undefined && ip !== formatIPv4(node.ip))
      notes.notExpressible("hostNetwork pods whose IP is not their node's InternalIP", `${key} ${ip}`);
    seen.add(key);
    out.push({ document: podDocument(context, decoded, node, hostNetwork ? undefined : ip, deploymentOf), at: decoded.at, object: pod });
  }
  return out;
}

/**
 * The pod's IPv4 address: undefined for a hostNetwork pod that shows none,
 * null when the pod is left out (no address yet, or IPv6 only; noted).
 */
function podAddress(context: ImportContext, decoded: Decoded<Pod>, hostNetwork: boolean): string | undefined | null {
  const status = decoded.object.status;
  const key = keyOf(decoded.object.metadata);
  const candidates = [status?.podIP, ...(status?.podIPs ?? []).map((p) => p.ip)].filter((x): x is string => x !== undefined);
  for (const text of candidates) if (parseIPv4(text) !== undefined) return formatIPv4(parseIPv4(text)!);
  const bad = candidates.find((c) => !c.includes(':'));
  if (bad !== undefined) {
    context.diagnostics.push(
      problemAt(
        { source: decoded.at.source, path: [...decoded.at.path, 'status', 'podIP'] },
        ImportCode.ValueInvalid,
        `pod ${key}: '${bad}' is not an IPv4 address`,
      ),
    );
    return null;
  }
  if (hostNetwork) return undefined;
  if (candidates.length > 0) context.notes.notExpressible('IPv6-only pods (left out)', key);
  else context.notes.skipped('pods without an IP yet (Pending)', key);
  return null;
}

/** ReplicaSet name -> its Deployment, from the ReplicaSet objects the input has. */
function replicaSetDeployments(context: ImportContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of context.objects.workloads) {
    if (w.object.kind !== 'ReplicaSet') continue;
    const owner = controllerOf(w.object.metadata.ownerReferences);
    if (owner?.kind === 'Deployment') out.set(`${w.object.metadata.namespace}/${w.object.metadata.name}`, owner.name);
  }
  return out;
}

function controllerOf<T extends { readonly controller?: boolean }>(refs: readonly T[] | undefined): T | undefined {
  if (refs === undefined || refs.length === 0) return undefined;
  return refs.find((r) => r.controller === true) ?? (refs.length === 1 ? refs[0] : undefined);
}

function ownerOf(context: ImportContext, pod: Pod, deploymentOf: ReadonlyMap<string, string>): PodOwner | undefined {
  const ref = controllerOf(pod.metadata.ownerReferences);
  if (ref === undefined) return undefined;
  if (!OWNER_KINDS.includes(ref.kind)) {
    context.notes.notExpressible(
      'pod owners of kinds the topology cannot name (the pods keep their names)',
      `${keyOf(pod.metadata)} (${ref.kind})`,
    );
    return undefined;
  }
  if (ref.kind !== 'ReplicaSet') return { kind: ref.kind as PodOwnerKind, name: ref.name };
  let deployment = deploymentOf.get(`${pod.metadata.namespace}/${ref.name}`);
  const hash = pod.metadata.labels?.[K.LABEL_POD_TEMPLATE_HASH];
  if (deployment === undefined && hash !== undefined && ref.name.endsWith(`-${hash}`)) deployment = ref.name.slice(0, -hash.length - 1);
  return { kind: 'ReplicaSet', name: ref.name, ...(deployment !== undefined ? { deployment } : {}) };
}

export function containerDocuments(containers: readonly Container[], notes: ImportContext['notes'], key: string): DocumentContainer[] {
  return containers.map((c) => {
    const ports = (c.ports ?? []).map((p) => {
      if (p.hostPort !== undefined) notes.notExpressible("hostPort (the portmap plugin's DNAT on the node)", `${key} ${p.hostPort}`);
      return {
        ...(p.name !== undefined ? { name: p.name } : {}),
        containerPort: p.containerPort,
        ...(p.protocol !== undefined && p.protocol !== 'TCP' ? { protocol: p.protocol } : {}),
      };
    });
    return { name: c.name, ...(c.image !== undefined ? { image: c.image } : {}), ...(ports.length > 0 ? { ports } : {}) };
  });
}

function podDocument(
  context: ImportContext,
  decoded: Decoded<Pod>,
  node: ImportedNode,
  ip: string | undefined,
  deploymentOf: ReadonlyMap<string, string>,
): DocumentPod {
  const pod = decoded.object;
  const key = keyOf(pod.metadata);
  const { notes } = context;
  // Sidecars (init containers that keep running) have ports the endpoints use.
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  const containers = containerDocuments([...pod.spec.containers, ...sidecars], notes, key);
  const readyCondition = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const ready = readyCondition !== undefined ? readyCondition.status === 'True' : pod.status?.phase === 'Running';
  if (readyCondition === undefined && pod.status?.phase === undefined)
    notes.assumed(`pod ${key} shows no status: taken as running and ready`);
  const owner = ownerOf(context, pod, deploymentOf);
  const hostNetwork = pod.spec.hostNetwork === true;
  const coredns = owner?.deployment === 'coredns' && pod.metadata.namespace === 'kube-system';
  const dnsPolicy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  if (
    !hostNetwork &&
    ((coredns && dnsPolicy !== 'Default') || (!coredns && dnsPolicy !== 'ClusterFirst' && dnsPolicy !== 'ClusterFirstWithHostNet'))
  ) {
    notes.notExpressible("pods' dnsPolicy other than ClusterFirst (CoreDNS's Default excepted)", `${key} ${dnsPolicy}`);
  }
  const labels = pod.metadata.labels ?? {};
  return {
    name: pod.metadata.name!,
    ...(pod.metadata.namespace !== 'default' ? { namespace: pod.metadata.namespace! } : {}),
    node: node.name,
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(containers.length > 0 ? { containers } : {}),
    ...(hostNetwork ? { hostNetwork: true } : {}),
    ...(!ready ? { ready: false } : {}),
    ...(pod.metadata.deletionTimestamp !== undefined ? { terminating: true } : {}),
    ...(ip !== undefined ? { ip } : {}),
    ...(owner !== undefined ? { owner } : {}),
  };
}
