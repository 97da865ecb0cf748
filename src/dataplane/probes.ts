/**
 * What the commands send: one traced packet (and optionally its answer),
 * ping's echo requests and replies, traceroute's TTL-limited probes with the
 * ICMP errors walked back to the sender. All data; renderers print it.
 */
import type { NetNs } from '../kernel/netns.js';
import type { IPv4 } from '../net/ipv4.js';
import type { Dataplane } from './build.js';
import type { TraceEndpoint } from './endpoints.js';
import { fibLookup, isLocalAddress, type FibResult } from './fib.js';
import { DEFAULT_TTL, IPV4_HEADER, l4HeaderLength, type L4Protocol, type Packet } from '../flow/packet.js';
import type { Flow, SenderNotice, Trace } from '../flow/trace.js';
import { EXTERNAL_NETNS_ID } from './external.js';
import type { KernelState } from './kernel-state.js';
import { branchProbability, DEFAULT_SEED, forcedChoice, statisticFromSeed } from '../flow/random.js';
import { NEIGHBOUR_RESOLUTION_MS } from './neighbour.js';
import { WalkSession } from './walk/session.js';
import type { WalkResult } from './walk/walk.js';

export interface ProbeOptions {
  readonly protocol?: L4Protocol;
  readonly dport?: number;
  readonly sport?: number;
  /** Payload bytes (ping -s); the IP length adds the headers. */
  readonly size?: number;
  readonly df?: boolean;
  readonly ttl?: number;
}

/** ping's ICMP identifier and the source port netlab's TCP/UDP probes use: fixed, so output is stable. */
export const ECHO_ID = 4242;
export const EPHEMERAL_SPORT = 45678;
/** A Linux SYN carries 20 bytes of options (MSS, SACK, timestamps, window scale). */
const SYN_OPTIONS = 20;

/** `random` decides `-m statistic` matches; the default is a fixed seed, so traces are reproducible. */
export function newSession(
  dataplane: Dataplane,
  random: (probability: number) => boolean = statisticFromSeed(DEFAULT_SEED),
  kernel?: KernelState,
): WalkSession {
  return new WalkSession(dataplane, dataplane.underlay(), random, kernel);
}

export function buildProbe(dst: IPv4, options: ProbeOptions): Packet {
  const protocol = options.protocol ?? (options.dport !== undefined ? 'tcp' : 'icmp');
  const size = options.size ?? (protocol === 'icmp' ? 56 : protocol === 'tcp' ? SYN_OPTIONS : 32);
  const base = {
    src: 0,
    dst,
    protocol,
    ttl: options.ttl ?? DEFAULT_TTL,
    length: IPV4_HEADER + l4HeaderLength(protocol) + size,
    df: options.df ?? true,
    mark: 0,
  };
  if (protocol === 'icmp') return { ...base, icmpType: 8, icmpCode: 0, sport: ECHO_ID };
  return { ...base, sport: options.sport ?? EPHEMERAL_SPORT, dport: options.dport ?? (protocol === 'udp' ? 33434 : 80) };
}

/** The answer the receiving kernel (or socket) sends back, when there is one. */
export function answerTo(delivered: Packet): Packet | undefined {
  const base = { src: delivered.dst, dst: delivered.src, protocol: delivered.protocol, ttl: DEFAULT_TTL, df: true, mark: 0 };
  if (delivered.protocol === 'icmp' && (delivered.icmpType ?? 8) === 8) {
    return {
      ...base,
      length: delivered.length,
      icmpType: 0,
      icmpCode: 0,
      ...(delivered.sport !== undefined ? { dport: delivered.sport } : {}),
    };
  }
  if (delivered.protocol === 'tcp') {
    // The SYN-ACK.
    return { ...base, length: IPV4_HEADER + l4HeaderLength('tcp') + SYN_OPTIONS, sport: delivered.dport, dport: delivered.sport };
  }
  if (delivered.protocol === 'udp') {
    // The listening socket's answer (a DNS response, ...), the same size as the question.
    return { ...base, df: false, length: delivered.length, sport: delivered.dport, dport: delivered.sport };
  }
  return undefined;
}

