/**
 * A Graph as a Mermaid flowchart (GitHub and most Markdown viewers draw
 * it): groups as subgraphs, routers as circles, subnets as stadiums, pods as
 * rounded boxes, tunnels dashed. Deterministic: graph order, nothing sorted
 * by address or hash.
 */
import type { Graph, GraphNode } from './graph.js';

/** Mermaid labels are quoted strings: quotes become #quot;, line breaks <br/>. */
function label(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>')}"`;
}

function shape(node: GraphNode): string {
  const text = label(node.label);
  switch (node.kind) {
    case 'router':
      return `((${text}))`;
    case 'subnet':
      return `([${text}])`;
    case 'pod':
    case 'service':
      return `(${text})`;
    case 'tunnel':
      return `[/${text}/]`;
    case 'end':
      return `{{${text}}}`;
    default:
      return `[${text}]`;
  }
}

export function renderMermaid(graph: Graph): string[] {
  const lines = [`%% ${graph.title.replace(/\n/g, ' ')}`];
  if (graph.note) lines.push(`%% ${graph.note}`);
  lines.push(graph.directed ? 'flowchart TD' : 'flowchart LR');
  for (const node of graph.nodes.filter((n) => n.group === undefined)) lines.push(`  ${node.id}${shape(node)}`);
  for (const group of graph.groups) {
    lines.push(`  subgraph ${group.id}[${label([group.label])}]`);
    for (const node of graph.nodes.filter((n) => n.group === group.id)) lines.push(`    ${node.id}${shape(node)}`);
    lines.push('  end');
  }
  const arrow = graph.directed ? '-->' : '---';
  const dashed = graph.directed ? '-.->' : '-.-';
  for (const edge of graph.edges) {
    const link = edge.dashed ? dashed : arrow;
    lines.push(edge.label ? `  ${edge.from} ${link}|${label([edge.label])}| ${edge.to}` : `  ${edge.from} ${link} ${edge.to}`);
  }
  const ends = graph.nodes.filter((n) => n.kind === 'end');
  if (ends.length > 0) {
    lines.push('  classDef delivered fill:#d4edda,stroke:#2e7d32', '  classDef dropped fill:#f8d7da,stroke:#c62828');
    for (const end of ends) lines.push(`  class ${end.id} ${end.ok ? 'delivered' : 'dropped'}`);
  }
  return lines;
}
