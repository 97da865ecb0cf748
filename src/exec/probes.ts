/**
 * `ping` and `traceroute` in a pod or node: argv parsed like iputils ping and
 * traceroute 2.1.2, the packets walked through the dataplane, the output
 * printed as the tools print it. Names resolve as the pod resolves them.
 */
import type { NetNs } from '../kernel/netns.js';
import type { IPv4 } from '../net/ipv4.js';
import { ping, traceroute } from '../dataplane/probes.js';
import { reverseLookup } from '../model/dns.js';
import { renderPing } from '../render/ping.js';
import { renderTraceroute } from '../render/traceroute.js';
import { notEmulated } from './not-emulated.js';
import { resolveHost } from './resolve-host.js';
import { fail, result, type ExecContext, type ExecResult } from './types.js';

/** Without -c, ping would run until interrupted; netlab sends this many. */
export const DEFAULT_PING_COUNT = 4;

/**
 * The most echo requests one emulated ping sends (real ping takes -c up to
 * 2^63-1 and runs for as many seconds): every request is walked through the
 * dataplane, so the work is bounded here, as `--traffic` bounds its COUNT.
 */
export const MAX_PING_COUNT = 10_000;

const LLONG_MAX = 9223372036854775807n;

/**
 * iputils' parse_long (strtoll, base 10, the whole word) with its messages:
 * the value, or the line ping prints (exit status 1).
 */
function longArgument(text: string, min: bigint, max: bigint): bigint | string {
  const m = /^\s*([+-]?\d+)$/.exec(text);
  if (!m) return `ping: invalid argument: '${text}'`;
  const value = BigInt(m[1]!);
  if (value > LLONG_MAX || value < -LLONG_MAX - 1n) return `ping: invalid argument: '${text}': Numerical result out of range`;
  if (value < min || value > max) return `ping: invalid argument: '${text}': out of range: ${min} <= value <= ${max}`;
  return value;
}

/** The tools' error for a host that does not resolve. */
function unknownHost(tool: 'ping' | 'traceroute', host: string): ExecResult {
  return tool === 'ping'
    ? fail(2, `ping: ${host}: Name or service not known`)
    : fail(2, `${host}: Name or service not known`, 'Cannot handle "host" cmdline arg `' + host + "' on position 1 (argc 1)");
}

export function runPing(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  if (!ctx.dataplane) return notEmulated(argv, 'ping needs the dataplane; run it through netlab exec');
  let countText: string | undefined;
  let size = 56;
  let pmtudisc: 'do' | 'want' | 'dont' = 'want';
  let ttlText: string | undefined;
  let wait: number | undefined;
  let interval: number | undefined;
  const warnings: string[] = [];
  let numeric = false;
  let host: string | undefined;
  // getopt: `-c1` is `-c 1`.
  const words = argv.flatMap((w, i) => (i > 0 && /^-[cstMWiw]./.test(w) ? [w.slice(0, 2), w.slice(2)] : [w]));
  for (let i = 1; i < words.length; i++) {
    const arg = words[i]!;
    const value = () => words[++i];
    if (arg === '-c') countText = value() ?? '';
    else if (arg === '-s') size = Number(value());
    else if (arg === '-t') ttlText = value() ?? '';
    else if (arg === '-M') {
      const mode = value();
      if (mode !== 'do' && mode !== 'want' && mode !== 'dont') return fail(2, `ping: invalid -M argument: ${mode ?? ''}`);
      pmtudisc = mode;
    } else if (arg === '-W') {
      const parsed = secondsOption(value() ?? '', warnings);
      // -W 0 (or garbage, read as 0) sets no limit: ping waits as long as it would without -W.
      if (parsed > 0) wait = parsed;
    } else if (arg === '-i') interval = Math.max(0, secondsOption(value() ?? '', warnings));
    else if (arg === '-w') value();
    else if (arg === '-n') numeric = true;
    else if (arg === '-q' || arg === '-4') continue;
    else if (arg.startsWith('-')) return notEmulated(argv, `ping option ${arg} is not emulated (-c, -s, -t, -M, -W, -i, -n)`);
    else host = arg;
  }
  let count = DEFAULT_PING_COUNT;
  if (countText !== undefined) {
    const parsed = longArgument(countText, 1n, LLONG_MAX);
    if (typeof parsed === 'string') return fail(1, parsed);
    if (parsed > BigInt(MAX_PING_COUNT)) {
      return fail(
        1,
        `ping: invalid argument: '${countText}': out of range: 1 <= value <= ${MAX_PING_COUNT}`,
        `netlab: an emulated ping sends at most ${MAX_PING_COUNT} requests (real ping takes up to ${LLONG_MAX})`,
      );
    }
    count = Number(parsed);
  }
  let ttl: number | undefined;
  if (ttlText !== undefined) {
    const parsed = longArgument(ttlText, 0n, 255n);
    if (typeof parsed === 'string') return fail(1, parsed);
    // IP_TTL 0 is refused by the kernel (setsockopt: EINVAL).
    if (parsed === 0n) return fail(2, 'ping: cannot set unicast time-to-live: Invalid argument');
    ttl = Number(parsed);
  }
  if (host === undefined) return fail(2, 'ping: usage error: Destination address required');
  if (!Number.isInteger(size) || size < 0 || size > 65507)
    return fail(2, `ping: invalid argument: '${size}': out of range: 0 <= value <= 65507`);
  const target = resolveHost(ctx.dataplane.cluster, ns, host);
  if (!target) return unknownHost('ping', host);
  const cluster = ctx.dataplane.cluster;
  const names =
    target.name !== undefined && !numeric ? { target: target.name, reverse: (ip: IPv4) => reverseLookup(cluster, ip)[0] } : undefined;
  const out = renderPing(
    ping(ctx.dataplane, ns, target.ip, {
      count,
      size,
      pmtudisc,
      ...(ttl !== undefined ? { ttl } : {}),
      ...(wait !== undefined ? { wait } : {}),
      ...(interval !== undefined ? { interval } : {}),
    }),
    names,
  );
  return result(out.stdout, [...warnings, ...out.stderr], out.exitCode);
}

