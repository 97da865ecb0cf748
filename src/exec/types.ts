/** What an emulated command returns, and what the caller may inject. */
import type { Dataplane } from '../dataplane/build.js';
import type { DeviceCounters } from '../dataplane/device-counters.js';
import type { Conntrack } from '../dataplane/netfilter/conntrack.js';
import type { IpvsSessionState } from '../proxy/ipvs/connections.js';
import type { NftDynamicSets } from '../dataplane/netfilter/nft-sets.js';
import type { RouteGetError, RouteGetQuery, RouteGetResult } from '../dataplane/route-get.js';
import { stateCounters, type CountersOf } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { DEFAULT_IPTABLES_SAVE_DATE } from '../render/profile.js';
import { toText, type Lines } from '../render/types.js';

export interface ExecResult {
  /** Lines as the tool prints them, produced lazily (iterate once). */
  readonly stdout: Lines;
  readonly stderr: string[];
  readonly exitCode: number;
  /**
   * The last stdout line has no newline: the tool wrote part of a line and
   * then failed (traceroute prints its header before connect() fails).
   */
  readonly unterminated?: boolean;
}

/** stdout as the terminal receives it. */
export function stdoutText(result: Pick<ExecResult, 'stdout' | 'unterminated'>): string {
  const text = toText(result.stdout);
  return result.unterminated && text.endsWith('\n') ? text.slice(0, -1) : text;
}

export type RouteGetFn = (ns: NetNs, query: RouteGetQuery) => RouteGetResult | RouteGetError;

export interface ExecContext {
  /** The whole build, for commands that need more than one netns. */
  readonly dataplane?: Dataplane;
  /** The time the tools print (iptables-save, dig's WHEN, BIRD's since) and CoreDNS's SOA serial comes from; see execClock. */
  readonly now?: Date;
  /** The route lookup behind `ip route get` (src/dataplane/route-get.ts); without it `ip route get` is reported as not emulated. */
  readonly routeGet?: RouteGetFn;
  /** Flows walked before the command (`--traffic`), for `conntrack -L`. */
  readonly conntrack?: Conntrack;
  /** IPVS connections those flows made (`ipvsadm -Lnc`, the connection counts and `--stats` of `ipvsadm -Ln`). */
  readonly ipvs?: IpvsSessionState;
  /** Elements those flows added to nftables sets (kube-proxy's affinity sets: `nft list set`). */
  readonly nftSets?: NftDynamicSets;
  /** What those flows counted on the devices they crossed (`ip -s link`, `ifconfig`, `ethtool -S`). */
  readonly devices?: DeviceCounters;
}

/** The counters a tool prints for the devices of `ns`: the state's own, plus what the context's flows counted. */
export function countersIn(ctx: ExecContext, ns: NetNs): CountersOf {
  return ctx.devices ? ctx.devices.reader(ns) : stateCounters;
}

/**
 * The clock of a command: the caller's (`ExecContext.now`, which the CLI
 * takes from SOURCE_DATE_EPOCH), else the fixed date iptables-save prints,
 * so output is deterministic.
 */
export function execClock(ctx: ExecContext): Date {
  return ctx.now ?? DEFAULT_IPTABLES_SAVE_DATE;
}

/** Exit code for "netlab does not emulate this": a usage error (exit codes in README.md). */
export const NOT_EMULATED_EXIT = 2;

export function ok(stdout: Lines): ExecResult {
  return { stdout, stderr: [], exitCode: 0 };
}

export function fail(exitCode: number, ...stderr: string[]): ExecResult {
  return { stdout: [], stderr, exitCode };
}

/** Output and errors together (e.g. `cat a b` where b is missing). */
export function result(stdout: Lines, stderr: string[], exitCode: number, unterminated?: boolean): ExecResult {
  return { stdout, stderr, exitCode, ...(unterminated ? { unterminated } : {}) };
}

/**
 * iproute2's matches(): true when `prefix` is a non-empty prefix of `word`,
 * which is how `ip r`, `ip a s` and `ip ro sh` resolve.
 */
export function matches(prefix: string, word: string): boolean {
  return prefix.length > 0 && word.startsWith(prefix);
}

/**
 * An iproute2 object's subcommand (`ip addr ...`, `bridge fdb ...`): the
 * first of `order` that `word` abbreviates, as the tool tries them; none
 * given, `list` and `lst` are `show`. undefined: not a subcommand at all.
 */
export function iproute2Subcommand(word: string | undefined, order: readonly string[]): string | undefined {
  if (word === undefined) return 'show';
  const found = order.find((name) => matches(word, name));
  if (found === 'list' || found === 'lst') return 'show';
  return found;
}
