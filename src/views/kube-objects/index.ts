/**
 * netlab's model as Kubernetes objects: what the API server would return
 * for `kubectl get nodes,pods,services,endpointslices,networkpolicies -A
 * -o json` on the cluster netlab builds, plus, on request, the objects that
 * hold its configuration (Namespaces, the kube-proxy, kubeadm and flannel
 * ConfigMaps, calico's IPPool). Pure and deterministic: the same cluster
 * always gives the same objects, uids and timestamps included
 * (identity.ts). `netlab import` reads them back into the same topology.
 *
 * Items come as the API server lists them: kinds in the order asked, each
 * sorted by namespace and name; object keys are in the order kubectl prints
 * them (sorted), so JSON.stringify(list, null, 4) reads like `kubectl get
 * -o json`.
 */
import type { KubeList, KubeObject } from '../../kube/meta.js';
import { formatIPv4 } from '../../net/ipv4.js';
import { coreDnsPods } from '../../model/services/defaults.js';
import type { Cluster, Pod, Service } from '../../model/types.js';
import { calicoIpPool, flannelConfigMap, kubeadmConfigMap, kubeProxyConfigMap, namespaceObject } from './configuration.js';
import { endpointSlices, type SliceContext } from './endpoint-slices.js';
import { CreationClock } from './identity.js';
import { nodeObject } from './nodes.js';
import { podObject } from './pods.js';
import { networkPolicyObject } from './policies.js';
import { serviceObject } from './services.js';

export type ObjectKind = 'nodes' | 'pods' | 'services' | 'endpointslices' | 'networkpolicies' | 'namespaces' | 'configmaps' | 'ippools';

/** What `kubectl get nodes,pods,services,endpointslices,networkpolicies -A` lists. */
export const CLUSTER_KINDS: readonly ObjectKind[] = ['nodes', 'pods', 'services', 'endpointslices', 'networkpolicies'];
/** Everything netlab can show, configuration included (what `netlab import` reads best). */
export const ALL_KINDS: readonly ObjectKind[] = [...CLUSTER_KINDS, 'namespaces', 'configmaps', 'ippools'];

export type KubeObjects = Readonly<Record<ObjectKind, readonly KubeObject[]>>;

/**
 * Every object of every kind, in creation order: namespaces, nodes,
 * services (kubernetes and kube-dns first, as the API server and kubeadm
 * create them, then the topology's; each with its slices), pods (written,
 * then generated, then CoreDNS: the topology's order), network policies,
 * configuration.
 */
export function kubeObjects(cluster: Cluster): KubeObjects {
  const clock = new CreationClock();
  const topology = cluster.topology;
  const namespaces = topology.namespaces.map((ns) => namespaceObject(ns.name, ns.labels, clock.tick()));
  const nodes = cluster.nodes.map((node) => nodeObject(cluster, node, clock.tick()));
  const pods = creationOrder(cluster);
  const podOrder = new Map(pods.map((pod, i) => [pod, i]));
  const sliceContext: SliceContext = { cluster, podOrder, taken: new Map() };
  const services: KubeObject[] = [];
  const slices: KubeObject[] = [];
  for (const service of creationOrderOfServices(cluster)) {
    const created = clock.tick();
    services.push(serviceObject(service, created));
    slices.push(...endpointSlices(sliceContext, service, created));
  }
  const podObjects = pods.map((pod) => podObject(cluster, pod, clock.tick()));
  const policies = topology.networkPolicies.map((p) => networkPolicyObject(p, clock.tick()));
  const created = clock.tick();
  const apiserver = cluster.nodes.find((n) => n.spec.role === 'control-plane') ?? cluster.nodes[0];
  const configmaps = [
    kubeProxyConfigMap(topology, apiserver && formatIPv4(apiserver.ip), created),
    kubeadmConfigMap(topology, created),
    flannelConfigMap(topology, created),
  ];
  return {
    nodes,
    pods: podObjects,
    services,
    endpointslices: slices,
    networkpolicies: policies,
    namespaces,
    configmaps: configmaps.filter((c) => c !== undefined),
    ippools: [calicoIpPool(topology, created)].filter((p) => p !== undefined),
  };
}

/** The objects of `kinds` as one v1 List, each kind sorted by namespace and name as the API server lists them. */
export function kubeList(cluster: Cluster, kinds: readonly ObjectKind[] = CLUSTER_KINDS): KubeList {
  const objects = kubeObjects(cluster);
  return {
    apiVersion: 'v1',
    items: kinds.flatMap((kind) => [...objects[kind]].sort(byNamespaceAndName)),
    kind: 'List',
    metadata: { resourceVersion: '' },
  };
}

function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The API server creates kubernetes first, kubeadm kube-dns next; then the services in topology order. */
function creationOrderOfServices(cluster: Cluster): Service[] {
  const rank = (s: Service): number => (s.builtIn === 'kubernetes' ? 0 : s.builtIn === 'kube-dns' ? 1 : 2);
  return cluster.services
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i)
    .map((x) => x.s);
}

/** The pods in the order the topology creates them (cluster.pods is grouped by node). */
function creationOrder(cluster: Cluster): Pod[] {
  const out: Pod[] = [];
  for (const spec of [...cluster.topology.pods, ...coreDnsPods(cluster.topology)]) {
    const pod = cluster.podByKey.get(`${spec.namespace}/${spec.name}`);
    if (pod !== undefined) out.push(pod);
  }
  return out;
}
