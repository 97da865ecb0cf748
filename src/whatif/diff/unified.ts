/**
 * A unified diff of two lists of lines (what `diff -u` prints), from a
 * longest-common-subsequence edit script (Myers' O((N+M)D) algorithm), with
 * 3 lines of context and `@@ -a,b +c,d @@` hunk headers.
 */

export type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string };

/** The shortest edit script turning `a` into `b` (common prefix and suffix first, Myers in between). */
export function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  return [
    ...a.slice(0, head).map((line): Edit => ({ op: ' ', line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Edit => ({ op: ' ', line })),
  ];
}

/**
 * Myers' greedy algorithm. Frontier d is kept as its 2d+1 diagonals only,
 * so memory is O(D²) for D differences, not O(D·(N+M)).
 */
function myers(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ op: '+', line }));
  if (m === 0) return a.map((line) => ({ op: '-', line }));
  // frontiers[d][k + d] = furthest x on diagonal k after d edits.
  const frontiers: Int32Array[] = [];
  const at = (d: number, k: number): number => frontiers[d]![k + d]!;
  let done = false;
  for (let d = 0; !done; d++) {
    const row = new Int32Array(2 * d + 1);
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (d === 0) x = 0;
      else if (k === -d || (k !== d && at(d - 1, k - 1) < at(d - 1, k + 1))) x = at(d - 1, k + 1);
      else x = at(d - 1, k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      row[k + d] = x;
      if (x >= n && y >= m) done = true;
    }
    frontiers.push(row);
  }
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = frontiers.length - 1; d > 0; d--) {
    const k = x - y;
    const down = k === -d || (k !== d && at(d - 1, k - 1) < at(d - 1, k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(d - 1, prevK);
    const prevY = prevX - prevK;
    // The snake after the edit, then the edit itself.
    while (x > (down ? prevX : prevX + 1) && y > (down ? prevY + 1 : prevY)) {
      edits.push({ op: ' ', line: a[--x]! });
      y--;
    }
    if (down) edits.push({ op: '+', line: b[--y]! });
    else edits.push({ op: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    edits.push({ op: ' ', line: a[--x]! });
    y--;
  }
  return edits.reverse();
}

/** Hunks with `context` lines around each change; empty when the two are equal. */
export function unifiedHunks(a: readonly string[], b: readonly string[], context = 3): string[] {
  const edits = editScript(a, b);
  if (!edits.some((e) => e.op !== ' ')) return [];
  const out: string[] = [];
  // Positions (1-based) in a and b where each edit starts.
  const posA: number[] = [];
  const posB: number[] = [];
  let ia = 1;
  let ib = 1;
  for (const e of edits) {
    posA.push(ia);
    posB.push(ib);
    if (e.op !== '+') ia++;
    if (e.op !== '-') ib++;
  }
  let i = 0;
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === ' ') i++;
    if (i >= edits.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2*context lines of unchanged text.
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let gap = end;
      while (gap < edits.length && edits[gap]!.op === ' ') gap++;
      if (gap < edits.length && gap - end <= 2 * context) {
        end = gap;
        continue;
      }
      end = Math.min(edits.length, end + context);
      break;
    }
    const slice = edits.slice(start, end);
    const countA = slice.filter((e) => e.op !== '+').length;
    const countB = slice.filter((e) => e.op !== '-').length;
    const fromA = countA === 0 ? posA[start]! - 1 : posA[start]!;
    const fromB = countB === 0 ? posB[start]! - 1 : posB[start]!;
    out.push(`@@ -${range(fromA, countA)} +${range(fromB, countB)} @@`);
    for (const e of slice) out.push(`${e.op}${e.line}`);
    i = end;
  }
  return out;
}

function range(start: number, count: number): string {
  return count === 1 ? String(start) : `${start},${count}`;
}
