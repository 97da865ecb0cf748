/**
 * `netlab diff --pair FROM TO`: one flow walked in the baseline and in the
 * variant, and the facts people compare (how it ends, hops, tunnels, TTL at
 * arrival, the MTU on the way, iptables rules evaluated).
 */
import type { Dataplane } from '../../dataplane/build.js';
import { resolveTraceEndpoint, resolveTraceSource } from '../../dataplane/endpoints.js';
import { newSession, tracePacket, type ProbeOptions } from '../../dataplane/probes.js';
import type { Trace } from '../../flow/trace.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { NetNs } from '../../kernel/netns.js';
import { traceOutcome } from './outcome.js';

export interface TraceFacts {
  readonly disposition: string;
  readonly summary: string;
  readonly hops: number;
  /** TTL the receiver saw (delivered only). */
  readonly ttl?: number;
  /** Tunnels crossed: `vxlan vni 1 udp/8472 (flannel.1)`. */
  readonly encap: readonly string[];
  /** Devices the packet left by, in order: `node-02:flannel.1`. */
  readonly devices: readonly string[];
  /** The smallest MTU of the devices the packet left by, in namespaces (the underlay's is its subnets'). */
  readonly pathMtu?: number;
  /** iptables rules whose matches were tested on the way. */
  readonly rulesEvaluated: number;
}

export interface SideOfPair {
  readonly trace: Trace;
  readonly facts: TraceFacts;
  /** For renderers: the netns a hop names (iptables rule text). */
  readonly netns: (id: string) => NetNs | undefined;
}

export interface PairDiff {
  readonly from: string;
  readonly to: string;
  readonly baseline: SideOfPair;
  readonly variant: SideOfPair;
  /** Names of the facts that differ (`disposition`, `hops`, `ttl`, ...). */
  readonly changed: readonly (keyof TraceFacts)[];
  readonly reachabilityChanged: boolean;
}

export function traceFacts(trace: Trace, netns: (id: string) => NetNs | undefined): TraceFacts {
  const encap: string[] = [];
  const devices: string[] = [];
  let pathMtu: number | undefined;
  let rulesEvaluated = 0;
  for (const hop of trace.hops) {
    for (const step of hop.steps) {
      if (step.kind === 'encap') {
        const o = step.outer;
        encap.push(
          `${step.tunnel}${step.vni !== undefined ? ` vni ${step.vni}` : ''} ${o.protocol}/${o.dport ?? 0} (${step.dev}, ${formatIPv4(o.src)} → ${formatIPv4(o.dst)})`,
        );
      }
      if (step.kind === 'netfilter') rulesEvaluated += step.rulesEvaluated;
    }
    if (hop.outDev === undefined) continue;
    const ns = netns(hop.where);
    for (const dev of hop.outDev.split(' → ')) {
      devices.push(`${hop.name}:${dev}`);
      const mtu = ns?.links.find((l) => l.name === dev)?.mtu;
      if (mtu !== undefined) pathMtu = pathMtu === undefined ? mtu : Math.min(pathMtu, mtu);
    }
  }
  return {
    ...traceOutcome(trace),
    encap,
    devices,
    ...(pathMtu !== undefined ? { pathMtu } : {}),
    rulesEvaluated,
  };
}

function side(dataplane: Dataplane, from: string, to: string, probe: ProbeOptions): SideOfPair {
  const session = newSession(dataplane);
  const source = resolveTraceSource(dataplane, from);
  const run = tracePacket(dataplane, source, resolveTraceEndpoint(dataplane, to, source), probe, false, session);
  const netns = (id: string) => session.nodeOrPodNetns(id);
  return { trace: run.request, facts: traceFacts(run.request, netns), netns };
}

/** Throws UsageError (did-you-mean) when an endpoint does not exist in a build. */
export function diffPair(baseline: Dataplane, variant: Dataplane, from: string, to: string, probe: ProbeOptions = {}): PairDiff {
  const a = side(baseline, from, to, probe);
  const b = side(variant, from, to, probe);
  const keys: (keyof TraceFacts)[] = ['disposition', 'hops', 'ttl', 'encap', 'devices', 'pathMtu', 'rulesEvaluated'];
  const changed = keys.filter((k) => JSON.stringify(a.facts[k]) !== JSON.stringify(b.facts[k]));
  return {
    from,
    to,
    baseline: a,
    variant: b,
    changed,
    reachabilityChanged: (a.facts.disposition === 'DELIVERED') !== (b.facts.disposition === 'DELIVERED'),
  };
}