export interface TraceRun {
  readonly request: Trace;
  readonly reply?: Trace;
}

function toTrace(flow: Flow, walk: WalkResult): Trace {
  return {
    flow,
    hops: walk.hops,
    disposition: walk.disposition,
    summary: walk.summary,
    notice: walk.notice,
    ...(walk.delivered ? { delivered: walk.delivered } : {}),
  };
}

/** `netlab trace FROM TO`: one packet, and with `reply` its answer walked back. */
export function tracePacket(
  dataplane: Dataplane,
  from: TraceEndpoint,
  to: TraceEndpoint,
  options: ProbeOptions,
  reply: boolean,
  session = newSession(dataplane),
): TraceRun {
  if (!from.ns) throw new Error('bug: trace source outside the cluster');
  const probe = buildProbe(to.ip, {
    ...(to.protocol !== undefined ? { protocol: to.protocol } : {}),
    ...options,
    ...(to.port !== undefined && options.dport === undefined ? { dport: to.port } : {}),
  });
  const walk = session.send(from.ns, probe);
  // The source the sender's kernel picked (the first hop's packet may since have been wrapped in a tunnel).
  const chosen = walk.hops[0]?.steps.find((s) => s.kind === 'source');
  const flow: Flow = {
    from: from.label,
    to: to.label,
    src: chosen?.kind === 'source' ? chosen.src : probe.src,
    dst: probe.dst,
    protocol: probe.protocol,
    ...(probe.dport !== undefined && probe.protocol !== 'icmp' ? { dport: probe.dport } : {}),
    ...(probe.sport !== undefined && probe.protocol !== 'icmp' ? { sport: probe.sport } : {}),
  };
  const request = toTrace(flow, walk);
  if (!reply || walk.disposition !== 'DELIVERED' || !walk.delivered) return { request };
  const answer = answerTo(walk.delivered);
  const answerNs = nsOfWalkEnd(session, walk);
  if (!answer || !answerNs) return { request };
  const back = session.send(answerNs, answer);
  const replyFlow: Flow = { from: to.label, to: from.label, src: answer.src, dst: answer.dst, protocol: answer.protocol };
  return { request, reply: toTrace(replyFlow, back) };
}

export interface EndpointBranch {
  /** The address the packet was DNATed to (the destination when nothing translated it). */
  readonly endpoint: IPv4;
  readonly port?: number;
  /** Chance of this branch under kube-proxy's random choices. */
  readonly probability: number;
  readonly run: TraceRun;
}

/**
 * Every branch the random choices allow, each with its probability: the
 * first endpoint of the KUBE-SVC chain, then the second, ... until a walk
 * makes no more random choice than it was told to skip.
 */
export function traceEveryEndpoint(
  dataplane: Dataplane,
  from: TraceEndpoint,
  to: TraceEndpoint,
  options: ProbeOptions,
  reply: boolean,
): EndpointBranch[] {
  const branches: EndpointBranch[] = [];
  for (let skip = 0; skip < 1024; skip++) {
    const choice = forcedChoice(skip);
    const run = tracePacket(dataplane, from, to, options, reply, newSession(dataplane, choice.decide));
    const translated = lastDnat(run.request);
    branches.push({
      endpoint: translated?.dst ?? run.request.flow.dst,
      ...(translated?.dport !== undefined ? { port: translated.dport } : {}),
      probability: branchProbability(choice.decisions),
      run,
    });
    // The last endpoint of a chain is taken without a random match: fewer decisions than skipped.
    if (choice.decisions.length <= skip) break;
  }
  return branches;
}

