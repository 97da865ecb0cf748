/**
 * Cluster DNS as a pod sees it: the /etc/resolv.conf the kubelet gives it,
 * the search path a stub resolver walks with it, and the records CoreDNS's
 * kubernetes plugin serves (kubeadm's Corefile: `kubernetes cluster.local
 * in-addr.arpa ip6.arpa { pods insecure ... }`). Pure: names in, answers out.
 *
 * Records (cluster domain `cluster.local` by default):
 * - `<svc>.<ns>.svc.<domain>`: A, the cluster IP; for a headless service one
 *   A record per ready endpoint address;
 * - `<a-b-c-d>.<svc>.<ns>.svc.<domain>`: a headless service's endpoint, by
 *   its dashed address (pods have no hostname/subdomain in netlab);
 * - `<a-b-c-d>.<ns>.pod.<domain>`: `pods insecure` answers any dashed
 *   address, whether a pod has it or not;
 * - PTR `<d.c.b.a>.in-addr.arpa` for cluster IPs (the service name) and
 *   headless endpoints;
 * - anything outside the cluster domain is forwarded upstream (`forward .
 *   /etc/resolv.conf`), which netlab does not model.
 *
 * Search path (glibc/musl resolv.conf semantics): a name with fewer dots than
 * `ndots` (5) and no trailing dot is tried with each search domain first,
 * then as is; otherwise as is first, then with the search domains.
 */
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import type { Service } from './services/types.js';
import type { Cluster, Pod } from './types.js';

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
  /** A records from the cluster (a cluster IP, a headless service's pods, a pod name). */
  | { readonly kind: 'A'; readonly name: string; readonly addresses: readonly IPv4[]; readonly service?: Service; readonly pod?: Pod }
  /** A name inside the cluster domain that does not exist. */
  | { readonly kind: 'NXDOMAIN'; readonly name: string }
  /** An existing name without A records (a headless service with no ready endpoint, a namespace). */
  | { readonly kind: 'NODATA'; readonly name: string; readonly service?: Service }
  /** Outside the cluster domain: CoreDNS forwards it upstream, which netlab does not model. */
  | { readonly kind: 'FORWARDED'; readonly name: string };

/** CoreDNS's answer for one fully qualified name (no trailing dot, any case). */
export function lookupA(cluster: Cluster, fqdn: string): DnsAnswer {
  const name = fqdn.toLowerCase().replace(/\.$/, '');
  const domain = cluster.topology.network.clusterDomain.toLowerCase();
  if (name !== domain && !name.endsWith(`.${domain}`)) return { kind: 'FORWARDED', name };
  const labels = name === domain ? [] : name.slice(0, -(domain.length + 1)).split('.');
  const type = labels[labels.length - 1];
  if (type === 'svc') return lookupService(cluster, name, labels.slice(0, -1));
  if (type === 'pod') return lookupPod(cluster, name, labels.slice(0, -1));
  return { kind: 'NXDOMAIN', name };
}

function lookupService(cluster: Cluster, name: string, labels: readonly string[]): DnsAnswer {
  if (labels.length === 1) return namespaceExists(cluster, labels[0]!) ? { kind: 'NODATA', name } : { kind: 'NXDOMAIN', name };
  if (labels.length === 2) {
    const service = cluster.serviceByKey.get(`${labels[1]}/${labels[0]}`);
    if (service === undefined) return { kind: 'NXDOMAIN', name };
    if (!service.headless) return { kind: 'A', name, addresses: service.clusterIP !== undefined ? [service.clusterIP] : [], service };
    const ready = service.addresses().filter((a) => a.ready);
    return ready.length > 0 ? { kind: 'A', name, addresses: ready.map((a) => a.ip), service } : { kind: 'NODATA', name, service };
  }
  if (labels.length === 3) {
    // <endpoint>.<svc>.<ns>: a headless service's endpoint, named by its dashed address.
    const service = cluster.serviceByKey.get(`${labels[2]}/${labels[1]}`);
    const ip = dashedIPv4(labels[0]!);
    const address = service?.headless && ip !== undefined ? service.addresses().find((a) => a.ip === ip && a.ready) : undefined;
    if (address === undefined) return { kind: 'NXDOMAIN', name };
    return { kind: 'A', name, addresses: [address.ip], service: service!, ...(address.pod ? { pod: address.pod } : {}) };
  }
  return { kind: 'NXDOMAIN', name };
}

/** `pods insecure`: any dashed IPv4 in an existing namespace. */
function lookupPod(cluster: Cluster, name: string, labels: readonly string[]): DnsAnswer {
  if (labels.length !== 2 || !namespaceExists(cluster, labels[1]!)) return { kind: 'NXDOMAIN', name };
  const ip = dashedIPv4(labels[0]!);
  if (ip === undefined) return { kind: 'NXDOMAIN', name };
  const pod = cluster.pods.find((p) => p.ip === ip && p.namespace === labels[1] && !p.hostNetwork);
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

/** PTR for an address: a service's cluster IP, or a headless service's endpoint. */
export function reverseLookup(cluster: Cluster, ip: IPv4): string | undefined {
  const domain = cluster.topology.network.clusterDomain;
  for (const service of cluster.services) {
    if (service.clusterIP === ip) return `${service.name}.${service.namespace}.svc.${domain}`;
  }
  for (const service of cluster.services) {
    if (service.headless && service.addresses().some((a) => a.ip === ip && a.ready)) return `${dashed(ip)}.${service.name}.${service.namespace}.svc.${domain}`;
  }
  return undefined;
}

/** `10.96.0.10` -> `10.0.96.10.in-addr.arpa`. */
export function reverseName(ip: IPv4): string {
  return `${formatIPv4(ip).split('.').reverse().join('.')}.in-addr.arpa`;
}
