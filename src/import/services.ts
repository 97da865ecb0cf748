/**
 * Service objects -> netlab services, pinned: cluster IP (or None), ports
 * with their node ports and target ports (by number or by name), external
 * IPs, the load balancer's address from status, source ranges, the health
 * check node port, session affinity and its timeout, both traffic policies.
 * The kubernetes service is left to netlab when it is what the API server
 * creates anyway.
 *
 * netlab derives endpoints from selectors and pods, as the EndpointSlice
 * controller does; the slices in the input are checked against the pods
 * imported, and what the topology cannot say (selector-less services with
 * hand-written EndpointSlices, several load balancer addresses, ...) is
 * named for the change that adds it.
 */
import type { Service } from '../kube/core.js';
import * as K from '../kube/well-known.js';
import { formatIPv4, parseIPv4 } from '../net/ipv4.js';
import { nth, parseCidr } from '../net/cidr.js';
import type { DocumentService, DocumentServicePort } from '../topology/document.js';
import { ImportCode } from './codes.js';
import { inCreationOrder, keyOf, type ImportContext } from './context.js';
import type { Decoded } from './decode.js';
import type { ImportedPod } from './pods.js';
import { problemAt, type Where } from './read.js';

export interface ImportedService {
  readonly document: DocumentService;
  readonly at: Where;
}

const DEFAULT_AFFINITY_TIMEOUT = 10800;

export function importServices(context: ImportContext, serviceCIDR: string, pods: readonly ImportedPod[]): ImportedService[] {
  const { notes } = context;
  const out: ImportedService[] = [];
  const seen = new Set<string>();
  const kubernetesIp = formatIPv4(nth(parseCidr(serviceCIDR)!, 1));
  for (const decoded of inCreationOrder(context.objects.services)) {
    const service = decoded.object;
    const key = keyOf(service.metadata);
    if (service.metadata.name === undefined) continue;
    if (seen.has(key)) {
      context.diagnostics.push(
        problemAt(
          decoded.at,
          ImportCode.Unbuildable,
          `service ${key} is in the input twice`,
          'give each object once (two collections of the same cluster?)',
        ),
      );
      continue;
    }
    seen.add(key);
    if (service.spec.type === 'ExternalName') {
      notes.notExpressible('ExternalName services (a DNS CNAME, no kube-proxy rules)', key);
      continue;
    }
    const document = serviceDocument(context, decoded);
    if (document === undefined) continue;
    if (key === 'default/kubernetes' && isApiServerDefault(document, kubernetesIp)) continue;
    out.push({ document, at: decoded.at });
  }
  checkEndpointSlices(context, pods);
  return out;
}

/** What kube-apiserver creates: netlab has it without being told. */
function isApiServerDefault(s: DocumentService, firstAddress: string): boolean {
  const port = s.ports?.[0];
  return (
    s.clusterIP === firstAddress &&
    s.selector === undefined &&
    (s.type ?? 'ClusterIP') === 'ClusterIP' &&
    s.ports?.length === 1 &&
    port?.name === 'https' &&
    port.port === 443 &&
    (port.protocol ?? 'TCP') === 'TCP' &&
    port.targetPort === 6443 &&
    s.sessionAffinity === undefined &&
    s.internalTrafficPolicy === undefined
  );
}

