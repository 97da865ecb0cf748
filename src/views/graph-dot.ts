/**
 * A Graph in Graphviz DOT (`netlab graph --format dot | dot -Tsvg`): groups
 * as clusters, shapes by kind, tunnels dashed. Deterministic output.
 */
import type { Graph, GraphNode } from './graph.js';

/** A DOT quoted string: backslashes and quotes escaped, lines joined with \n. */
function quote(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
}

const SHAPES: Readonly<Record<GraphNode['kind'], string>> = {
  router: 'circle',
  subnet: 'box, style=rounded',
  nic: 'box',
  bridge: 'box, style=filled, fillcolor="#e8eef7"',
  tunnel: 'parallelogram, style=dashed',
  pod: 'box, style="rounded,filled", fillcolor="#fff4d6"',
  service: 'ellipse',
  external: 'box, style=dotted',
  hop: 'box',
  end: 'octagon',
};

function nodeLine(node: GraphNode, indent: string): string {
  const extra = node.kind === 'end' ? `, style=filled, fillcolor="${node.ok ? '#d4edda' : '#f8d7da'}"` : '';
  return `${indent}${node.id} [label=${quote(node.label)}, shape=${SHAPES[node.kind]}${extra}];`;
}

export function renderDot(graph: Graph): string[] {
  const lines: string[] = [];
  if (graph.note) lines.push(`// ${graph.note}`);
  lines.push(`${graph.directed ? 'digraph' : 'graph'} netlab {`);
  lines.push(
    `  label=${quote([graph.title])};`,
    '  labelloc=t;',
    `  rankdir=${graph.directed ? 'TB' : 'LR'};`,
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  );
  for (const node of graph.nodes.filter((n) => n.group === undefined)) lines.push(nodeLine(node, '  '));
  for (const group of graph.groups) {
    lines.push(`  subgraph cluster_${group.id} {`, `    label=${quote([group.label])};`);
    for (const node of graph.nodes.filter((n) => n.group === group.id)) lines.push(nodeLine(node, '    '));
    lines.push('  }');
  }
  const arrow = graph.directed ? '->' : '--';
  for (const edge of graph.edges) {
    const attrs = [...(edge.label ? [`label=${quote([edge.label])}`] : []), ...(edge.dashed ? ['style=dashed'] : [])];
    lines.push(`  ${edge.from} ${arrow} ${edge.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines;
}
