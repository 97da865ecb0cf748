/**
 * A trace for people: a traceroute-like header, one row per hop with the
 * decisions taken there (route, netfilter, bridge, tunnel, ARP), the packet
 * as it left, and the disposition in one line. Pure: the CLI draws the table.
 */
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 } from '../net/ipv4.js';
import { describePacket, type Packet } from '../flow/packet.js';
import type { Hop, Step, Trace } from '../flow/trace.js';
import type { EndpointBranch } from '../dataplane/probes.js';
import type { ViewTable } from './table.js';
import { routeLine } from '../render/ip-route.js';
import { tableName } from '../kernel/route.js';
import { ruleSaveArgs } from '../render/iptables-rule.js';
import { nftStepLines, rulesEvaluatedText } from './trace-nft.js';

export interface TraceRenderContext {
  /** Looks a hop's netns up, to print the iptables rule a step points at. */
  readonly netns: (id: string) => NetNs | undefined;
}

function protoText(trace: Trace): string {
  const f = trace.flow;
  if (f.protocol === 'icmp') return 'icmp echo request';
  return `${f.protocol} ${f.sport ?? ''}→${f.dport ?? ''}`;
}

export function traceHeader(trace: Trace, first: Packet | undefined): string {
  const f = trace.flow;
  const size = first ? `, ${first.length} bytes${first.df ? ', DF' : ''}, ttl ${first.ttl}` : '';
  return `trace ${f.from} (${formatIPv4(f.src)}) → ${f.to} (${formatIPv4(f.dst)}): ${protoText(trace)}${size}`;
}

function packetText(p: Packet): string {
  return describePacket(p, formatIPv4);
}

export function stepText(step: Step, hop: Hop, ctx: TraceRenderContext): string | undefined {
  switch (step.kind) {
    case 'route': {
      const table = step.table === 254 ? '' : ` [table ${tableName(step.table)}]`;
      const verb = step.decision === 'local' ? 'deliver locally' : step.decision === 'forward' ? 'forward' : 'send';
      return `route: ${routeLine(step.route, undefined, { showDev: true, showTable: false, details: false }).trim()}${table} → ${verb}`;
    }
    case 'no-route':
      return `route: no route to ${formatIPv4(step.dst)}`;
    case 'source':
      return `source address ${formatIPv4(step.src)} (${step.why})`;
    case 'netfilter': {
      if (step.nft) return nftStepLines(step, ctx.netns(hop.where)).join('\n');
      const rule = step.ruleIndex !== undefined ? ruleText(ctx.netns(hop.where), step.table, step.chain, step.ruleIndex) : undefined;
      const at = rule ? `-A ${step.chain} ${rule}` : `${step.chain}: ${step.verdict}`;
      return `iptables ${step.hook} ${step.table}: ${at} → ${step.verdict} (${rulesEvaluatedText(step.rulesEvaluated)})`;
    }
    case 'forward':
      return `ip_forward: ttl ${step.ttlBefore} → ${step.ttlAfter}`;
    case 'neigh':
      return step.mac
        ? `neigh: ${formatIPv4(step.ip)} dev ${step.dev} lladdr ${step.mac} ${step.state}${step.answeredBy ? ` (${step.answeredBy})` : ''}`
        : `neigh: ${formatIPv4(step.ip)} dev ${step.dev} ${step.state}`;
    case 'bridge':
      if (step.result === 'local') return `bridge ${step.bridge}: ${step.dstMac} is the bridge's own → up to the node's IP stack`;
      if (step.result === 'forward') return `bridge ${step.bridge}: fdb ${step.dstMac} → port ${step.port} (bridged, no TTL change)`;
      return `bridge ${step.bridge}: ${step.dstMac} unknown → flood`;
    case 'xmit':
      return `out ${step.dev} → ${step.to}`;
    case 'encap':
      return `${step.tunnel} encap on ${step.dev}${step.vni !== undefined ? ` (VNI ${step.vni})` : ''}: outer ${outerText(step.outer)}`;
    case 'decap':
      return `${step.tunnel} decap on ${step.dev}${step.vni !== undefined ? ` (VNI ${step.vni})` : ''}`;
    case 'userspace':
      return `${step.process}: ${step.action}`;
    case 'proxy':
      return proxyText(step);
    case 'ipvs':
      return step.verdict === 'no-destination'
        ? `ipvs ${step.hook}: ${step.virtual} ${step.scheduler}: no destination available (0 real servers) → ICMP port unreachable`
        : `ipvs ${step.hook}: ${step.virtual} ${step.scheduler}${step.persistent ? ' persistent' : ''} → ${step.realServer} Masq (1 of ${step.realServers}${step.persistent ? ", the client's persistent real server" : ''})`;
    case 'mtu':
      return step.result === 'ok'
        ? undefined
        : `mtu: ${step.length} bytes on ${step.dev} (mtu ${step.mtu}) → ${step.result === 'fragment' ? 'fragmented' : 'too big'}`;
    case 'switch':
      return `switch ${step.segment}: ${step.dstMac} → ${step.port}`;
    case 'policy': {
      const who = step.enforcedBy === 'none' ? 'NetworkPolicy (not enforced)' : 'NetworkPolicy (calico)';
      return `${who}: ${step.direction} of ${step.pod}: ${step.verdict} (${step.reason})`;
    }
    case 'deliver':
      return `delivered: ${step.socket}`;
    case 'drop':
      return `DROP ${step.disposition}: ${step.reason}`;
  }
}

