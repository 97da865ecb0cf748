/**
 * Structure of JSON text that JSON.parse does not report: duplicate keys
 * (JSON.parse silently keeps the last one), nesting depth, and where a
 * document path's key or value starts (for diagnostics).
 *
 * Everything here runs on text JSON.parse has already accepted, so it can
 * assume valid JSON and stay small and fast: a 100 MB file is scanned in well
 * under a second, where re-parsing it with the yaml package for positions
 * would take minutes.
 */
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { PathTarget } from '../finding.js';
import type { PathLocator } from '../source-text.js';

export type JsonStructureProblem =
  | { readonly kind: 'duplicate-key'; readonly key: string; readonly offset: number; readonly firstOffset: number }
  | { readonly kind: 'too-deep'; readonly offset: number };

const STRUCTURAL = /[{}[\],"]/g;

/** Duplicate keys (at most `maxProblems`) and the first container nested deeper than `maxDepth`. */
export function findJsonStructureProblems(text: string, maxDepth: number, maxProblems = 100): JsonStructureProblem[] {
  const problems: JsonStructureProblem[] = [];
  // One frame per open container: the keys seen so far (objects) or null (arrays).
  const frames: (Map<string, number> | null)[] = [];
  let expectKey = false;
  STRUCTURAL.lastIndex = 0;
  for (let match = STRUCTURAL.exec(text); match !== null; match = STRUCTURAL.exec(text)) {
    const at = match.index;
    switch (text[at]) {
      case '{':
      case '[':
        frames.push(text[at] === '{' ? new Map() : null);
        expectKey = text[at] === '{';
        if (frames.length > maxDepth) {
          problems.push({ kind: 'too-deep', offset: at });
          return problems;
        }
        break;
      case '}':
      case ']':
        frames.pop();
        expectKey = false;
        break;
      case ',':
        expectKey = frames[frames.length - 1] != null;
        break;
      case '"': {
        const end = stringEnd(text, at);
        const keys = frames[frames.length - 1];
        if (expectKey && keys != null) {
          const key = decodeString(text, at, end);
          const first = keys.get(key);
          if (first === undefined) keys.set(key, at);
          else if (problems.push({ kind: 'duplicate-key', key, offset: at, firstOffset: first }) >= maxProblems) return problems;
          expectKey = false;
        }
        STRUCTURAL.lastIndex = end;
        break;
      }
    }
  }
  return problems;
}

/**
 * Locates document paths in JSON text (see PathLocator). The children of each
 * container visited are indexed once and cached, so locating many paths costs
 * about one pass over the containers on those paths, not one per path.
 */
export class JsonPathLocator implements PathLocator {
  private readonly objects = new Map<number, Map<string, { key: number; value: number }>>();
  private readonly arrays = new Map<number, number[]>();

  constructor(private readonly text: string) {}

  locate(path: DocPath, target: PathTarget): number | undefined {
    let at = skipSpace(this.text, 0);
    let found: number | undefined = at < this.text.length ? at : undefined;
    for (let i = 0; i < path.length; i++) {
      const opener = this.text[at];
      let key: number | undefined;
      let value: number | undefined;
      if (opener === '{') {
        const entry = this.objectEntries(at).get(String(path[i]));
        key = entry?.key;
        value = entry?.value;
      } else if (opener === '[' && typeof path[i] === 'number') {
        value = this.arrayItems(at)[path[i] as number];
      }
      if (value === undefined) return found;
      if (i === path.length - 1 && target === 'key' && key !== undefined) return key;
      at = value;
      found = at;
    }
    return found;
  }

  private objectEntries(open: number): Map<string, { key: number; value: number }> {
    let entries = this.objects.get(open);
    if (entries !== undefined) return entries;
    entries = new Map();
    const text = this.text;
    let at = skipSpace(text, open + 1);
    while (text[at] === '"') {
      const keyEnd = stringEnd(text, at);
      const key = decodeString(text, at, keyEnd);
      const value = skipSpace(text, skipSpace(text, keyEnd) + 1); // past ':'
      if (!entries.has(key)) entries.set(key, { key: at, value });
      at = skipSpace(text, valueEnd(text, value));
      if (text[at] !== ',') break;
      at = skipSpace(text, at + 1);
    }
    this.objects.set(open, entries);
    return entries;
  }

  private arrayItems(open: number): number[] {
    let items = this.arrays.get(open);
    if (items !== undefined) return items;
    items = [];
    const text = this.text;
    let at = skipSpace(text, open + 1);
    if (text[at] !== ']') {
      for (;;) {
        items.push(at);
        at = skipSpace(text, valueEnd(text, at));
        if (text[at] !== ',') break;
        at = skipSpace(text, at + 1);
      }
    }
    this.arrays.set(open, items);
    return items;
  }
}

function skipSpace(text: string, at: number): number {
  while (at < text.length) {
    const c = text.charCodeAt(at);
    // space, tab, LF, CR, and a byte-order mark at the start
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) break;
    at++;
  }
  return at;
}

/** The offset just past the closing quote of the string opening at `open`. */
function stringEnd(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at >= 0) {
    let backslashes = 0;
    for (let b = at - 1; text.charCodeAt(b) === 92; b--) backslashes++;
    if (backslashes % 2 === 0) return at + 1;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}

function decodeString(text: string, open: number, end: number): string {
  const raw = text.slice(open + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(open, end)) as string) : raw;
}

/** The offset just past the value starting at `at`. */
function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first !== '{' && first !== '[') {
    let end = at;
    while (end < text.length && !',}] \t\r\n'.includes(text[end]!)) end++;
    return end;
  }
  let depth = 0;
  STRUCTURAL.lastIndex = at;
  for (let match = STRUCTURAL.exec(text); match !== null; match = STRUCTURAL.exec(text)) {
    const ch = text[match.index];
    if (ch === '"') STRUCTURAL.lastIndex = stringEnd(text, match.index);
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return match.index + 1;
    }
  }
  return text.length;
}