function serviceDocument(context: ImportContext, decoded: Decoded<Service>): DocumentService | undefined {
  const { notes } = context;
  const service = decoded.object;
  const spec = service.spec;
  const key = keyOf(service.metadata);
  const where = (...path: (string | number)[]): Where => ({ source: decoded.at.source, path: [...decoded.at.path, ...path] });
  const type = spec.type ?? 'ClusterIP';
  if (type !== 'ClusterIP' && type !== 'NodePort' && type !== 'LoadBalancer') {
    context.diagnostics.push(
      problemAt(
        where('spec', 'type'),
        ImportCode.ValueInvalid,
        `service ${key}: type '${type}' is not ClusterIP, NodePort, LoadBalancer or ExternalName`,
      ),
    );
    return undefined;
  }
  const ipv4 = (text: string | undefined, ...path: (string | number)[]): string | undefined => {
    if (text === undefined || text === '') return undefined;
    const ip = parseIPv4(text);
    if (ip !== undefined) return formatIPv4(ip);
    if (text.includes(':')) notes.notExpressible('IPv6 service addresses (left out)', `${key} ${text}`);
    else context.diagnostics.push(problemAt(where(...path), ImportCode.ValueInvalid, `service ${key}: '${text}' is not an IPv4 address`));
    return undefined;
  };
  let clusterIP: string | undefined;
  if (spec.clusterIP === 'None') clusterIP = 'None';
  else
    clusterIP =
      ipv4(spec.clusterIP, 'spec', 'clusterIP') ??
      (spec.clusterIPs ?? [])
        .map((ip, i) => (ip.includes(':') ? undefined : ipv4(ip, 'spec', 'clusterIPs', i)))
        .find((ip) => ip !== undefined);
  if (clusterIP === undefined && spec.clusterIP !== undefined && spec.clusterIP !== '') return undefined; // IPv6-only: noted
  if (clusterIP === undefined) notes.assumed(`service ${key} has no cluster IP yet (a manifest): netlab allocates one`);
  const external = type !== 'ClusterIP';
  const ports: DocumentServicePort[] = (spec.ports ?? []).map((p) => ({
    ...(p.name !== undefined && p.name !== '' ? { name: p.name } : {}),
    ...(p.protocol !== undefined && p.protocol !== 'TCP' ? { protocol: p.protocol } : {}),
    port: p.port,
    ...(p.targetPort !== undefined && p.targetPort !== p.port ? { targetPort: p.targetPort } : {}),
    ...(external && p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
  }));
  const externalIPs = (spec.externalIPs ?? [])
    .map((ip, i) => ipv4(ip, 'spec', 'externalIPs', i))
    .filter((x): x is string => x !== undefined);
  const selector = spec.selector !== undefined && Object.keys(spec.selector).length > 0 ? spec.selector : undefined;
  let loadBalancerIP: string | undefined;
  if (type === 'LoadBalancer') {
    const ingress = service.status?.loadBalancer?.ingress ?? [];
    const ips = ingress
      .map((i, n) => (i.ip !== undefined ? ipv4(i.ip, 'status', 'loadBalancer', 'ingress', n, 'ip') : undefined))
      .filter((x): x is string => x !== undefined);
    loadBalancerIP = ips[0] ?? ipv4(spec.loadBalancerIP, 'spec', 'loadBalancerIP');
    if (ips.length > 1)
      notes.notExpressible('LoadBalancer services with several ingress addresses (the first is kept)', `${key} ${ips.join(' ')}`);
    if (ingress.some((i) => i.ip === undefined && i.hostname !== undefined))
      notes.notExpressible("LoadBalancer addresses given as a hostname (a cloud load balancer's DNS name)", key);
    if (loadBalancerIP === undefined)
      notes.assumed(`LoadBalancer ${key} has no address yet (pending): netlab gives it one from network.loadBalancerPool`);
    if (spec.allocateLoadBalancerNodePorts === false)
      notes.notExpressible('allocateLoadBalancerNodePorts: false (netlab allocates node ports)', key);
    if (spec.loadBalancerClass !== undefined) notes.notExpressible('loadBalancerClass', `${key} ${spec.loadBalancerClass}`);
  }
  const sourceRanges = type === 'LoadBalancer' ? (spec.loadBalancerSourceRanges ?? []) : [];
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.publishNotReadyAddresses === true) notes.notExpressible('publishNotReadyAddresses (not-ready pods stay endpoints)', key);
  if (spec.trafficDistribution !== undefined)
    notes.notExpressible('trafficDistribution (topology-aware routing)', `${key} ${spec.trafficDistribution}`);
  const localExternal = spec.externalTrafficPolicy === 'Local' && (external || externalIPs.length > 0);
  return {
    name: service.metadata.name!,
    ...(service.metadata.namespace !== 'default' ? { namespace: service.metadata.namespace! } : {}),
    ...(type !== 'ClusterIP' ? { type } : {}),
    ...(selector !== undefined ? { selector } : {}),
    ...(ports.length > 0 ? { ports } : {}),
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ...(externalIPs.length > 0 ? { externalIPs } : {}),
    ...(loadBalancerIP !== undefined ? { loadBalancerIP } : {}),
    ...(sourceRanges.length > 0 ? { loadBalancerSourceRanges: sourceRanges } : {}),
    ...(localExternal && type === 'LoadBalancer' && spec.healthCheckNodePort !== undefined
      ? { healthCheckNodePort: spec.healthCheckNodePort }
      : {}),
    ...(spec.sessionAffinity === 'ClientIP' ? { sessionAffinity: 'ClientIP' as const } : {}),
    ...(spec.sessionAffinity === 'ClientIP' && timeout !== undefined && timeout !== DEFAULT_AFFINITY_TIMEOUT
      ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: timeout } } }
      : {}),
    ...(localExternal ? { externalTrafficPolicy: 'Local' as const } : {}),
    ...(spec.internalTrafficPolicy === 'Local' ? { internalTrafficPolicy: 'Local' as const } : {}),
  };
}

