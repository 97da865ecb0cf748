/**
 * `nslookup NAME [SERVER]` in a pod (and what dig shares with it,
 * src/exec/dig.ts): the
 * question goes where the tool sends it (the nameserver of the pod's
 * /etc/resolv.conf, or the server named), one UDP packet to port 53 walked
 * through the dataplane (kube-proxy's DNAT to a CoreDNS pod, or wherever it
 * ends); when it reaches a socket, CoreDNS's answers come from the cluster
 * model (src/model/dns.ts). The answer's way back is not walked: conntrack
 * returns it along the request's path.
 *
 * How a failed walk shows, measured with bind9-dnsutils 9.18 in throw-away
 * namespaces: a port unreachable from the server address itself (nothing
 * listens there, conntrack translating the pod's error back) is `connection
 * refused`; drops and ICMP errors from a hop on the way (a REJECT in a
 * node's FORWARD chain, as kube-proxy's for a service without endpoints) are
 * `timed out`: the connected UDP socket is not told of them; a route in the
 * pod that refuses the connect() is a setup failure.
 */
import type { NetNs } from '../kernel/netns.js';
import { parseIPv4, type IPv4 } from '../net/ipv4.js';
import { buildProbe, newSession } from '../dataplane/probes.js';
import type { Dataplane } from '../dataplane/build.js';
import { reverseName, searchCandidates } from '../model/dns.js';
import { coreDnsQuery, type QueryType } from '../model/coredns-reply.js';
import { renderNslookup, type DnsQuestion, type DnsTransport, type ToolOutput } from '../render/dns-tools.js';
import { notEmulated } from './not-emulated.js';
import { execClock, result, type ExecContext, type ExecResult } from './types.js';

/** What bind reads from /etc/resolv.conf. */
export interface ResolverConfig {
  readonly search: readonly string[];
  readonly nameservers: readonly string[];
  readonly ndots: number;
}

/** bind's default without `options ndots:N`. */
const DEFAULT_NDOTS = 1;

export function parseResolvConf(text: string): ResolverConfig {
  let search: string[] = [];
  const nameservers: string[] = [];
  let ndots = DEFAULT_NDOTS;
  for (const line of text.split('\n')) {
    const [keyword, ...args] = line.trim().split(/\s+/);
    if (keyword === 'search' || keyword === 'domain') search = args;
    else if (keyword === 'nameserver' && args[0]) nameservers.push(args[0]);
    else if (keyword === 'options') {
      for (const option of args) if (option.startsWith('ndots:')) ndots = Math.min(Number(option.slice(6)) || 0, 15);
    }
  }
  return { search, nameservers, ndots };
}

/** One UDP packet to SERVER:53, walked: how bind would see the exchange. */
export function reachServer(dataplane: Dataplane, ns: NetNs, server: IPv4): DnsTransport {
  const walk = newSession(dataplane).send(ns, buildProbe(server, { protocol: 'udp', dport: 53, size: 40 }));
  if (walk.disposition === 'DELIVERED') return { kind: 'answered' };
  if (walk.notice.kind === 'local-error') {
    switch (walk.disposition) {
      case 'NO_ROUTE':
        return { kind: 'setup', reason: walk.notice.errno === 'EINVAL' ? 'invalid file' : 'network unreachable' };
      case 'ROUTE_UNREACHABLE':
        return { kind: 'setup', reason: 'host unreachable' };
      case 'ROUTE_PROHIBIT':
        return { kind: 'setup', reason: 'permission denied' };
      case 'ROUTE_BLACKHOLE':
        return { kind: 'setup', reason: 'invalid file' };
      default:
        // An OUTPUT rule dropping it: send() fails, bind waits for an answer that never comes.
        return { kind: 'error', reason: 'timed out' };
    }
  }
  if (walk.disposition === 'PORT_UNREACHABLE' && walk.notice.kind === 'icmp' && walk.notice.type === 3 && walk.notice.code === 3) {
    return { kind: 'error', reason: 'connection refused' };
  }
  return { kind: 'error', reason: 'timed out' };
}

export interface Target {
  readonly server: string;
  readonly address: IPv4;
  readonly fromResolvConf: boolean;
  readonly conf: ResolverConfig;
}

