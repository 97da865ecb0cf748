/**
 * Cluster DNS as a pod sees it: the /etc/resolv.conf the kubelet gives it,
 * the search path a stub resolver walks with it, and the records CoreDNS's
 * kubernetes plugin serves (kubeadm's Corefile: `kubernetes cluster.local
 * in-addr.arpa ip6.arpa { pods insecure ... }`). Pure: names in, answers out.
 *
 * Records (cluster domain `cluster.local` by default), as CoreDNS's
 * kubernetes plugin serves them:
 * - `<svc>.<ns>.svc.<domain>`: A, the cluster IP; for a headless service one
 *   A record per ready endpoint address (none: NXDOMAIN);
 * - `<a-b-c-d>.<svc>.<ns>.svc.<domain>`: a ready endpoint of any service, by
 *   its dashed address (pods have no hostname/subdomain in netlab);
 *   `_<port>._<proto>.<svc>.<ns>.svc.<domain>`: the service if it has that
 *   port;
 * - `<a-b-c-d>.<ns>.pod.<domain>`: `pods insecure` answers any dashed
 *   address, whether a pod has it or not;
 * - PTR `<d.c.b.a>.in-addr.arpa` for cluster IPs (the service name) and
 *   endpoints;
 * - anything else is forwarded upstream (`forward . /etc/resolv.conf`), and
 *   netlab's cluster has no upstream: SERVFAIL, as from a CoreDNS whose
 *   upstream cannot be reached.
 *
 * CoreDNS's `loadbalance` plugin shuffles A records in each answer; netlab
 * keeps them by address, so answers are deterministic.
 *
 * Search path (glibc/musl resolv.conf semantics): a name with fewer dots than
 * `ndots` (5) and no trailing dot is tried with each search domain first,
 * then as is; otherwise as is first, then with the search domains.
 */
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import type { Cluster, Pod, Service, ServicePortModel } from './types.js';

export const NDOTS = 5;

export interface ResolvConf {
  readonly search: readonly string[];
  readonly nameservers: readonly IPv4[];
  readonly ndots: number;
}

/** dnsPolicy ClusterFirst (the default for pods not on the host network): the kubelet's clusterDNS and search path. */
export function podResolvConf(cluster: Cluster, namespace: string): ResolvConf {
  const domain = cluster.topology.network.clusterDomain;
  return { search: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain], nameservers: [cluster.clusterDNS], ndots: NDOTS };
}

/**
 * Which pods get the kubelet's resolv.conf: not hostNetwork ones (they read
 * the node's, dnsPolicy ClusterFirst falls back to Default) and not CoreDNS
 * (kubeadm gives it dnsPolicy: Default, so it does not ask itself).
 */
export function usesClusterDns(pod: Pod): boolean {
  return !pod.hostNetwork && !(pod.namespace === 'kube-system' && pod.spec.owner?.deployment === 'coredns');
}

/** The file as containerd writes it from the kubelet's DNSConfig: search, nameserver(s), options. */
export function renderResolvConf(conf: ResolvConf): string {
  return `search ${conf.search.join(' ')}\n${conf.nameservers.map((ns) => `nameserver ${formatIPv4(ns)}\n`).join('')}options ndots:${conf.ndots}\n`;
}

