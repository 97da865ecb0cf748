/**
 * Node objects -> netlab nodes: the InternalIP, the pod range
 * kube-controller-manager gave the node, the container runtime the kubelet
 * reports, the labels (less the ones netlab adds by itself), and the
 * control-plane role: kubeadm's role label, or an API server endpoint of the
 * kubernetes service on the node's address.
 */
import type { Node as KubeNode } from '../kube/core.js';
import * as K from '../kube/well-known.js';
import { parseCidrText } from '../net/cidr.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import type { ContainerRuntime, NodeRole } from '../topology/types.js';
import { ImportCode } from './codes.js';
import { inCreationOrder, type ImportContext } from './context.js';
import type { Decoded } from './decode.js';
import { problemAt, type Where } from './read.js';

export interface ImportedNode {
  readonly name: string;
  readonly ip: IPv4;
  readonly role: NodeRole;
  readonly runtime: ContainerRuntime;
  /** spec.podCIDR as the node has it (IPv4). */
  readonly podCIDR?: string;
  /** The labels to write: the node's, less those netlab adds itself (hostname, os, arch, the control-plane ones). */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** spec.providerID: `kind://docker/<cluster>/<node>` on kind. */
  readonly providerID?: string;
  readonly at: Where;
}

/** The addresses of the API servers: the kubernetes service's endpoints (EndpointSlice, else Endpoints). */
export function apiserverAddresses(context: ImportContext): string[] | undefined {
  const { objects } = context;
  const slice = objects.endpointSlices.find(
    (s) =>
      s.object.metadata.namespace === 'default' &&
      (s.object.metadata.labels?.[K.LABEL_SERVICE_NAME] ?? s.object.metadata.name) === 'kubernetes',
  );
  if (slice !== undefined) return (slice.object.endpoints ?? []).flatMap((e) => e.addresses);
  const endpoints = objects.endpoints.find((e) => e.object.metadata.namespace === 'default' && e.object.metadata.name === 'kubernetes');
  if (endpoints !== undefined) return (endpoints.object.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  return undefined;
}

export function importNodes(context: ImportContext): ImportedNode[] {
  const { notes } = context;
  const apiservers = apiserverAddresses(context);
  const out: ImportedNode[] = [];
  const seen = new Set<string>();
  for (const decoded of inCreationOrder(context.objects.nodes)) {
    const node = nodeOf(context, decoded, apiservers);
    if (node === undefined) continue;
    if (seen.has(node.name)) {
      context.diagnostics.push(
        problemAt(
          decoded.at,
          ImportCode.Unbuildable,
          `node ${node.name} is in the input twice`,
          'give each object once (two collections of the same cluster?)',
        ),
      );
      continue;
    }
    seen.add(node.name);
    out.push(node);
  }
  const controlPlane = out.filter((n) => n.role === 'control-plane').map((n) => n.name);
  if (controlPlane.length > 0) {
    notes.inferred(
      `control-plane nodes: ${controlPlane.join(', ')} (kubeadm's role label${apiservers !== undefined ? ", the kubernetes service's endpoints" : ''})`,
    );
  }
  if (apiservers !== undefined) {
    const nodeIps = new Set(out.map((n) => formatIPv4(n.ip)));
    for (const address of apiservers) {
      if (!nodeIps.has(address))
        notes.notExpressible(
          'API server endpoints that are not node addresses (an external load balancer or a managed control plane; netlab puts the API servers on the control-plane nodes)',
          `${address}:6443`,
        );
    }
    for (const node of out) {
      if (node.role === 'control-plane' && !apiservers.includes(formatIPv4(node.ip))) {
        notes.notExpressible('control-plane nodes without an API server endpoint (netlab gives every control-plane node one)', node.name);
      }
    }
  }
  return out;
}

function nodeOf(context: ImportContext, decoded: Decoded<KubeNode>, apiservers: readonly string[] | undefined): ImportedNode | undefined {
  const { object, at } = decoded;
  const name = object.metadata.name;
  if (name === undefined) return undefined;
  const addresses = object.status?.addresses ?? [];
  const pick = (type: string): { ip: IPv4; index: number } | undefined => {
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i]!;
      if (a.type !== type) continue;
      const ip = parseIPv4(a.address);
      if (ip !== undefined) return { ip, index: i };
      if (!a.address.includes(':')) {
        context.diagnostics.push(
          problemAt(
            { source: at.source, path: [...at.path, 'status', 'addresses', i, 'address'] },
            ImportCode.ValueInvalid,
            `node ${name}: '${a.address}' is not an IPv4 address`,
          ),
        );
      }
    }
    return undefined;
  };
  const internal = pick('InternalIP');
  const external = internal ?? pick('ExternalIP');
  if (external === undefined) {
    if (addresses.some((a) => a.address.includes(':'))) context.notes.notExpressible('IPv6-only nodes (left out, with their pods)', name);
    else context.notes.skipped('nodes without an address (left out, with their pods)', name);
    return undefined;
  }
  if (internal === undefined)
    context.notes.assumed(`node ${name} has no InternalIP: its ExternalIP ${formatIPv4(external.ip)} is taken as its underlay address`);
  const labels = object.metadata.labels ?? {};
  const ipText = formatIPv4(external.ip);
  const controlPlane = K.LABEL_CONTROL_PLANE in labels || K.LABEL_MASTER in labels || (apiservers?.includes(ipText) ?? false);
  const runtimeVersion = object.status?.nodeInfo?.containerRuntimeVersion ?? '';
  const runtime: ContainerRuntime = runtimeVersion.startsWith('docker://') ? 'docker' : 'containerd';
  if (runtimeVersion !== '' && !/^(containerd|docker):\/\//.test(runtimeVersion)) {
    context.notes.assumed(
      `container runtime ${runtimeVersion.split(':')[0]} on ${name} is modelled as containerd (the CNI plugins wire pods the same way)`,
    );
  }
  const podCIDR = [object.spec.podCIDR, ...(object.spec.podCIDRs ?? [])].find((c) => c !== undefined && parseCidrText(c) !== undefined);
  return {
    name,
    ip: external.ip,
    role: controlPlane ? 'control-plane' : 'worker',
    runtime,
    ...(podCIDR !== undefined ? { podCIDR } : {}),
    labels: writtenLabels(name, controlPlane, labels),
    annotations: object.metadata.annotations ?? {},
    ...(object.spec.providerID !== undefined ? { providerID: object.spec.providerID } : {}),
    at,
  };
}

/** The labels netlab's own nodes have (kubelet and kubeadm's), with the values it gives them: not written again. */
function writtenLabels(name: string, controlPlane: boolean, labels: Readonly<Record<string, string>>): Record<string, string> {
  const implied: Record<string, string> = {
    [K.LABEL_HOSTNAME]: name,
    [K.LABEL_OS]: 'linux',
    [K.LABEL_BETA_OS]: 'linux',
    [K.LABEL_ARCH]: 'amd64',
    [K.LABEL_BETA_ARCH]: 'amd64',
    ...(controlPlane ? { [K.LABEL_CONTROL_PLANE]: '', [K.LABEL_EXCLUDE_FROM_LB]: '' } : {}),
  };
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) if (implied[key] !== labels[key]) out[key] = labels[key]!;
  return out;
}
