/**
 * The message CoreDNS sends back for one question, with kubeadm's Corefile
 * (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure;
 * fallthrough in-addr.arpa ip6.arpa; ttl 30 }`, then `forward .
 * /etc/resolv.conf`). Pure: what is asked in, the reply's sections out. The
 * names and which records exist come from src/model/dns.ts; this module
 * adds what the kubernetes plugin's handler and plugin/backend_lookup.go do
 * with them:
 *
 * - an answer is authoritative (aa), every record with the plugin's TTL (30);
 * - a name that does not exist is NXDOMAIN, a name without records of the
 *   type asked NOERROR without answer (NODATA), both authoritative with the
 *   zone's SOA in the authority section (BackendError: `ns.dns.<zone>
 *   hostmaster.<zone> SERIAL 7200 1800 86400 30`, the serial being when the
 *   API objects last changed);
 * - SRV: one record per port (or per ready endpoint and port, for a headless
 *   service or an endpoint name), weight 100/n of n records, targets
 *   `<svc>.<ns>.svc.<zone>.` (or `<a-b-c-d>.<svc>...`, `<a-b-c-d>.<ns>.pod...`)
 *   with their A records in the additional section;
 * - names outside the zone, reverse names without a record and non-PTR
 *   questions about reverse names go to the forward plugin, which has no
 *   upstream in netlab: SERVFAIL, not authoritative, nothing else (the
 *   server's error reply).
 *
 * The `loadbalance` plugin shuffles A records; netlab keeps them by address.
 */
import { parseIPv4, type IPv4 } from '../net/ipv4.js';
import { EDNS_OPTION, encodeMessage, FLAG, RCODE, type Edns, type WireMessage, type WireRecord } from '../net/dns-wire.js';
import { dashed, lookupA, parseClusterName, readyAddresses, requestsPort, reverseLookup, type RecordRequest } from './dns.js';
import type { Cluster, Service } from './types.js';

/** kubeadm's Corefile sets `ttl 30` in the kubernetes block (the plugin's own default is 5). */
export const KUBERNETES_TTL = 30;

/**
 * A record of a reply: owner names as asked (CoreDNS echoes the question's
 * case), without their final dot; names inside the data end with one.
 */
export type DnsRecord = WireRecord;

/** A DNS reply as CoreDNS sends it: what nslookup and dig print from. */
export interface DnsResponse {
  readonly rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  /** aa: the kubernetes plugin answered (the forward plugin's SERVFAIL is not authoritative). */
  readonly authoritative: boolean;
  readonly answers: readonly DnsRecord[];
  /** The zone's SOA of an NXDOMAIN or NODATA reply. */
  readonly authority: readonly DnsRecord[];
  /** A records of SRV targets. */
  readonly additional: readonly DnsRecord[];
}

export type QueryType = 'A' | 'AAAA' | 'PTR' | 'SRV';

const SERVFAIL: DnsResponse = { rcode: 'SERVFAIL', authoritative: false, answers: [], authority: [], additional: [] };

/** `soaSerial`: the SOA serial, in CoreDNS the time (Unix seconds) the API objects it watches last changed. */
export function coreDnsQuery(cluster: Cluster, qname: string, qtype: QueryType, soaSerial: number): DnsResponse {
  const asked = qname.replace(/\.$/, '');
  const lower = asked.toLowerCase();
  if (lower === 'in-addr.arpa' || lower.endsWith('.in-addr.arpa')) return reverseReply(cluster, asked, qtype);
  const parsed = parseClusterName(cluster, asked);
  if (parsed.kind === 'FORWARDED') return SERVFAIL;
  const domain = cluster.topology.network.clusterDomain;
  const soa = soaRecord(asked.slice(asked.length - domain.length), soaSerial);
  const noRecords = (rcode: 'NOERROR' | 'NXDOMAIN'): DnsResponse => ({
    rcode,
    authoritative: true,
    answers: [],
    authority: [soa],
    additional: [],
  });
  if (qtype === 'SRV') {
    const srv =
      parsed.kind === 'svc' || parsed.kind === 'pod' ? srvRecords(cluster, asked, parsed.kind, parsed.request, domain) : parsed.kind;
    if (srv === 'NXDOMAIN') return noRecords('NXDOMAIN');
    if (srv === 'NODATA' || srv.answers.length === 0) return noRecords('NOERROR');
    return { rcode: 'NOERROR', authoritative: true, answers: srv.answers, authority: [], additional: srv.additional };
  }
  const a = lookupA(cluster, asked);
  if (a.kind === 'NXDOMAIN') return noRecords('NXDOMAIN');
  if (a.kind !== 'A' || qtype !== 'A') return noRecords('NOERROR');
  return {
    rcode: 'NOERROR',
    authoritative: true,
    answers: a.addresses.map((address) => aRecord(asked, address)),
    authority: [],
    additional: [],
  };
}

