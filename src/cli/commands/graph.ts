import { renderDot } from '../../views/graph-dot.js';
import { renderMermaid } from '../../views/graph-mermaid.js';
import { topologyGraph } from '../../views/graph.js';
import type { CommandContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { whatIfOf } from '../what-if-options.js';

export async function runGraph(context: CommandContext, options: { format: 'mermaid' | 'dot' }): Promise<void> {
  const { io, opts, chalk } = await context();
  const { dataplane } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
  const graph = topologyGraph(dataplane);
  if (opts.output === 'json') writeJson(io.stdout, graph);
  else await writeLines(io.stdout, options.format === 'dot' ? renderDot(graph) : renderMermaid(graph));
}
