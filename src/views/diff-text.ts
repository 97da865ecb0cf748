/**
 * `netlab diff` for people: the reachability matrix with changed cells
 * marked, the list of changes with their reasons, a flow's two traces side
 * by side, and per-command unified diffs of a node's state. Pure: colour
 * comes in through a style of string functions (plain by default).
 */
import type { CellChange, CellDiff, MatrixDiff } from '../whatif/diff/compare.js';
import type { CellOrAbsent } from '../whatif/diff/matrix.js';
import type { NodeDiff } from '../whatif/diff/command-diff.js';
import type { PairDiff, SideOfPair, TraceFacts } from '../whatif/diff/pair.js';
import type { ViewTable } from './table.js';
import { stepText } from './trace-text.js';

export interface DiffStyle {
  readonly lost: (s: string) => string;
  readonly gained: (s: string) => string;
  readonly changed: (s: string) => string;
  readonly heading: (s: string) => string;
  readonly dim: (s: string) => string;
}

const plain = (s: string): string => s;
export const plainDiffStyle: DiffStyle = { lost: plain, gained: plain, changed: plain, heading: plain, dim: plain };

/** One letter per disposition, so a 24-column matrix fits a terminal. */
const CODES: readonly [string, string, string][] = [
  ['DELIVERED', '.', 'delivered'],
  ['NO_ROUTE', 'R', 'no route'],
  ['DROPPED_BY_FILTER', 'F', 'dropped by an iptables rule'],
  ['MTU_EXCEEDED', 'M', 'too big (MTU)'],
  ['NEIGHBOR_UNREACHABLE', 'N', 'neighbour unreachable'],
  ['ROUTE_BLACKHOLE', 'B', 'blackhole route'],
  ['ROUTE_UNREACHABLE', 'U', 'unreachable route'],
  ['ROUTE_PROHIBIT', 'P', 'prohibit route'],
  ['TTL_EXCEEDED', 'T', 'TTL exceeded'],
  ['PORT_UNREACHABLE', 'C', 'port closed'],
  ['FORWARDING_DISABLED', 'W', 'forwarding disabled'],
  ['NO_ENDPOINTS', 'E', 'no endpoints'],
  ['LOOP', 'L', 'loop'],
];
const CODE_OF = new Map(CODES.map(([d, c]) => [d, c]));

function code(cell: CellOrAbsent): string {
  return cell === 'absent' ? '-' : (CODE_OF.get(cell.disposition) ?? '?');
}

function cellText(diff: CellDiff): string {
  switch (diff.change) {
    case 'same':
      return code(diff.variant);
    case 'path':
      return '~';
    default:
      return `${code(diff.baseline)}>${code(diff.variant)}`;
  }
}

function colour(change: CellChange, style: DiffStyle): (s: string) => string {
  switch (change) {
    case 'lost':
      return style.lost;
    case 'gained':
      return style.gained;
    case 'same':
      return plain;
    default:
      return style.changed;
  }
}

export function matrixLines(diff: MatrixDiff, style: DiffStyle = plainDiffStyle, probe = 'icmp echo'): string[] {
  const { rows, columns } = diff.axes;
  const byPair = new Map(diff.cells.map((c) => [`${c.from.ref}\u0000${c.to.ref}`, c]));
  const number = new Map(columns.map((c, i) => [c.ref, i + 1]));
  const label = (r: (typeof rows)[number]): string =>
    number.has(r.ref)
      ? `${String(number.get(r.ref)).padStart(String(columns.length).length)} ${r.label}`
      : `${' '.repeat(String(columns.length).length)} ${r.label}`;
  const labelWidth = Math.max(...rows.map((r) => label(r).length));
  const texts = rows.map((r) => columns.map((c) => (r.ref === c.ref ? '·' : cellText(byPair.get(`${r.ref}\u0000${c.ref}`)!))));
  const width = Math.max(3, ...columns.map((_, i) => String(i + 1).length), ...texts.flat().map((t) => t.length));
  const pad = (s: string): string => s.padEnd(width);
  const lines: string[] = [];
  const services = columns.filter((c) => c.kind === 'service' || c.kind === 'nodeport').length;
  const what = `${columns.length - services} pods${services ? ` + ${services} service ports` : ''}`;
  lines.push(
    style.heading(
      `reachability (${probe}${services ? '; services on their own ports' : ''}): ${rows.length} sources × ${what}, baseline → variant`,
    ),
  );
  if (diff.axes.note) lines.push(style.dim(diff.axes.note));
  // Columns that are not also rows (services, node ports) are named once here.
  const rowRefs = new Set(rows.map((r) => r.ref));
  const named = columns.map((c, i) => [c, i + 1] as const).filter(([c]) => !rowRefs.has(c.ref));
  if (named.length > 0) lines.push(style.dim(`columns: ${named.map(([c, n]) => `${n} ${c.label}`).join(', ')}`));
  lines.push(`${''.padEnd(labelWidth)}  ${columns.map((_, i) => pad(String(i + 1))).join(' ')}`.trimEnd());
  rows.forEach((r, ri) => {
    const cells = columns.map((c, ci) => {
      const text = pad(texts[ri]![ci]!);
      const d = byPair.get(`${r.ref}\u0000${c.ref}`);
      return d ? colour(d.change, style)(text) : text;
    });
    lines.push(`${label(r).padEnd(labelWidth)}  ${cells.join(' ')}`.trimEnd());
  });
  const used = new Set(diff.cells.flatMap((c) => [c.baseline, c.variant]).map(code));
  const legend = CODES.filter(([, c]) => used.has(c) || c === '.').map(([, c, words]) => `${c} ${words}`);
  if (used.has('-')) legend.push('- not in this build');
  legend.push('A>B changed from A to B', '~ delivered by another path');
  lines.push(style.dim(`legend: ${legend.join(', ')}`));
  return lines;
}