function aRecord(name: string, address: IPv4): DnsRecord {
  return { type: 'A', name, ttl: KUBERNETES_TTL, address };
}

function soaRecord(zone: string, serial: number): DnsRecord {
  // plugin.SOA: the TTL is the plugin's minimum TTL capped at 300 seconds.
  const ttl = Math.min(KUBERNETES_TTL, 300);
  return {
    type: 'SOA',
    name: zone,
    ttl,
    mname: `ns.dns.${zone}.`,
    rname: `hostmaster.${zone}.`,
    serial,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: KUBERNETES_TTL,
  };
}

/** PTR for cluster IPs and endpoints; everything else falls through to the forward plugin. */
function reverseReply(cluster: Cluster, asked: string, qtype: QueryType): DnsResponse {
  if (qtype !== 'PTR') return SERVFAIL;
  const ip = parseIPv4(asked.toLowerCase().slice(0, -'.in-addr.arpa'.length).split('.').reverse().join('.'));
  const targets = ip === undefined ? [] : reverseLookup(cluster, ip);
  if (targets.length === 0) return SERVFAIL;
  return {
    rcode: 'NOERROR',
    authoritative: true,
    answers: targets.map((t) => ({ type: 'PTR', name: asked, ttl: KUBERNETES_TTL, target: `${t}.` })),
    authority: [],
    additional: [],
  };
}

/** msg.Service as the kubernetes plugin returns it: an address, a port (-1: none declared) and the target name. */
interface SrvService {
  readonly host: IPv4;
  readonly port: number;
  readonly target: string;
}

/**
 * plugin.SRV over the kubernetes plugin's findServices/findPods: NXDOMAIN
 * when the request matches nothing, NODATA for a namespace-only name.
 */
function srvRecords(
  cluster: Cluster,
  asked: string,
  kind: 'svc' | 'pod',
  r: RecordRequest,
  domain: string,
): { answers: DnsRecord[]; additional: DnsRecord[] } | 'NXDOMAIN' {
  const services = kind === 'pod' ? podServices(cluster, asked) : serviceServices(cluster, r, domain);
  if (services === undefined) return 'NXDOMAIN';
  // Every record has priority 0 and weight 0, which counts as 100: each gets floor(100 / n), at least 1.
  const weight = Math.max(1, Math.floor(10000 / (100 * services.length)));
  const answers: DnsRecord[] = [];
  const additional: DnsRecord[] = [];
  const seenPorts = new Set<string>();
  const seenAddresses = new Set<string>();
  for (const s of services) {
    if (s.port === -1) continue;
    if (!seenPorts.has(`${s.target} ${s.port}`)) {
      seenPorts.add(`${s.target} ${s.port}`);
      answers.push({ type: 'SRV', name: asked, ttl: KUBERNETES_TTL, priority: 0, weight, port: s.port, target: `${s.target}.` });
    }
    if (!seenAddresses.has(`${s.target} ${s.host}`)) {
      seenAddresses.add(`${s.target} ${s.host}`);
      additional.push(aRecord(s.target, s.host));
    }
  }
  return { answers, additional };
}

/** findPods, `pods insecure`: the dashed address itself, no port. */
function podServices(cluster: Cluster, asked: string): SrvService[] | undefined {
  const a = lookupA(cluster, asked);
  if (a.kind !== 'A') return undefined;
  return a.addresses.map((host) => ({ host, port: 0, target: asked.toLowerCase() }));
}

/** findServices: the cluster IP per matching port, or each ready endpoint per matching port. */
function serviceServices(cluster: Cluster, r: RecordRequest, domain: string): SrvService[] | undefined {
  const service = cluster.serviceByKey.get(`${r.namespace}/${r.target}`);
  if (service === undefined) return undefined;
  const base = `${service.name}.${service.namespace}.svc.${domain}`;
  const matches = (name: string, protocol: string): boolean => requestsPort(r, name, protocol);
  if (service.headless || r.endpoint !== undefined) {
    const out = endpointServices(service, base, matches).filter((s) => r.endpoint === undefined || s.target.startsWith(`${r.endpoint}.`));
    return out.length > 0 ? out : undefined;
  }
  if (service.clusterIP === undefined) return undefined;
  const ports = service.ports.filter((p) => matches(p.name, p.protocol));
  if (ports.length === 0) return undefined;
  return ports.map((p) => ({ host: service.clusterIP!, port: p.port, target: base }));
}