/** The packet after the last DNAT (iptables, IPVS's masquerading, a user-space proxy's connect) of a trace, if any. */
function lastDnat(trace: Trace): Packet | undefined {
  let after: Packet | undefined;
  for (const hop of trace.hops) {
    for (const step of hop.steps) {
      // A user-space proxy's new connection goes to the endpoint it chose.
      const translates =
        (step.kind === 'netfilter' && step.verdict === 'DNAT') ||
        step.kind === 'ipvs' ||
        (step.kind === 'proxy' && step.action === 'connect');
      if (translates && step.after) after = step.after;
    }
  }
  return after;
}

function nsOfWalkEnd(session: WalkSession, walk: WalkResult): NetNs | undefined {
  return walk.where.startsWith('node/') || walk.where.startsWith('pod/') || walk.where === EXTERNAL_NETNS_ID
    ? session.netnsById(walk.where)
    : undefined;
}

// ---------------------------------------------------------------- ping

export type PingProbe =
  | {
      readonly kind: 'reply';
      readonly seq: number;
      readonly from: IPv4;
      readonly ttl: number;
      readonly bytes: number;
      readonly hops: number;
    }
  | { readonly kind: 'error'; readonly seq: number; readonly notice: SenderNotice }
  | { readonly kind: 'lost'; readonly seq: number };

export interface PingRun {
  readonly dst: IPv4;
  readonly size: number;
  /** A connect()-time failure: ping prints it and sends nothing. */
  readonly connectError?: ConnectError;
  readonly probes: readonly PingProbe[];
}

export interface PingOptions {
  readonly count: number;
  readonly size: number;
  /** -M do: never fragment; want (default): DF set, but the sender fragments what does not fit its route. */
  readonly pmtudisc: 'do' | 'want' | 'dont';
  readonly ttl?: number;
  /** -i: seconds between echo requests (default 1). */
  readonly interval?: number;
  /** -W: seconds to wait for answers after the last request (default PING_LINGER_S). */
  readonly wait?: number;
}

/** iputils ping waits this long after its last request when -W is not given (MAXWAIT). */
export const PING_LINGER_S = 10;

/**
 * When the sender's own host unreachable (a failed neighbour resolution) reaches its socket. Packets
 * sent while a resolution is under way queue on it and fail together when it gives up; a packet sent
 * after that starts a new one (FAILED to INCOMPLETE).
 */
class OwnNeighbourResolution {
  private failsAt?: number;

  /** The time (ms) the error about a packet sent at `sentAt` (ms) arrives. */
  errorAt(sentAt: number): number {
    if (this.failsAt === undefined || sentAt >= this.failsAt) this.failsAt = sentAt + NEIGHBOUR_RESOLUTION_MS;
    return this.failsAt;
  }
}

/** Why connect() on a UDP or ping socket fails before anything is sent: no route, or a route that refuses. */
export type ConnectError = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EINVAL' | 'EACCES';

/** The kernel's errno for a route type that refuses locally (ip_route_output: blackhole, unreachable, prohibit). */
const ROUTE_ERRNO: Readonly<Record<string, ConnectError>> = { blackhole: 'EINVAL', unreachable: 'EHOSTUNREACH', prohibit: 'EACCES' };

/** The errno connect() gets for a route lookup, if any (ping and traceroute connect before they send). */
function connectError(lookup: FibResult): ConnectError | undefined {
  return lookup.ok ? ROUTE_ERRNO[lookup.route.type] : 'ENETUNREACH';
}