/** kube-proxy's userspace mode: the two connections, each end in words. */
function proxyText(step: Extract<Step, { kind: 'proxy' }>): string {
  const tcp = step.socket.startsWith('tcp');
  switch (step.action) {
    case 'accept':
      return tcp
        ? `${step.process}: accept() on ${step.socket} (${step.servicePort}): the connection from ${step.peer} ends here, in user space`
        : `${step.process}: recvfrom() on ${step.socket} (${step.servicePort}): the datagram from ${step.peer} ends here, in user space`;
    case 'close':
      return tcp
        ? `${step.process}: accept() on ${step.socket}, but ${step.servicePort} has no endpoints → close(): ${step.peer}'s connection closes without data`
        : `${step.process}: recvfrom() on ${step.socket}, but ${step.servicePort} has no endpoints → the datagram from ${step.peer} is dropped`;
    case 'connect': {
      const c = step.choice;
      const how =
        c === undefined
          ? ''
          : c.how === 'session-affinity'
            ? ` (session affinity: this client's endpoint, ${c.position} of ${c.of})`
            : ` (round-robin: ${c.position} of ${c.of})`;
      return `${step.process}: endpoint ${step.peer}${how} → connect(): a NEW ${tcp ? 'connection' : 'UDP flow'} from this node, not the client's`;
    }
    case 'relay':
      return `${step.process}: reads the endpoint's answer on its own connection and writes it into the client's (${step.socket}); conntrack turns the source back into the address the client dialled`;
  }
}

function outerText(p: Packet): string {
  if (p.protocol === 'ipip') return `${formatIPv4(p.src)} → ${formatIPv4(p.dst)} ipip (protocol 4) ttl ${p.ttl} len ${p.length}`;
  return `${formatIPv4(p.src)}:${p.sport ?? 0} → ${formatIPv4(p.dst)}:${p.dport ?? 0} ${p.protocol} ttl ${p.ttl} len ${p.length}`;
}

function ruleText(ns: NetNs | undefined, table: string, chain: string, index: number): string | undefined {
  const rule = ns?.netfilter.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain)?.rules[index];
  return rule && ruleSaveArgs(rule);
}

/** The hop table: one row per hop, steps as lines of one cell. */
export function traceTable(trace: Trace, ctx: TraceRenderContext): ViewTable {
  const rows = trace.hops.map((hop, i) => {
    const steps = hop.steps.map((s) => stepText(s, hop, ctx)).filter((s): s is string => s !== undefined);
    const leaving = hop.outDev !== undefined ? [`→ ${packetText(hop.packet)}`] : [];
    return [String(i + 1), hop.name, hop.inDev ?? '-', hop.outDev ?? '-', [...steps, ...leaving].join('\n')];
  });
  return { title: traceHeader(trace, trace.hops[0]?.packet), columns: ['#', 'where', 'in', 'out', 'what happened'], rows };
}

export function dispositionLine(trace: Trace): string {
  return `${trace.disposition}: ${trace.summary}`;
}

/** `--all-endpoints`: one row per branch of kube-proxy's random choices. */
export function endpointsTable(target: string, branches: readonly EndpointBranch[]): ViewTable {
  const rows = branches.map((b) => [
    `${formatIPv4(b.endpoint)}${b.port !== undefined ? `:${b.port}` : ''}`,
    `${(b.probability * 100).toFixed(1)}%`,
    b.run.request.disposition,
    String(b.run.request.hops.length),
    b.run.request.summary,
  ]);
  return { title: `every endpoint of ${target}`, columns: ['endpoint', 'probability', 'disposition', 'hops', 'how it ended'], rows };
}
