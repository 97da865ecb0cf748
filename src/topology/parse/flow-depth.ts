/**
 * A pre-parse guard against deeply nested YAML flow collections
 * (`[[[[...`), which make the yaml parser abort the whole process (an
 * out-of-memory in V8's regexp compiler, not a catchable error) at a few
 * thousand levels.
 *
 * It is a scan, not a parser: it skips comments and quoted scalars, counts
 * `[` and `{` inside flow collections, and outside them only where a value
 * can start (after indentation, `- `, `: `, `? `, `,`), so `a[b` in a block
 * plain scalar is not counted. In flow context a plain scalar cannot contain
 * brackets, so there the count is exact.
 */

const OPENERS = new Set(['[', '{']);
const CLOSERS = new Set([']', '}']);
/** After one of these (or at the start of a line), `[`, `{` and quotes begin a new node. */
const NODE_STARTERS = new Set(['[', '{', ',', ':', '-', '?', '']);

/** The offset of the first opener nested deeper than `limit`, or undefined. */
export function findExcessiveFlowNesting(text: string, limit: number): number | undefined {
  let depth = 0;
  let previous = ''; // last significant character on this line ('' at line start)
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      previous = '';
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    const atNodeStart = NODE_STARTERS.has(previous);
    if ((ch === '"' || ch === "'") && (atNodeStart || depth > 0)) {
      i = skipQuoted(text, i);
      previous = ch;
      continue;
    }
    if (OPENERS.has(ch) && (depth > 0 || atNodeStart)) {
      depth++;
      if (depth > limit) return i;
    } else if (CLOSERS.has(ch) && depth > 0) {
      depth--;
    }
    previous = ch;
    i++;
  }
  return undefined;
}

/** The offset just after the quoted scalar starting at `start`. */
function skipQuoted(text: string, start: number): number {
  const quote = text[start]!;
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (quote === '"' && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 2; // '' is an escaped quote
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return i;
}
