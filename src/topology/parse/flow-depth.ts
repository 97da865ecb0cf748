/**
 * A pre-parse guard against deeply nested YAML flow collections
 * (`[[[[...`), which make the yaml parser abort the whole process (an
 * out-of-memory in V8's regexp compiler, not a catchable error) at a few
 * thousand levels. Block nesting is handled by the parser itself.
 *
 * It is a scan, not a parser. Inside flow collections it is exact: there a
 * plain scalar cannot contain brackets, so every `[`, `{`, `]`, `}` outside
 * quotes and comments is structure. Outside them (block context) it skips
 * comments, quoted scalars, plain scalars (`a[b` is text) and block scalars
 * (`|` and `>` and the lines indented under them), and counts a bracket only
 * where a value starts.
 */

/** The offset of the first `[` or `{` nested deeper than `limit`, or undefined. */
export function findExcessiveFlowNesting(text: string, limit: number): number | undefined {
  const n = text.length;
  let depth = 0;
  let i = 0;
  let lineIndent = 0; // indentation of the current line
  let atLineStart = true;
  let valueStart = true; // block context: may a value start here?
  let blockScalarIndent = -1; // >= 0 while skipping the lines of a block scalar
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      i++;
      atLineStart = true;
      lineIndent = 0;
      if (depth === 0) valueStart = true;
      continue;
    }
    if (atLineStart) {
      if (ch === ' ') {
        lineIndent++;
        i++;
        continue;
      }
      atLineStart = false;
      if (blockScalarIndent >= 0) {
        if (lineIndent > blockScalarIndent || ch === '\r') {
          i = lineEnd(text, i);
          continue;
        }
        blockScalarIndent = -1;
      }
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      i = lineEnd(text, i);
      continue;
    }
    if (depth > 0) {
      // Flow context.
      if (ch === '[' || ch === '{') {
        if (++depth > limit) return i;
      } else if (ch === ']' || ch === '}') {
        depth--;
      } else if ((ch === '"' || ch === "'") && isTokenStart(text, i)) {
        i = skipQuoted(text, i);
        continue;
      }
      i++;
      continue;
    }
    // Block context.
    if (valueStart && (ch === '[' || ch === '{')) {
      depth = 1;
      if (depth > limit) return i;
      i++;
      continue;
    }
    if (valueStart && (ch === '"' || ch === "'")) {
      i = skipQuoted(text, i);
      valueStart = false;
      continue;
    }
    if (valueStart && (ch === '|' || ch === '>')) {
      blockScalarIndent = lineIndent;
      i = lineEnd(text, i);
      continue;
    }
    if ((ch === '-' || ch === '?' || ch === ':') && isSpaceOrEnd(text[i + 1])) {
      valueStart = true;
      i++;
      continue;
    }
    if (ch === '&' || ch === '!' || ch === '*') {
      // Anchors, tags and aliases: a token, then a value may still start.
      while (i < n && !/\s/.test(text[i]!)) i++;
      continue;
    }
    // A plain scalar: up to `: `, ` #` or the end of the line.
    i = plainScalarEnd(text, i);
    valueStart = false;
  }
  return undefined;
}

function isSpaceOrEnd(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/** In flow context a quote opens a scalar only where a token starts. */
function isTokenStart(text: string, at: number): boolean {
  for (let j = at - 1; j >= 0; j--) {
    const ch = text[j]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') continue;
    return ch === '[' || ch === '{' || ch === ',' || ch === ':' || ch === '?';
  }
  return true;
}

function lineEnd(text: string, at: number): number {
  const end = text.indexOf('\n', at);
  return end < 0 ? text.length : end;
}

function plainScalarEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') return i;
    if (ch === ':' && isSpaceOrEnd(text[i + 1])) return i;
    if (ch === '#' && (text[i - 1] === ' ' || text[i - 1] === '\t')) return i;
    i++;
  }
  return i;
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
