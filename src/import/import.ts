/**
 * `netlab import`: Kubernetes objects in, a netlab topology out. Pure: the
 * CLI reads the files and writes the result.
 *
 *   read (parse, positions) -> decode (the typed subset of the API, checked)
 *   -> configuration (kube-proxy, kubeadm, flannel, calico pools)
 *   -> nodes, address plan, CNI, kube-proxy, underlay -> pods (or, for
 *   manifests without pods, the workloads that make them) -> services,
 *   policies -> a topology document -> checked by loading and allocating it
 *   as any topology is; pins netlab's IPAM cannot give are unpinned and said
 *   so -> YAML (or JSON) with the notes on top.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { buildCluster } from '../model/cluster.js';
import type { DocumentNamespace, DocumentNode, DocumentPod, TopologyDocument } from '../topology/document.js';
import { loadTopology } from '../topology/load.js';
import type { SourceText } from '../topology/source-text.js';
import { importCni } from './cni.js';
import { ImportCode } from './codes.js';
import { readConfiguration } from './configuration.js';
import { plural, type ImportContext } from './context.js';
import { decodeObjects } from './decode.js';
import { importKubeProxy } from './kube-proxy.js';
import { manifestNodes, manifestWorkloads } from './manifests.js';
import { importAddressPlan } from './network.js';
import { importNodes, type ImportedNode } from './nodes.js';
import { ImportNotes } from './notes.js';
import type { ImportOptions } from './options.js';
import { Placement } from './placement.js';
import { importPods } from './pods.js';
import { importPolicies } from './policies.js';
import { readInputs, problemAt, type InputFile, type Where } from './read.js';
import { importServices } from './services.js';
import { importUnderlay } from './underlay.js';
import { headerLines, topologyJson, topologyYaml } from './write.js';
import { formatIPv4 } from '../net/ipv4.js';

export interface ImportSummary {
  readonly nodes: number;
  readonly pods: number;
  readonly services: number;
  readonly networkPolicies: number;
}

export interface ImportResult {
  /** Present when there is no error. */
  readonly document?: TopologyDocument;
  readonly yaml?: string;
  readonly json?: string;
  readonly notes: ImportNotes;
  /** Problems with the input, positioned in it. */
  readonly diagnostics: Diagnostic[];
  /** Each input file's text, for code frames. */
  readonly sources: ReadonlyMap<string, SourceText>;
  readonly summary?: ImportSummary;
}

/** At most this many rounds of unpinning what netlab's allocators refuse (one is usually enough). */
const MAX_REPAIRS = 4;