/**
 * iputils' ping_strtod as Debian 12's ping (20221126) uses it for -W and -i: the leading number, and a
 * warning (not yet an error) when anything follows it; no number at all reads as 0.
 */
function secondsOption(text: string, warnings: string[]): number {
  const lead = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text);
  if (!lead || lead[0].length < text.length) {
    warnings.push(
      `ping: option argument contains garbage: ${lead ? text.slice(lead[0].length) : text}`,
      'ping: this will become fatal error in the future',
    );
  }
  return lead ? Number(lead[0]) : 0;
}

export function runTraceroute(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  if (!ctx.dataplane) return notEmulated(argv, 'traceroute needs the dataplane; run it through netlab exec');
  let maxHops = 30;
  let probes = 3;
  let wait: number | undefined;
  let numeric = false;
  let host: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-n') numeric = true;
    else if (arg === '-m' || arg === '-q') {
      // traceroute 2.1.2 reads both as whole unsigned numbers: anything else is refused with its position.
      const text = argv[++i] ?? '';
      if (!/^[+-]?\d+$/.test(text)) return fail(2, `Cannot handle \`${arg}' option with arg \`${text}' (argc ${i})`);
      if (arg === '-m') maxHops = Number(text);
      else probes = Number(text);
    } else if (arg === '-w') {
      // -w MAX[,HERE,NEAR]: only MAX matters to netlab (how long a probe that gets no answer is waited for).
      const text = argv[++i] ?? '';
      wait = Number(text.split(',')[0]);
      if (text === '' || !Number.isFinite(wait) || wait < 0) return fail(2, `Cannot handle \`-w' option with arg \`${text}' (argc ${i})`);
    } else if (arg.startsWith('-')) return notEmulated(argv, `traceroute option ${arg} is not emulated (UDP probes only: -n, -m, -w, -q)`);
    else host = arg;
  }
  if (host === undefined) return fail(2, 'Specify "host" missing argument.');
  // Negative values wrap around as unsigned numbers: too many, as for 300.
  if (maxHops > 255 || maxHops < 0) return fail(2, 'max hops cannot be more than 255');
  if (maxHops < 1) return fail(2, 'first hop out of range');
  // traceroute 2.1.2: "no more than 10 probes per hop".
  if (!Number.isInteger(probes) || probes < 1 || probes > 10) return fail(2, 'no more than 10 probes per hop');
  const target = resolveHost(ctx.dataplane.cluster, ns, host);
  if (!target) return unknownHost('traceroute', host);
  const out = renderTraceroute(
    traceroute(ctx.dataplane, ns, target.ip, { maxHops, probesPerHop: probes, ...(wait !== undefined ? { wait } : {}) }),
    { numeric, probes, ...(target.name !== undefined ? { target: target.name } : {}) },
  );
  return result(out.stdout, out.stderr, out.exitCode, out.unterminated);
}