export function changeLines(diff: MatrixDiff, style: DiffStyle = plainDiffStyle): string[] {
  const changed = diff.cells.filter((c) => c.change !== 'same');
  const lines: string[] = [];
  if (changed.length > 0) {
    lines.push(style.heading(`changes (${changed.length} of ${diff.counts.cells} cells):`));
    const width = Math.max(...changed.map((c) => `${c.from.label} → ${c.to.label}`.length));
    for (const c of changed)
      lines.push(`  ${`${c.from.label} → ${c.to.label}`.padEnd(width)}  ${colour(c.change, style)(c.change)}: ${c.reason}`);
  }
  lines.push(summaryLine(diff, style));
  return lines;
}

export function summaryLine(diff: MatrixDiff, style: DiffStyle = plainDiffStyle): string {
  const n = diff.counts;
  const also: string[] = [];
  if (n.reason) also.push(`${n.reason} dropped for another reason or elsewhere`);
  if (n.path) also.push(`${n.path} delivered by another path`);
  const tail = also.length ? `; ${also.join(', ')}` : '';
  if (!diff.reachabilityChanged) return style.gained(`reachability unchanged (${n.cells} cells${tail})`);
  const parts = [`${n.lost} lost`, `${n.gained} gained`, ...(n.absent ? [`${n.absent} only on one side`] : [])];
  return style.lost(`reachability changed: ${parts.join(', ')} of ${n.cells} cells${tail}`);
}

// ---------------------------------------------------------------- --pair

const FACT_ROWS: readonly [keyof TraceFacts, string][] = [
  ['disposition', 'result'],
  ['hops', 'hops'],
  ['ttl', 'ttl at arrival'],
  ['encap', 'tunnels'],
  ['pathMtu', 'mtu on the way'],
  ['rulesEvaluated', 'iptables rules evaluated'],
  ['devices', 'left by'],
];

function factText(facts: TraceFacts, key: keyof TraceFacts): string {
  const value = facts[key];
  if (value === undefined) return '-';
  if (Array.isArray(value)) return value.length ? value.join('\n') : 'none';
  return String(value);
}

/** The two traces' facts side by side; changed rows marked with `*`. */
export function pairFactsTable(pair: PairDiff, style: DiffStyle = plainDiffStyle): ViewTable {
  const rows = FACT_ROWS.map(([key, words]) => {
    const mark = pair.changed.includes(key) ? '*' : '';
    const paint = mark ? style.changed : plain;
    return [paint(`${mark}${words}`), factText(pair.baseline.facts, key), factText(pair.variant.facts, key)];
  });
  return { title: `${pair.from} → ${pair.to}`, columns: ['', 'baseline', 'variant'], rows };
}

function hopCell(side: SideOfPair, index: number): string {
  const hop = side.trace.hops[index];
  if (!hop) return '';
  const where = `${hop.name}${hop.inDev || hop.outDev ? ` (${hop.inDev ?? '-'} → ${hop.outDev ?? '-'})` : ''}`;
  const steps = hop.steps.map((s) => stepText(s, hop, { netns: side.netns })).filter((s): s is string => s !== undefined);
  return [where, ...steps.map((s) => `  ${s}`)].join('\n');
}

/** Hop by hop, baseline left, variant right. */
export function pairHopsTable(pair: PairDiff): ViewTable {
  const n = Math.max(pair.baseline.trace.hops.length, pair.variant.trace.hops.length);
  const rows = Array.from({ length: n }, (_, i) => [String(i + 1), hopCell(pair.baseline, i), hopCell(pair.variant, i)]);
  return { title: 'hop by hop', columns: ['#', 'baseline', 'variant'], rows };
}

// ---------------------------------------------------------------- --node

export function nodeDiffLines(diff: NodeDiff, style: DiffStyle = plainDiffStyle): string[] {
  const lines: string[] = [];
  if (diff.missing) lines.push(style.changed(`${diff.target} exists only in the ${diff.missing === 'baseline' ? 'variant' : 'baseline'}`));
  const same: string[] = [];
  for (const c of diff.commands) {
    if (c.hunks.length === 0) {
      same.push(c.command);
      continue;
    }
    lines.push(style.heading(`--- baseline ${diff.target}: ${c.command}`), style.heading(`+++ variant ${diff.target}: ${c.command}`));
    for (const h of c.hunks)
      lines.push(h.startsWith('@@') ? style.dim(h) : h.startsWith('-') ? style.lost(h) : h.startsWith('+') ? style.gained(h) : h);
  }
  if (same.length) lines.push(style.dim(`no differences in: ${same.join(', ')}`));
  return lines;
}
