/**
 * What every kubeadm cluster has without anyone writing it:
 *
 * - the `kubernetes` service in `default`, which kube-apiserver creates and
 *   keeps: the first address of the service network, port `https` 443/TCP,
 *   no selector; its endpoints are the API servers (the control-plane nodes'
 *   addresses, port 6443), written by the API server itself;
 * - kubeadm's CoreDNS add-on: the `kube-dns` service in `kube-system` at the
 *   10th address of the service network (ports dns 53/UDP, dns-tcp 53/TCP,
 *   metrics 9153/TCP, selector k8s-app=kube-dns) and the `coredns`
 *   deployment of 2 replicas behind it. kubeadm creates CoreDNS while the
 *   control plane is the only node, so the replicas run there; netlab places
 *   them on the control-plane nodes round-robin (on the workers when there is
 *   no control-plane node), after the pods written for those nodes.
 *
 * A service written with the same namespace and name replaces the default
 * one (written wins, as for node labels); `network.dns.coreDNS: false`
 * removes the add-on.
 */
import type { ContainerSpec, NodeSpec, PodSpec, ServiceSpec, Topology } from '../../topology/types.js';
import { canonicalJson, PodNameRegistry, podTemplateHash, replicaNames } from '../../topology/normalise/pod-names.js';
import type { BuiltInService } from '../types.js';

export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;
export const KUBE_DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' } as const;
/** kube-apiserver's --secure-port, the kubernetes service's targetPort. */
export const APISERVER_PORT = 6443;
export const COREDNS_REPLICAS = 2;
/** The CoreDNS image kubeadm v1.33 deploys. */
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.12.0';

const COREDNS_LABELS = Object.freeze({ 'k8s-app': 'kube-dns' });

const COREDNS_CONTAINERS: readonly ContainerSpec[] = Object.freeze([
  Object.freeze({
    name: 'coredns',
    image: COREDNS_IMAGE,
    ports: Object.freeze([
      Object.freeze({ name: 'dns', containerPort: 53, protocol: 'UDP' as const }),
      Object.freeze({ name: 'dns-tcp', containerPort: 53, protocol: 'TCP' as const }),
      Object.freeze({ name: 'metrics', containerPort: 9153, protocol: 'TCP' as const }),
    ]),
  }),
]);

export interface DefaultService {
  readonly spec: ServiceSpec;
  readonly builtIn: BuiltInService;
}

/** The built-in services a topology does not write itself, in creation order (kubernetes first). */
export function defaultServices(topology: Topology): DefaultService[] {
  const written = new Set(topology.services.map((s) => `${s.namespace}/${s.name}`));
  const out: DefaultService[] = [];
  const common = {
    type: 'ClusterIP' as const,
    externalIPs: [],
    loadBalancerSourceRanges: [],
    sessionAffinity: 'None' as const,
    sessionAffinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster' as const,
    internalTrafficPolicy: 'Cluster' as const,
  };
  if (!written.has(`${KUBERNETES_SERVICE.namespace}/${KUBERNETES_SERVICE.name}`)) {
    out.push({
      builtIn: 'kubernetes',
      spec: {
        source: ['network', 'serviceCIDR'],
        ...KUBERNETES_SERVICE,
        ...common,
        ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: APISERVER_PORT }],
      },
    });
  }
  if (topology.network.dns.coreDNS && !written.has(`${KUBE_DNS_SERVICE.namespace}/${KUBE_DNS_SERVICE.name}`)) {
    out.push({
      builtIn: 'kube-dns',
      spec: {
        source: ['network', 'dns'],
        ...KUBE_DNS_SERVICE,
        ...common,
        selector: COREDNS_LABELS,
        ports: [
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
          { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153 },
        ],
      },
    });
  }
  return out;
}

/** Which built-in a service is, written or not (a written `default/kubernetes` is still the API server's). */
export function builtInOf(spec: ServiceSpec): BuiltInService | undefined {
  if (spec.namespace === KUBERNETES_SERVICE.namespace && spec.name === KUBERNETES_SERVICE.name) return 'kubernetes';
  if (spec.namespace === KUBE_DNS_SERVICE.namespace && spec.name === KUBE_DNS_SERVICE.name) return 'kube-dns';
  return undefined;
}

/**
 * The coredns deployment's pods, named as a deployment's pods are
 * (src/topology/normalise/pod-names.ts), placed on the control-plane nodes
 * round-robin. None when CoreDNS is off or there is no node.
 */
export function coreDnsPods(topology: Topology): PodSpec[] {
  if (!topology.network.dns.coreDNS || topology.nodes.length === 0) return [];
  const controlPlane = topology.nodes.filter((n) => n.role === 'control-plane');
  const nodes: readonly NodeSpec[] = controlPlane.length > 0 ? controlPlane : topology.nodes;
  const hash = podTemplateHash(
    canonicalJson({ labels: COREDNS_LABELS, containers: COREDNS_CONTAINERS, hostNetwork: false, tolerateControlPlane: true }),
  );
  const replicaSet = `coredns-${hash}`;
  // Names avoid the kube-system pods written by hand.
  const registry = new PodNameRegistry();
  for (const pod of topology.pods) if (pod.namespace === KUBE_DNS_SERVICE.namespace) registry.add(pod.namespace, pod.name);
  const names = replicaNames(KUBE_DNS_SERVICE.namespace, replicaSet, COREDNS_REPLICAS, registry);
  const labels = Object.freeze({ ...COREDNS_LABELS, 'pod-template-hash': hash });
  const owner = Object.freeze({ kind: 'ReplicaSet' as const, name: replicaSet, deployment: 'coredns' });
  return names.map((name, i) => ({
    source: ['network', 'dns'],
    name,
    namespace: KUBE_DNS_SERVICE.namespace,
    node: nodes[i % nodes.length]!.name,
    labels,
    containers: COREDNS_CONTAINERS,
    hostNetwork: false,
    ready: true,
    terminating: false,
    owner,
  }));
}
