/** A view's table on the terminal: boxed by cli-table3, or plain columns when it is big. */
import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { ViewTable } from '../views/table.js';

/** cli-table3's layout is quadratic in rows: big tables (a node's 5,000 routes) are drawn as plain columns. */
const BOXED_TABLE_MAX_ROWS = 300;

export function drawTable(view: ViewTable, chalk: ChalkInstance): string[] {
  const lines = [chalk.bold(view.title)];
  if (view.rows.length === 0) {
    lines.push('  (none)');
  } else if (view.rows.length > BOXED_TABLE_MAX_ROWS) {
    lines.push(...plainColumns(view, chalk));
  } else {
    const keyValue = view.columns.every((c) => c === '');
    const table = new Table({
      head: keyValue ? [] : view.columns.map((c) => chalk.bold(c)),
      style: { head: [], border: [], compact: true },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    // One table row per line of a multi-line row: cli-table3 draws a multi-line cell in time quadratic in its
    // length (a debug label truncates the whole content a character at a time, for every line drawn), which
    // was most of `netlab trace`'s run time. A compact table draws no separator between rows, so the output is the same.
    for (const row of view.rows) table.push(...rowLines(row));
    lines.push(...table.toString().split('\n'));
  }
  for (const note of view.notes ?? []) lines.push(chalk.dim(note));
  return lines;
}

/** Columns padded to their widest cell, two spaces apart; multi-line cells continue on following lines. */
function plainColumns(view: ViewTable, chalk: ChalkInstance): string[] {
  const keyValue = view.columns.every((c) => c === '');
  const rows = keyValue ? view.rows : [view.columns, ...view.rows];
  const widths = view.columns.map((_, i) => Math.max(...rows.map((r) => Math.max(...(r[i] ?? '').split('\n').map((l) => l.length)))));
  const out: string[] = [];
  rows.forEach((row, r) => {
    for (const cells of rowLines(row)) {
      const line = cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
      out.push(r === 0 && !keyValue ? chalk.bold(line) : line);
    }
  });
  return out;
}

/** A row as lines of cells: the k-th line of every cell, '' where a cell has fewer lines. */
function rowLines(row: readonly string[]): string[][] {
  const cells = row.map((c) => c.split('\n'));
  const height = Math.max(...cells.map((c) => c.length));
  return Array.from({ length: height }, (_, k) => cells.map((c) => c[k] ?? ''));
}