export function importCluster(inputs: readonly InputFile[], options: ImportOptions = {}): ImportResult {
  const notes = new ImportNotes();
  const read = readInputs(inputs);
  const diagnostics = [...read.diagnostics];
  const result = (extra: Partial<ImportResult> = {}): ImportResult => ({ notes, diagnostics, sources: read.sources, ...extra });
  if (hasErrors(diagnostics)) return result();
  const objects = decodeObjects(read.objects, diagnostics);
  if (hasErrors(diagnostics)) return result();
  if (read.objects.length === 0) {
    diagnostics.push({
      code: ImportCode.Empty,
      severity: 'error',
      message: 'the input holds no Kubernetes objects',
      file: inputs.map((i) => i.file).join(', '),
      hint: 'collect them with `kubectl get nodes,pods,services,endpointslices,networkpolicies -A -o json`',
    });
    return result();
  }
  const context: ImportContext = { objects, config: readConfiguration(objects, diagnostics), options, notes, diagnostics };

  let nodes: ImportedNode[] = importNodes(context);
  if (hasErrors(diagnostics)) return result();
  if (nodes.length === 0) nodes = manifestNodes(context);
  if (nodes.length === 0) {
    diagnostics.push({
      code: ImportCode.Empty,
      severity: 'error',
      message: 'the input holds no nodes, and no workloads to give any',
      file: inputs.map((i) => i.file).join(', '),
      hint: 'add `kubectl get nodes -o json`',
    });
    return result();
  }
  const plan = importAddressPlan(context, nodes);
  const cni = importCni(context, nodes);
  const kubeProxy = importKubeProxy(context, plan.podCIDR);
  const underlay = importUnderlay(context, nodes);
  const placement = new Placement(nodes);
  const pods = importPods(context, nodes, placement);
  const generated = manifestWorkloads(context, placement, pods);
  const services = importServices(context, plan.serviceCIDR, pods);
  const policies = importPolicies(context);
  if (hasErrors(diagnostics)) return result();
  noteSkipped(context);

  const nodeDocuments: DocumentNode[] = nodes.map((n) => {
    const vtepMAC = cni.vtepMAC.get(n.name);
    const tunnelAddress = cni.tunnelAddress.get(n.name);
    return {
      name: n.name,
      ip: formatIPv4(n.ip),
      subnet: underlay.subnetOf.get(n.name)!,
      ...(n.role === 'control-plane' ? { role: 'control-plane' as const } : {}),
      ...(n.runtime !== 'containerd' ? { runtime: n.runtime } : {}),
      ...(n.podCIDR !== undefined ? { podCIDR: n.podCIDR } : {}),
      ...(Object.keys(n.labels).length > 0 ? { labels: n.labels } : {}),
      ...(vtepMAC !== undefined ? { vtepMAC } : {}),
      ...(tunnelAddress !== undefined ? { tunnelAddress } : {}),
    };
  });
  const allPods: { document: DocumentPod; at?: Where }[] = [...pods, ...generated.pods];
  const document: Mutable<TopologyDocument> = {
    apiVersion: 'netlab/v1',
    kind: 'Cluster',
    metadata: { name: clusterName(context), description: `Imported by netlab import from ${inputs.map((i) => i.file).join(', ')}.` },
    network: {
      podCIDR: plan.podCIDR,
      serviceCIDR: plan.serviceCIDR,
      ...(plan.clusterDomain !== 'cluster.local' ? { clusterDomain: plan.clusterDomain } : {}),
      ...(plan.nodeCIDRMaskSize !== 24 ? { nodeCIDRMaskSize: plan.nodeCIDRMaskSize } : {}),
      ...nodePortRange(
        context,
        services.map((s) => s.document),
      ),
      cni: cni.cni,
      kubeProxy,
      // The cluster's own DNS pods and service are written out as they are (or are absent).
      dns: { coreDNS: false },
    },
    subnets: underlay.subnets,
    nodes: nodeDocuments,
    ...namespaces(
      context,
      allPods.map((p) => p.document.namespace),
      services.map((s) => s.document.namespace),
      policies.map((p) => p.document.namespace),
      generated.deployments.map((d): string | undefined => d.namespace),
    ),
    ...(allPods.length > 0 ? { pods: allPods.map((p) => p.document) } : {}),
    ...(generated.deployments.length > 0 ? { deployments: generated.deployments } : {}),
    ...(services.length > 0 ? { services: services.map((s) => s.document) } : {}),
    ...(policies.length > 0 ? { networkPolicies: policies.map((p) => p.document) } : {}),
  };
  const origins: Origins = {
    nodes: nodes.map((n) => n.at),
    pods: allPods.map((p) => p.at),
    services: services.map((s) => s.at),
    networkPolicies: policies.map((p) => p.at),
  };
  if (!checkBuildable(context, document, origins, inputs)) return result();

  const files = inputs.map((i) => (i.file === '-' ? 'stdin' : i.file));
  const header = headerLines(files, notes);
  return result({
    document,
    yaml: topologyYaml(document, header),
    json: topologyJson(document, notes),
    summary: { nodes: nodes.length, pods: allPods.length, services: services.length, networkPolicies: policies.length },
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Origins {
  readonly nodes: readonly Where[];
  readonly pods: readonly (Where | undefined)[];
  readonly services: readonly Where[];
  readonly networkPolicies: readonly Where[];
}

/**
 * Loads and allocates the topology as `netlab` would. A pin netlab's
 * allocators refuse (a calico address borrowed from another node's block,
 * a pod range of another size) is taken out and said so; anything else is
 * an error at the object it came from.
 */
function checkBuildable(
  context: ImportContext,
  document: Mutable<TopologyDocument>,
  origins: Origins,
  inputs: readonly InputFile[],
): boolean {
  const { notes, diagnostics } = context;
  for (let round = 0; ; round++) {
    const loaded = loadTopology(JSON.stringify(document), 'imported.json');
    const problems = loaded.topology ? buildCluster(loaded.topology).diagnostics : loaded.diagnostics;
    const errors = problems.filter((d) => d.severity === 'error');
    if (errors.length === 0) return true;
    let repaired = false;
    for (const e of errors) {
      const [list, index, field] = e.path ?? [];
      const entries =
        typeof list === 'string' ? (document as unknown as Record<string, Record<string, unknown>[] | undefined>)[list] : undefined;
      const entry = typeof index === 'number' ? entries?.[index] : undefined;
      const pinned = entry !== undefined && typeof field === 'string' && entry[field] !== undefined;
      if (round < MAX_REPAIRS && pinned && list === 'pods' && field === 'ip') {
        notes.notExpressible(
          "pod IPs netlab's IPAM cannot give (allocated instead)",
          `${keyText(entry)} ${String(entry[field])}: ${e.message.replace(/^pod IP \S+ /, '')}`,
        );
        delete entry[field];
        repaired = true;
      } else if (round < MAX_REPAIRS && pinned && list === 'nodes' && (field === 'tunnelAddress' || field === 'podCIDR')) {
        notes.notExpressible(
          field === 'podCIDR'
            ? 'node pod ranges netlab cannot pin (allocated instead)'
            : "calico tunnel addresses netlab's IPAM cannot give (allocated instead)",
          `${String(entry['name'])} ${String(entry[field])}: ${e.message}`,
        );
        delete entry[field];
        repaired = true;
      } else {
        const at =
          typeof list === 'string' && typeof index === 'number'
            ? (origins as unknown as Record<string, readonly (Where | undefined)[] | undefined>)[list]?.[index]
            : undefined;
        const hint =
          e.code === 'NL-CLUSTERIP-OUTSIDE'
            ? 'the service network was guessed: give it with --service-cidr (kubeadm-config in the input says it)'
            : e.hint;
        const message = `netlab cannot build the imported cluster: ${e.message}`;
        diagnostics.push(
          at !== undefined
            ? problemAt(at, ImportCode.Unbuildable, message, hint)
            : {
                code: ImportCode.Unbuildable,
                severity: 'error',
                message,
                file: inputs.map((i) => i.file).join(', '),
                ...(hint !== undefined ? { hint } : {}),
              },
        );
      }
    }
    if (!repaired || hasErrors(diagnostics)) return false;
  }
}

function keyText(entry: Record<string, unknown>): string {
  return `${typeof entry['namespace'] === 'string' ? entry['namespace'] : 'default'}/${String(entry['name'])}`;
}

/** Namespaces used or given, with their labels; default and kube-system only when they have labels of their own. */
function namespaces(context: ImportContext, ...used: (string | undefined)[][]): { namespaces?: DocumentNamespace[] } {
  const names = new Set<string>();
  const labels = new Map<string, Record<string, string>>();
  for (const { object } of context.objects.namespaces) {
    const name = object.metadata.name;
    if (name === undefined) continue;
    names.add(name);
    const own = Object.fromEntries(Object.entries(object.metadata.labels ?? {}).filter(([k]) => k !== 'kubernetes.io/metadata.name'));
    if (Object.keys(own).length > 0) labels.set(name, own);
  }
  for (const list of used) for (const ns of list) names.add(ns ?? 'default');
  const out: DocumentNamespace[] = [];
  for (const name of [...names].sort()) {
    const own = labels.get(name);
    if ((name === 'default' || name === 'kube-system') && own === undefined) continue;
    out.push({ name, ...(own !== undefined ? { labels: own } : {}) });
  }
  return out.length > 0 ? { namespaces: out } : {};
}

/** kube-apiserver's --service-node-port-range is not in the objects: widened, if need be, to hold every node port seen. */
function nodePortRange(
  context: ImportContext,
  services: readonly { ports?: readonly { nodePort?: number }[]; healthCheckNodePort?: number }[],
): { serviceNodePortRange?: string } {
  const ports = services
    .flatMap((s) => [...(s.ports ?? []).map((p) => p.nodePort), s.healthCheckNodePort])
    .filter((p): p is number => p !== undefined);
  const min = Math.min(30000, ...ports);
  const max = Math.max(32767, ...ports);
  if (min === 30000 && max === 32767) return {};
  const range = `${min}-${max}`;
  context.notes.assumed(
    `node port range ${range}, the narrowest around kube-apiserver's default 30000-32767 that holds every node port in the input`,
  );
  return { serviceNodePortRange: range };
}

/** --name, else the kind cluster's name (from a node's providerID), else "imported". */
function clusterName(context: ImportContext): string {
  if (context.options.name !== undefined) return context.options.name;
  for (const { object } of context.objects.nodes) {
    const match = /^kind:\/\/[^/]+\/([^/]+)\//.exec(object.spec.providerID ?? '');
    if (match && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(match[1]!)) return match[1]!;
  }
  return 'imported';
}

/** Kinds netlab reads nothing from, and ingresses (not modelled yet). */
function noteSkipped(context: ImportContext): void {
  const { objects, notes } = context;
  for (const { object } of objects.ingresses)
    notes.notExpressible('Ingresses (netlab has no ingress model yet)', `${object.metadata.namespace}/${object.metadata.name}`);
  const unknown = [...objects.unknownKinds.entries()].sort().map(([kind, count]) => plural(count, kind, kindPlural(kind)));
  if (unknown.length > 0) notes.skipped('objects of kinds netlab does not read', unknown.join(', '));
}

function kindPlural(kind: string): string {
  return /(s|x|ch|sh)$/.test(kind) ? `${kind}es` : /[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1)}ies` : `${kind}s`;
}