/** The server: named on the command line, else the first nameserver of the namespace's /etc/resolv.conf. */
export function target(ns: NetNs, argv: readonly string[], named: string | undefined): Target | ExecResult {
  const file = ns.files.get('/etc/resolv.conf');
  const conf = file !== undefined ? parseResolvConf(file) : { search: [], nameservers: [], ndots: DEFAULT_NDOTS };
  if (named !== undefined) {
    const address = parseIPv4(named);
    if (address === undefined) return notEmulated(argv, 'the server must be an IPv4 address');
    return { server: named, address, fromResolvConf: false, conf };
  }
  const first = conf.nameservers[0];
  const address = first !== undefined ? parseIPv4(first) : undefined;
  if (file === undefined || first === undefined || address === undefined) {
    return notEmulated(
      argv,
      `${ns.displayName} has no cluster resolv.conf (a node's resolver is outside netlab's model); name the server, e.g. ${argv[0]} NAME 10.96.0.10`,
    );
  }
  return { server: first, address, fromResolvConf: true, conf };
}

/** CoreDNS's SOA serial from the exec clock (the API objects last changed then); dig prints the same clock as WHEN. */
export function soaSerial(clock: Date): number {
  return Math.floor(clock.getTime() / 1000) >>> 0;
}

/** Asks each candidate in turn until one answers NOERROR, as nslookup walks its origins. */
function askInTurn(dataplane: Dataplane, candidates: readonly string[], qtype: QueryType, serial: number): DnsQuestion[] {
  const asked: DnsQuestion[] = [];
  for (const name of candidates) {
    const response = coreDnsQuery(dataplane.cluster, name, qtype, serial);
    asked.push({ name, response });
    if (response.rcode === 'NOERROR') break;
  }
  return asked;
}

/**
 * bind's search list: a name with a trailing dot is asked as is; one with at
 * least ndots dots too, and only that (measured: no search after its
 * NXDOMAIN); others with each search domain first, then as is.
 */
export function bindCandidates(name: string, conf: ResolverConfig): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  return dots >= conf.ndots ? [name] : searchCandidates(name, { search: conf.search, ndots: Number.MAX_SAFE_INTEGER });
}

export function toResult(out: ToolOutput): ExecResult {
  return result(out.stdout, [], out.exitCode);
}

const TYPE_OPTIONS = /^-(?:type|query|querytype|q|ty)=(.*)$/i;

export function runNslookup(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  if (!ctx.dataplane) return notEmulated(argv, 'nslookup needs the dataplane; run it through netlab exec');
  let onlyA = false;
  const words: string[] = [];
  for (const arg of argv.slice(1)) {
    const type = TYPE_OPTIONS.exec(arg);
    if (type) {
      if (type[1]!.toUpperCase() !== 'A')
        return notEmulated(argv, 'only A lookups (-type=a) and reverse lookups of an address are emulated');
      onlyA = true;
    } else if (arg.startsWith('-')) return notEmulated(argv, `nslookup option ${arg} is not emulated (-type=a)`);
    else words.push(arg);
  }
  if (words.length === 0) return notEmulated(argv, 'interactive nslookup is not emulated; give a name');
  if (words.length > 2) return notEmulated(argv, 'nslookup NAME [SERVER]');
  const textname = words[0]!;
  const where = target(ns, argv, words[1]);
  if (!('server' in where)) return where;
  const address = parseIPv4(textname);
  const reverse = address !== undefined;
  const transport = reachServer(ctx.dataplane, ns, where.address);
  const serial = soaSerial(execClock(ctx));
  const queryName = reverse ? `${reverseName(address)}.` : textname;
  const base = { server: where.server, fromResolvConf: where.fromResolvConf, transport, textname, queryName, reverse, onlyA };
  if (transport.kind !== 'answered') return toResult(renderNslookup({ ...base, questions: [] }));
  if (reverse) return toResult(renderNslookup({ ...base, questions: askInTurn(ctx.dataplane, [reverseName(address)], 'PTR', serial) }));
  const questions = askInTurn(ctx.dataplane, bindCandidates(textname, where.conf), 'A', serial);
  const last = questions[questions.length - 1]!;
  const aaaa =
    !onlyA && last.response.rcode === 'NOERROR'
      ? { name: last.name, response: coreDnsQuery(ctx.dataplane.cluster, last.name, 'AAAA', serial) }
      : undefined;
  return toResult(renderNslookup({ ...base, questions, ...(aaaa ? { aaaa } : {}) }));
}