export function ping(dataplane: Dataplane, fromNs: NetNs, dst: IPv4, options: PingOptions, session = newSession(dataplane)): PingRun {
  const first = fibLookup(fromNs, dst);
  const refused = connectError(first);
  if (refused !== undefined || !first.ok) return { dst, size: options.size, connectError: refused ?? 'ENETUNREACH', probes: [] };
  const egress = fromNs.links.find((l) => l.name === first.route.dev);
  const length = IPV4_HEADER + 8 + options.size;
  const fits = length <= (first.route.mtu ?? egress?.mtu ?? 1500);
  const df = options.pmtudisc === 'do' || (options.pmtudisc === 'want' && fits);
  const probes: PingProbe[] = [];
  const intervalMs = (options.interval ?? 1) * 1000;
  // ping exits this long after its last request; an answer arriving at that very moment is a race it loses.
  const endsAt = (options.count - 1) * intervalMs + (options.wait ?? PING_LINGER_S) * 1000;
  const resolution = new OwnNeighbourResolution();
  for (let seq = 1; seq <= options.count; seq++) {
    const request = session.send(fromNs, {
      ...buildProbe(dst, { protocol: 'icmp', size: options.size, df, ...(options.ttl !== undefined ? { ttl: options.ttl } : {}) }),
      sport: ECHO_ID,
    });
    if (request.afterOwnNeighbourResolution && resolution.errorAt((seq - 1) * intervalMs) >= endsAt) {
      probes.push({ kind: 'lost', seq });
      continue;
    }
    if (request.disposition !== 'DELIVERED' || !request.delivered) {
      // An ICMP error is a packet too: ping hears it only if it makes it back (its own kernel's, from its own address, always does).
      const notice = request.notice;
      const lost =
        notice.kind === 'none' ||
        (notice.kind === 'icmp' && notice.from !== 0 && !isLocalAddress(fromNs, notice.from) && !icmpErrorBack(session, fromNs, request));
      probes.push(lost ? { kind: 'lost', seq } : { kind: 'error', seq, notice: request.notice });
      continue;
    }
    const answer = answerTo(request.delivered)!;
    const replyWalk = session.send(session.netnsById(request.where), answer);
    if (replyWalk.disposition === 'DELIVERED' && replyWalk.delivered) {
      probes.push({
        kind: 'reply',
        seq,
        from: answer.src,
        ttl: replyWalk.delivered.ttl,
        bytes: options.size + 8,
        hops: request.hops.length + replyWalk.hops.length,
      });
    } else {
      probes.push({ kind: 'lost', seq });
    }
  }
  return { dst, size: options.size, probes };
}

// ---------------------------------------------------------------- traceroute

export interface TracerouteHop {
  readonly ttl: number;
  /** Who answered (undefined: `* * *`). */
  readonly from?: IPv4;
  /** `!H`, `!N`, `!P`, `!X` for unreachables; none for time exceeded or the final port unreachable. */
  readonly annotation?: string;
  /** True when this answer came from the destination. */
  readonly reached: boolean;
  readonly hops: number;
}

export interface TracerouteRun {
  readonly dst: IPv4;
  readonly maxHops: number;
  readonly packetLength: number;
  readonly hops: readonly TracerouteHop[];
  readonly connectError?: ConnectError;
}

const UNREACH_ANNOTATION: Readonly<Record<number, string>> = { 0: '!N', 1: '!H', 2: '!P', 4: '!F', 9: '!X', 10: '!X', 13: '!X' };

export interface TracerouteOptions {
  readonly maxHops?: number;
  /** -q: probes per hop (default 3). */
  readonly probesPerHop?: number;
  /** -w MAX: seconds to wait for a probe's answer (default 5). */
  readonly wait?: number;
}

/** traceroute 2.1.2 keeps this many probes in flight (-N). */
const SIM_QUERIES = 16;