/**
 * The slices in the input against what netlab derives: a selector-less
 * service's hand-written endpoints cannot be said yet; a controller's
 * endpoint whose pod was not imported (or has another address) is named.
 */
function checkEndpointSlices(context: ImportContext, pods: readonly ImportedPod[]): void {
  const { notes, objects } = context;
  const podIp = new Map(pods.map((p) => [`${p.object.metadata.namespace}/${p.object.metadata.name}`, p.document.ip]));
  const podNode = new Map(pods.map((p) => [`${p.object.metadata.namespace}/${p.object.metadata.name}`, p.document.node]));
  const services = new Map(objects.services.map((s) => [keyOf(s.object.metadata), s.object]));
  for (const { object: slice } of objects.endpointSlices) {
    const namespace = slice.metadata.namespace ?? 'default';
    const serviceName = slice.metadata.labels?.[K.LABEL_SERVICE_NAME];
    if (serviceName === undefined || (namespace === 'default' && serviceName === 'kubernetes')) continue;
    const service = services.get(`${namespace}/${serviceName}`);
    const managed = slice.metadata.labels?.[K.LABEL_MANAGED_BY] === K.ENDPOINTSLICE_CONTROLLER;
    const endpoints = slice.endpoints ?? [];
    if (slice.addressType !== 'IPv4') {
      if (endpoints.length > 0) notes.notExpressible(`EndpointSlices of address type IPv6 or FQDN`, `${namespace}/${slice.metadata.name}`);
      continue;
    }
    if (!managed || (service !== undefined && (service.spec.selector === undefined || Object.keys(service.spec.selector).length === 0))) {
      if (endpoints.length === 0) continue;
      const addresses = endpoints.flatMap((e) => e.addresses);
      const ports = (slice.ports ?? []).map((p) => p.port).filter((p) => p !== undefined);
      notes.notExpressible(
        'services whose endpoints are written by hand (selector-less services with EndpointSlices; left without endpoints)',
        `${namespace}/${serviceName} ${addresses.join(' ')}${ports.length > 0 ? ` port ${ports.join(',')}` : ''}`,
      );
      continue;
    }
    for (const e of endpoints) {
      const ref = e.targetRef;
      if (ref?.kind !== 'Pod' || ref.name === undefined) continue;
      const key = `${ref.namespace ?? namespace}/${ref.name}`;
      const ip = podIp.get(key);
      if (!podIp.has(key))
        notes.notExpressible(
          'endpoints whose pod was not imported (they are no endpoints in netlab)',
          `${namespace}/${serviceName} ${key}`,
        );
      else if (ip !== undefined && !e.addresses.includes(ip))
        notes.notExpressible("endpoints whose address is not their pod's", `${namespace}/${serviceName} ${key} ${e.addresses.join(' ')}`);
      else if (e.nodeName !== undefined && e.nodeName !== podNode.get(key))
        notes.notExpressible('endpoints on another node than their pod', `${namespace}/${serviceName} ${key}`);
    }
  }
}
