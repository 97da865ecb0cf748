/**
 * EndpointSlices as the EndpointSlice controller writes them for a service
 * with a selector (k8s.io/endpointslice): every pod of the namespace the
 * selector matches is an endpoint (address: the pod IP, the node's for a
 * hostNetwork pod; conditions ready = ready and not terminating, serving =
 * ready, terminating; nodeName; a targetRef to the pod; the zone when the
 * node has one). Pods are grouped by the ports they resolve (a named
 * targetPort is looked up per pod, and a pod without it has that port
 * missing), one slice per group of at most 100 endpoints, named
 * `<service>-<5 characters>` from generateName, labelled with the
 * service's labels plus service-name and managed-by, owned by the service.
 * A selected service without pods gets the controller's placeholder slice
 * (no endpoints, no ports: null after storage).
 *
 * The API server writes the `kubernetes` service's slice itself: named
 * kubernetes, only the service-name label, one endpoint per API server
 * (the control-plane nodes' addresses, sorted as strings), conditions
 * ready only, port https 6443.
 */
import type { Endpoint, EndpointSlice, EndpointSlicePort } from '../../kube/discovery.js';
import * as K from '../../kube/well-known.js';
import { formatIPv4 } from '../../net/ipv4.js';
import { APISERVER_PORT } from '../../model/services/defaults.js';
import { findNamedPort, SelectorIndex } from '../../model/services/endpoints.js';
import type { Cluster, Pod, Service } from '../../model/types.js';
import { generatedName, objectUid, sortedRecord } from './identity.js';
import { serviceLabels } from './services.js';

/** kube-controller-manager --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceContext {
  readonly cluster: Cluster;
  /** Creation order of the pods (their position), for a stable endpoint order. */
  readonly podOrder: ReadonlyMap<Pod, number>;
  /** Slice names taken, per namespace. */
  readonly taken: Map<string, Set<string>>;
  index?: SelectorIndex;
}

export function endpointSlices(context: SliceContext, service: Service, created: string): EndpointSlice[] {
  if (service.builtIn === 'kubernetes') return [apiserverSlice(service, created)];
  if (service.selector === undefined) return [];
  context.index ??= new SelectorIndex(context.cluster.pods);
  const pods = context.index
    .select(service.namespace, service.selector)
    .sort((a, b) => context.podOrder.get(a)! - context.podOrder.get(b)!);
  const groups = new Map<string, { ports: EndpointSlicePort[]; pods: Pod[] }>();
  for (const pod of pods) {
    const ports = resolvedPorts(service, pod);
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { ports, pods: [] }));
    group.pods.push(pod);
  }
  let taken = context.taken.get(service.namespace);
  if (taken === undefined) context.taken.set(service.namespace, (taken = new Set()));
  const slices: EndpointSlice[] = [];
  const make = (ports: EndpointSlicePort[] | null, endpoints: Endpoint[] | null): void => {
    const name = generatedName(`${service.name}-`, `endpointslice/${service.namespace}/${service.name}/${slices.length}`, taken);
    slices.push(controllerSlice(service, name, ports, endpoints, created));
  };
  if (groups.size === 0) make(null, null);
  for (const group of groups.values()) {
    for (let i = 0; i < group.pods.length; i += MAX_ENDPOINTS_PER_SLICE) {
      make(
        group.ports.length > 0 ? group.ports : null,
        group.pods.slice(i, i + MAX_ENDPOINTS_PER_SLICE).map((pod) => podEndpoint(pod)),
      );
    }
  }
  return slices;
}

/** getEndpointPorts: the service ports this pod resolves, in service order. */
function resolvedPorts(service: Service, pod: Pod): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  for (const port of service.ports) {
    const number = typeof port.targetPort === 'number' ? port.targetPort : findNamedPort(pod.containers, port.targetPort, port.protocol);
    if (number !== undefined) out.push({ name: port.name, port: number, protocol: port.protocol });
  }
  return out;
}

function podEndpoint(pod: Pod): Endpoint {
  const { ready, terminating } = pod.spec;
  const zone = pod.node.spec.labels[K.LABEL_ZONE];
  return {
    addresses: [formatIPv4(pod.ip)],
    conditions: { ready: ready && !terminating, serving: ready, terminating },
    nodeName: pod.node.name,
    targetRef: { kind: 'Pod', name: pod.name, namespace: pod.namespace, uid: objectUid('Pod', pod.namespace, pod.name) },
    ...(zone !== undefined ? { zone } : {}),
  };
}

function controllerSlice(
  service: Service,
  name: string,
  ports: EndpointSlicePort[] | null,
  endpoints: Endpoint[] | null,
  created: string,
): EndpointSlice {
  const labels = {
    ...serviceLabels(service),
    ...(service.headless ? { [K.LABEL_HEADLESS]: '' } : {}),
    [K.LABEL_MANAGED_BY]: K.ENDPOINTSLICE_CONTROLLER,
    [K.LABEL_SERVICE_NAME]: service.name,
  };
  return {
    addressType: 'IPv4',
    apiVersion: 'discovery.k8s.io/v1',
    endpoints,
    kind: 'EndpointSlice',
    metadata: {
      creationTimestamp: created,
      generateName: `${service.name}-`,
      labels: sortedRecord(labels)!,
      name,
      namespace: service.namespace,
      ownerReferences: [
        {
          apiVersion: 'v1',
          blockOwnerDeletion: true,
          controller: true,
          kind: 'Service',
          name: service.name,
          uid: objectUid('Service', service.namespace, service.name),
        },
      ],
      uid: objectUid('EndpointSlice', service.namespace, name),
    },
    ports,
  };
}

function apiserverSlice(service: Service, created: string): EndpointSlice {
  const port = service.ports[0];
  const endpoints = port === undefined ? [] : service.endpoints(port);
  const addresses = [...new Set(endpoints.map((e) => formatIPv4(e.ip)))].sort();
  return {
    addressType: 'IPv4',
    apiVersion: 'discovery.k8s.io/v1',
    endpoints: addresses.length > 0 ? addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })) : null,
    kind: 'EndpointSlice',
    metadata: {
      creationTimestamp: created,
      labels: { [K.LABEL_SERVICE_NAME]: service.name },
      name: service.name,
      namespace: service.namespace,
      uid: objectUid('EndpointSlice', service.namespace, service.name),
    },
    ports:
      port === undefined
        ? null
        : [{ name: port.name, port: typeof port.targetPort === 'number' ? port.targetPort : APISERVER_PORT, protocol: port.protocol }],
  };
}