/** The names a stub resolver asks, in order, for `name` with this resolv.conf. */
export function searchCandidates(name: string, conf: Pick<ResolvConf, 'search' | 'ndots'>): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((domain) => `${name}.${domain}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}

export type DnsAnswer =
  /** A records from the cluster (a cluster IP, a headless service's pods, an endpoint or pod name). */
  | { readonly kind: 'A'; readonly name: string; readonly addresses: readonly IPv4[]; readonly service?: Service; readonly pod?: Pod }
  /** A name inside the cluster domain that does not exist (or a service without records: a headless one with no ready endpoint). */
  | { readonly kind: 'NXDOMAIN'; readonly name: string }
  /** An existing name without A records: a namespace, the zone apex, `svc.<domain>`, `pod.<domain>`. */
  | { readonly kind: 'NODATA'; readonly name: string }
  /** Outside the cluster domain: CoreDNS forwards it upstream, which netlab does not model. */
  | { readonly kind: 'FORWARDED'; readonly name: string };

/**
 * CoreDNS's answer for one fully qualified name (no trailing dot, any case),
 * as its kubernetes plugin parses and answers it (plugin/kubernetes:
 * parseRequest, findServices, findPods): `[endpoint.]service.namespace.svc`
 * or `_port._protocol.service.namespace.svc`, `podname.namespace.pod`; the
 * apex, `svc` and `pod` and a bare namespace are NODATA; a longer name, or a
 * kind other than svc/pod, is NXDOMAIN.
 */
export function lookupA(cluster: Cluster, fqdn: string): DnsAnswer {
  const parsed = parseClusterName(cluster, fqdn);
  switch (parsed.kind) {
    case 'svc':
      return lookupService(cluster, parsed.name, parsed.request);
    case 'pod':
      return lookupPod(cluster, parsed.name, parsed.request);
    default:
      return parsed;
  }
}

/** A name as the kubernetes plugin's parseRequest splits it: settled already, or a service or pod request. */
export type ParsedClusterName =
  | Extract<DnsAnswer, { kind: 'NXDOMAIN' | 'NODATA' | 'FORWARDED' }>
  | { readonly kind: 'svc' | 'pod'; readonly name: string; readonly request: RecordRequest };

/** Splits a fully qualified name (no trailing dot needed, any case) the way parseRequest does; see lookupA. */
export function parseClusterName(cluster: Cluster, fqdn: string): ParsedClusterName {
  const name = fqdn.toLowerCase().replace(/\.$/, '');
  const domain = cluster.topology.network.clusterDomain.toLowerCase();
  if (name !== domain && !name.endsWith(`.${domain}`)) return { kind: 'FORWARDED', name };
  const labels = name === domain ? [] : name.slice(0, -(domain.length + 1)).split('.');
  if (labels.length === 0 || (labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod'))) return { kind: 'NODATA', name };
  const kind = labels[labels.length - 1];
  if (kind !== 'svc' && kind !== 'pod') return { kind: 'NXDOMAIN', name };
  const rest = labels.slice(0, -1);
  // Left of svc/pod: namespace, then service (or pod), then one endpoint label or port and protocol.
  if (rest.length > 4) return { kind: 'NXDOMAIN', name };
  const namespace = rest[rest.length - 1]!;
  if (!namespaceExists(cluster, namespace)) return { kind: 'NXDOMAIN', name };
  if (rest.length === 1) return { kind: 'NODATA', name };
  const request: RecordRequest = {
    namespace,
    target: rest[rest.length - 2]!,
    ...(rest.length === 3 ? { endpoint: rest[0]! } : {}),
    ...(rest.length === 4 ? { port: stripUnderscore(rest[0]!), protocol: stripUnderscore(rest[1]!) } : {}),
  };
  return { kind, name, request };
}

export interface RecordRequest {
  readonly namespace: string;
  /** The service or pod label. */
  readonly target: string;
  readonly endpoint?: string;
  readonly port?: string;
  readonly protocol?: string;
}

/** Whether a service port is one an `_port._protocol` request asks for (any, when the request names none). */
export function requestsPort(r: RecordRequest, name: string, protocol: string): boolean {
  return (r.port === undefined || r.port === name.toLowerCase()) && (r.protocol === undefined || r.protocol === protocol.toLowerCase());
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

function lookupService(cluster: Cluster, name: string, r: RecordRequest): DnsAnswer {
  const service = cluster.serviceByKey.get(`${r.namespace}/${r.target}`);
  if (service === undefined) return { kind: 'NXDOMAIN', name };
  const ports = service.ports.filter((p) => requestsPort(r, p.name, p.protocol));
  if (service.headless || r.endpoint !== undefined) {
    // Ready endpoint addresses of the matching ports (every ready address when the service has no ports).
    const endpoints = readyAddresses(
      service,
      service.ports.length === 0 && r.port === undefined && r.protocol === undefined ? undefined : ports,
    );
    const matching = r.endpoint === undefined ? endpoints : endpoints.filter((e) => dashed(e.ip) === r.endpoint);
    if (matching.length === 0) return { kind: 'NXDOMAIN', name };
    const pod = r.endpoint !== undefined ? matching[0]!.pod : undefined;
    return { kind: 'A', name, addresses: matching.map((e) => e.ip), ...(service.headless ? { service } : {}), ...(pod ? { pod } : {}) };
  }
  if (ports.length === 0 || service.clusterIP === undefined) return { kind: 'NXDOMAIN', name };
  return { kind: 'A', name, addresses: [service.clusterIP], service };
}

/** The ready addresses behind a service's ports (or behind it, `ports` undefined), once each, by address. */
export function readyAddresses(
  service: Service,
  ports: readonly ServicePortModel[] | undefined,
): { readonly ip: IPv4; readonly pod?: Pod }[] {
  const byIp = new Map<IPv4, { readonly ip: IPv4; readonly pod?: Pod }>();
  const all = ports === undefined ? service.addresses() : ports.flatMap((p) => service.endpoints(p));
  for (const e of all) if (e.ready && !byIp.has(e.ip)) byIp.set(e.ip, e.pod ? { ip: e.ip, pod: e.pod } : { ip: e.ip });
  return [...byIp.values()].sort((a, b) => a.ip - b.ip);
}

/** `pods insecure`: any dashed IPv4 in an existing namespace, whether a pod has it or not. */
function lookupPod(cluster: Cluster, name: string, r: RecordRequest): DnsAnswer {
  const ip = dashedIPv4(r.target);
  if (ip === undefined) return { kind: 'NXDOMAIN', name };
  const pod = cluster.pods.find((p) => p.ip === ip && p.namespace === r.namespace && !p.hostNetwork);
  return { kind: 'A', name, addresses: [ip], ...(pod ? { pod } : {}) };
}

function namespaceExists(cluster: Cluster, namespace: string): boolean {
  return cluster.topology.namespaces.some((n) => n.name === namespace);
}

/** `10-244-1-2` -> 10.244.1.2. */
export function dashedIPv4(label: string): IPv4 | undefined {
  if (!/^\d{1,3}(-\d{1,3}){3}$/.test(label)) return undefined;
  return parseIPv4(label.replace(/-/g, '.'));
}

export function dashed(ip: IPv4): string {
  return formatIPv4(ip).replace(/\./g, '-');
}

export interface Resolution {
  /** The names asked, in order, with their answers, up to the one that answered. */
  readonly tried: readonly DnsAnswer[];
  /** The answer the application gets: the first A, else the last answer. */
  readonly answer: DnsAnswer;
}

/**
 * What `getaddrinfo(name)` in a pod gets: each search candidate asked in
 * turn until one has A records. (A FORWARDED candidate stops the walk only
 * when it is the name as written; search-expanded candidates are always
 * inside the cluster domain.)
 */
export function resolveName(cluster: Cluster, name: string, conf: Pick<ResolvConf, 'search' | 'ndots'>): Resolution {
  const tried: DnsAnswer[] = [];
  for (const candidate of searchCandidates(name, conf)) {
    const answer = lookupA(cluster, candidate);
    tried.push(answer);
    if (answer.kind === 'A' || answer.kind === 'FORWARDED') return { tried, answer };
  }
  return { tried, answer: tried[tried.length - 1]! };
}

/**
 * PTR targets for an address, as CoreDNS's kubernetes plugin answers them
 * (serviceRecordForIP): the service whose cluster IP it is; otherwise one
 * name per service the address is a ready endpoint of,
 * `<a-b-c-d>.<service>.<namespace>.svc.<domain>` (by service key, so the
 * order is stable). Empty: CoreDNS falls through to its upstream.
 */
export function reverseLookup(cluster: Cluster, ip: IPv4): string[] {
  const domain = cluster.topology.network.clusterDomain;
  const byClusterIP = cluster.services.find((s) => s.clusterIP === ip);
  if (byClusterIP) return [`${byClusterIP.name}.${byClusterIP.namespace}.svc.${domain}`];
  const names: string[] = [];
  for (const service of [...cluster.services].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (readyAddresses(service, service.ports.length === 0 ? undefined : service.ports).some((a) => a.ip === ip)) {
      names.push(`${dashed(ip)}.${service.name}.${service.namespace}.svc.${domain}`);
    }
  }
  return names;
}

/** `10.96.0.10` -> `10.0.96.10.in-addr.arpa`. */
export function reverseName(ip: IPv4): string {
  return `${formatIPv4(ip).split('.').reverse().join('.')}.in-addr.arpa`;
}
