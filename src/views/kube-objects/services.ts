/**
 * Service objects as the API server keeps them: spec.clusterIP(s) (None for
 * a headless service), single-stack IPv4, the ports with their node ports,
 * the traffic policies (externalTrafficPolicy only where the API server
 * defaults it: NodePort and LoadBalancer), session affinity with its
 * timeout, and the load balancer's address in status. The cluster's own
 * services carry the labels their creators set: the API server's on
 * `kubernetes`, kubeadm's CoreDNS manifest's on `kube-dns`.
 */
import type { Service as KubeService, ServiceSpec as KubeServiceSpec } from '../../kube/core.js';
import { formatCidr } from '../../net/cidr.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Service } from '../../model/types.js';
import { objectUid, sortedRecord } from './identity.js';

/** What kube-apiserver labels its own service with. */
const KUBERNETES_LABELS = { component: 'apiserver', provider: 'kubernetes' };
/** kubeadm's CoreDNS manifest: the kube-dns service's labels and annotations. */
const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };
const KUBE_DNS_ANNOTATIONS = { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' };

/** The labels a service has (the EndpointSlice controller copies them onto its slices). */
export function serviceLabels(service: Service): Readonly<Record<string, string>> | undefined {
  if (service.builtIn === 'kubernetes') return KUBERNETES_LABELS;
  if (service.builtIn === 'kube-dns') return KUBE_DNS_LABELS;
  return undefined;
}

export function serviceObject(service: Service, created: string): KubeService {
  const labels = serviceLabels(service);
  const annotations = service.builtIn === 'kube-dns' ? KUBE_DNS_ANNOTATIONS : undefined;
  const external = service.type !== 'ClusterIP';
  const clusterIP = service.headless || service.clusterIP === undefined ? 'None' : formatIPv4(service.clusterIP);
  const spec: KubeServiceSpec = {
    ...(service.type === 'LoadBalancer' ? { allocateLoadBalancerNodePorts: true } : {}),
    clusterIP,
    clusterIPs: [clusterIP],
    ...(service.externalIPs.length > 0 ? { externalIPs: service.externalIPs.map(formatIPv4) } : {}),
    ...(external ? { externalTrafficPolicy: service.externalTrafficPolicy } : {}),
    ...(service.healthCheckNodePort !== undefined ? { healthCheckNodePort: service.healthCheckNodePort } : {}),
    internalTrafficPolicy: service.internalTrafficPolicy,
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ...(service.spec.loadBalancerIP !== undefined ? { loadBalancerIP: service.spec.loadBalancerIP } : {}),
    ...(service.loadBalancerSourceRanges.length > 0 ? { loadBalancerSourceRanges: service.loadBalancerSourceRanges.map(formatCidr) } : {}),
    ...(service.ports.length > 0
      ? {
          ports: service.ports.map((p) => ({
            ...(p.name !== '' ? { name: p.name } : {}),
            ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
            port: p.port,
            protocol: p.protocol,
            targetPort: p.targetPort,
          })),
        }
      : {}),
    ...(service.selector !== undefined ? { selector: sortedRecord(service.selector) ?? {} } : {}),
    sessionAffinity: service.sessionAffinity,
    ...(service.sessionAffinity === 'ClientIP'
      ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: service.sessionAffinityTimeoutSeconds } } }
      : {}),
    type: service.type,
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...(annotations ? { annotations } : {}),
      creationTimestamp: created,
      ...(labels ? { labels: sortedRecord(labels)! } : {}),
      name: service.name,
      namespace: service.namespace,
      uid: objectUid('Service', service.namespace, service.name),
    },
    spec,
    status: {
      loadBalancer:
        service.type === 'LoadBalancer' && service.loadBalancerIPs.length > 0
          ? { ingress: service.loadBalancerIPs.map((ip) => ({ ip: formatIPv4(ip), ipMode: 'VIP' })) }
          : {},
    },
  };
}