/**
 * Ready endpoints by address, each with its ports in the service's port
 * order (the EndpointSlice's ports carry the target port numbers); a
 * service without ports gives each address port -1.
 */
function endpointServices(service: Service, base: string, matches: (name: string, protocol: string) => boolean): SrvService[] {
  if (service.ports.length === 0) {
    if (!matches('', '')) return [];
    return readyAddresses(service, undefined).map((a) => ({ host: a.ip, port: -1, target: `${dashed(a.ip)}.${base}` }));
  }
  const portsByAddress = new Map<IPv4, number[]>();
  for (const p of service.ports) {
    if (!matches(p.name, p.protocol)) continue;
    for (const e of service.endpoints(p)) {
      if (!e.ready) continue;
      const list = portsByAddress.get(e.ip) ?? [];
      portsByAddress.set(e.ip, list);
      list.push(e.port);
    }
  }
  return [...portsByAddress.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([ip, ports]) => ports.map((port) => ({ host: ip, port, target: `${dashed(ip)}.${base}` })));
}

/** What dig (or any client) asks: the name as sent (case kept), the type, and its EDNS record. */
export interface DnsQuery {
  readonly id: number;
  readonly name: string;
  readonly type: QueryType;
  readonly recursionDesired: boolean;
  readonly edns?: Edns;
}

/** EDNS options CoreDNS passes back (request.supportedOptions): NSID, EXPIRE, COOKIE, TCP-KEEPALIVE, PADDING. */
const SUPPORTED_EDNS_OPTIONS = new Set([3, 9, EDNS_OPTION.COOKIE, 11, 12]);

/**
 * The reply as CoreDNS frames it: SetReply (the query's id, opcode, rd and
 * cd; qr), aa when the kubernetes plugin answered, the rcode, and the
 * query's OPT record reused with the supported options (SizeAndDo).
 */
export function replyMessage(query: DnsQuery, response: DnsResponse): WireMessage {
  const rcode = { NOERROR: RCODE.NOERROR, NXDOMAIN: RCODE.NXDOMAIN, SERVFAIL: RCODE.SERVFAIL }[response.rcode];
  const flags = FLAG.QR | (query.recursionDesired ? FLAG.RD : 0) | (response.authoritative ? FLAG.AA : 0) | rcode;
  const edns = query.edns && {
    udpSize: query.edns.udpSize,
    version: 0,
    dnssecOk: query.edns.dnssecOk,
    options: query.edns.options.filter((o) => SUPPORTED_EDNS_OPTIONS.has(o.code)),
  };
  return {
    id: query.id,
    flags,
    question: { name: query.name, type: query.type },
    answer: response.answers,
    authority: response.authority,
    additional: response.additional,
    ...(edns ? { edns } : {}),
  };
}

/** What the client receives: the message's length on the wire, and whether it had to be truncated. */
export interface Scrubbed {
  readonly size: number;
  readonly compressed: boolean;
  /** TC: not even compressed did it fit (a client asks again over TCP). */
  readonly truncated: boolean;
}

/** dns.MinMsgSize, dns.MaxMsgSize; the UDP sizes past which CoreDNS compresses against fragmentation (IPv4). */
const MIN_UDP_SIZE = 512;
const MAX_MSG_SIZE = 65535;
const IPV4_FRAGMENTATION_LIMIT = 1480;

/**
 * request.Scrub with miekg/dns Msg.Truncate: uncompressed when the reply
 * fits the client's buffer (the EDNS size over UDP, at least 512; 64 KiB
 * over TCP), unless over UDP it is larger than 1480 bytes; compressed when
 * only that fits; truncated otherwise.
 */
export function scrub(message: WireMessage, query: DnsQuery, overTcp: boolean): Scrubbed {
  const size = overTcp ? MAX_MSG_SIZE : Math.max(MIN_UDP_SIZE, query.edns?.udpSize ?? MIN_UDP_SIZE);
  const plain = encodeMessage(message, { compress: false }).length;
  if (plain <= size && (overTcp || plain <= IPV4_FRAGMENTATION_LIMIT)) return { size: plain, compressed: false, truncated: false };
  const packed = encodeMessage(message, { compress: true }).length;
  if (packed <= size) return { size: packed, compressed: true, truncated: false };
  return { size, compressed: true, truncated: true };
}
