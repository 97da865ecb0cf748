import { Option, type Command } from 'commander';
import { renderDot } from '../../views/graph-dot.js';
import { renderMermaid } from '../../views/graph-mermaid.js';
import { topologyGraph } from '../../views/graph.js';
import type { CommandContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { whatIfOf } from '../what-if-options.js';

export function registerGraph(program: Command, context: CommandContext): void {
  program
    .command('graph')
    .description('the topology as a diagram: subnets, router, nodes, bridges, tunnels, pods (Mermaid or Graphviz DOT)')
    .addOption(new Option('--format <format>', 'mermaid (default; GitHub renders it) or dot (dot -Tsvg)').choices(['mermaid', 'dot']).default('mermaid'))
    .action(async (options: { format: 'mermaid' | 'dot' }) => {
      const { io, opts, chalk } = context();
      const { dataplane } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
      const graph = topologyGraph(dataplane);
      if (opts.output === 'json') writeJson(io.stdout, graph);
      else await writeLines(io.stdout, options.format === 'dot' ? renderDot(graph) : renderMermaid(graph));
    });
}
