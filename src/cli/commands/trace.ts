import { UsageError } from '../../diagnostics/diagnostic.js';
import { resolveTraceEndpoint, resolveTraceSource } from '../../dataplane/endpoints.js';
import { newSession, traceEveryEndpoint, traceroute, tracePacket, type ProbeOptions } from '../../dataplane/probes.js';
import { DEFAULT_SEED, statisticFromSeed } from '../../flow/random.js';
import { endpointsTable } from '../../views/trace-text.js';
import type { Trace } from '../../flow/trace.js';
import { dispositionLine, traceTable } from '../../views/trace-text.js';
import { renderTraceroute } from '../../render/traceroute.js';
import type { CommandContext } from '../context.js';
import { whatIfOf } from '../what-if-options.js';
import { intOption } from '../int-option.js';
import { writeJson, writeLines } from '../output.js';
import { ExitError } from '../exit-error.js';
import { loadAndBuild } from '../pipeline.js';
import { drawTable } from '../table.js';
import { renderDot } from '../../views/graph-dot.js';
import { renderMermaid } from '../../views/graph-mermaid.js';
import { traceGraph } from '../../views/graph.js';

export interface TraceOptions {
  proto?: 'icmp' | 'tcp' | 'udp';
  port?: string;
  sport?: string;
  size?: string;
  df: boolean;
  ttl?: string;
  reply?: boolean;
  format: 'table' | 'traceroute' | 'mermaid' | 'dot';
  seed?: string;
  allEndpoints?: boolean;
}

export async function runTrace(context: CommandContext, fromText: string, toText: string, options: TraceOptions): Promise<void> {
  const { io, opts, chalk } = await context();
  const { dataplane } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
  const from = resolveTraceSource(dataplane, fromText);
  const to = resolveTraceEndpoint(dataplane, toText, from);
  if (to.resolvedBy && opts.output !== 'json') io.stderr.write(`netlab: ${toText}: ${to.resolvedBy}\n`);
  const seed = intOption(options.seed, 'seed', 0, 0xffffffff) ?? DEFAULT_SEED;
  const dport = intOption(options.port, 'port', 1, 65535) ?? to.port;
  const probe: ProbeOptions = {
    ...(options.proto ? { protocol: options.proto } : {}),
    ...(dport !== undefined ? { dport } : {}),
    ...(options.sport !== undefined ? { sport: intOption(options.sport, 'sport', 1, 65535)! } : {}),
    ...(options.size !== undefined ? { size: intOption(options.size, 'size', 0, 65507)! } : {}),
    ...(options.ttl !== undefined ? { ttl: intOption(options.ttl, 'ttl', 1, 255)! } : {}),
    df: options.df,
  };
  if (probe.protocol === 'icmp' && dport !== undefined) throw new UsageError('icmp has no ports', 'drop --port, or use --proto tcp or udp');

  if (options.format === 'traceroute') {
    const run = traceroute(dataplane, from.ns, to.ip);
    const out = renderTraceroute(run);
    if (opts.output === 'json') writeJson(io.stdout, run);
    else await writeLines(io.stdout, out.stdout, out.unterminated);
    for (const line of out.stderr) io.stderr.write(line + '\n');
    const last = run.hops[run.hops.length - 1];
    if (!last?.reached) throw new ExitError(1);
    return;
  }

  if (options.allEndpoints) {
    const branches = traceEveryEndpoint(dataplane, from, to, probe, options.reply ?? false);
    if (opts.output === 'json') writeJson(io.stdout, branches);
    else await writeLines(io.stdout, drawTable(endpointsTable(to.label, branches), chalk));
    if (branches.some((b) => b.run.request.disposition !== 'DELIVERED')) throw new ExitError(1);
    return;
  }

  const session = newSession(dataplane, statisticFromSeed(seed));
  const run = tracePacket(dataplane, from, to, probe, options.reply ?? false, session);
  const delivered = run.request.disposition === 'DELIVERED' && (!options.reply || !run.reply || run.reply.disposition === 'DELIVERED');
  if (opts.output === 'json') {
    writeJson(io.stdout, run);
  } else if (options.format === 'mermaid' || options.format === 'dot') {
    const render = options.format === 'dot' ? renderDot : renderMermaid;
    const lines = render(traceGraph(run.request));
    if (run.reply) lines.push('', ...render(traceGraph(run.reply)));
    await writeLines(io.stdout, lines);
  } else {
    const ctx = { netns: (id: string) => session.nodeOrPodNetns(id) };
    const show = (trace: Trace, label?: string): string[] => {
      const table = traceTable(trace, ctx);
      const color = trace.disposition === 'DELIVERED' ? chalk.green : chalk.red;
      return [...(label ? [chalk.bold(label)] : []), ...drawTable(table, chalk), color(dispositionLine(trace))];
    };
    const lines = show(run.request);
    if (run.reply) lines.push('', ...show(run.reply, 'reply'));
    await writeLines(io.stdout, lines);
  }
  if (!delivered) throw new ExitError(1);
}