/** Linux traceroute (UDP probes to 33434 and up, 60-byte packets), walking each answer back. */
export function traceroute(
  dataplane: Dataplane,
  fromNs: NetNs,
  dst: IPv4,
  options: TracerouteOptions = {},
  session = newSession(dataplane),
): TracerouteRun {
  const maxHops = options.maxHops ?? 30;
  const packetLength = 60;
  const refused = connectError(fibLookup(fromNs, dst));
  if (refused !== undefined) return { dst, maxHops, packetLength, hops: [], connectError: refused };
  const hops: TracerouteHop[] = [];
  const ownResolution = ownResolutionHeard(options.probesPerHop ?? 3, (options.wait ?? 5) * 1000);
  for (let ttl = 1; ttl <= maxHops; ttl++) {
    const probe = buildProbe(dst, { protocol: 'udp', dport: 33434 + (ttl - 1) * 3, size: packetLength - IPV4_HEADER - 8, ttl, df: false });
    const walk = session.send(fromNs, probe);
    const hop =
      walk.afterOwnNeighbourResolution && !ownResolution(ttl)
        ? { ttl, reached: false, hops: walk.hops.length }
        : answerOf(session, fromNs, walk, ttl);
    hops.push(hop);
    if (hop.reached || hop.annotation !== undefined) break;
  }
  return { dst, maxHops, packetLength, hops };
}

/**
 * When the sender cannot resolve its own next hop, every probe waits for that one resolution: the first
 * SIM_QUERIES go out at once and time out after `waitMs` unless the resolution gives up before, then the
 * next ones go, and so on. Whether the hop `ttl` (its first probe) is still waiting when the error comes.
 */
function ownResolutionHeard(probesPerHop: number, waitMs: number): (ttl: number) => boolean {
  return (ttl) => {
    const batch = Math.floor(((ttl - 1) * probesPerHop) / SIM_QUERIES);
    const resolution = new OwnNeighbourResolution();
    let heard = false;
    // Every earlier batch timed out (else the traceroute would have stopped at its !H), so batch k leaves at k * wait.
    for (let k = 0; k <= batch; k++) heard = resolution.errorAt(k * waitMs) < k * waitMs + waitMs;
    return heard;
  };
}

/** Whether the ICMP answer to a probe makes it back to the sender, and from whom. */
function answerOf(session: WalkSession, fromNs: NetNs, walk: WalkResult, ttl: number): TracerouteHop {
  const notice = walk.notice;
  if (notice.kind !== 'icmp' || notice.from === 0) return { ttl, reached: false, hops: walk.hops.length };
  const back = icmpErrorBack(session, fromNs, walk);
  if (!back) return { ttl, reached: false, hops: walk.hops.length };
  const reached = notice.type === 3 && notice.code === 3;
  const annotation = notice.type === 3 && !reached ? (UNREACH_ANNOTATION[notice.code] ?? `!<${notice.code}>`) : undefined;
  return { ttl, from: notice.from, reached, ...(annotation ? { annotation } : {}), hops: walk.hops.length + back.hops.length };
}

/**
 * The ICMP error a walk ended with, walked back to the sender: its walk when
 * it arrives, undefined when it is lost on the way (a router with no route
 * back to a pod address, say), in which case the sender hears nothing.
 */
export function icmpErrorBack(session: WalkSession, fromNs: NetNs, walk: WalkResult): WalkResult | undefined {
  const notice = walk.notice;
  if (notice.kind !== 'icmp') return undefined;
  const sender = walk.hops[0]!.packet.src;
  // The error goes to the offending packet's source as its sender saw it (after any SNAT on the
  // way); conntrack on the way back translates it, and it quotes that packet.
  const offending = walk.offending;
  const error: Packet = {
    src: notice.from,
    dst: offending?.src ?? sender,
    protocol: 'icmp',
    icmpType: notice.type,
    icmpCode: notice.code,
    ttl: DEFAULT_TTL,
    length: 56,
    df: false,
    mark: 0,
    ...(offending ? { quoted: offending } : {}),
  };
  const back = walk.icmpFrom?.routerPort
    ? session.sendFromRouter(error)
    : walk.icmpFrom?.ns
      ? session.send(walk.icmpFrom.ns, error)
      : undefined;
  return back?.disposition === 'DELIVERED' && back.where === fromNs.id ? back : undefined;
}
