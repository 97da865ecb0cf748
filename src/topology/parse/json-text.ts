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
  // The keys of every open object on one stack, with where each open
  // container's keys start (-1 for arrays). Most objects have a handful of
  // keys, for which a look-back beats a Map per object; an object that grows
  // past SMALL_OBJECT keys gets a Set, so a hostile one stays linear.
  const keys: string[] = [];
  const keyOffsets: number[] = [];
  const frames: number[] = [];
  const bigFrames = new Map<number, Map<string, number>>(); // by depth
  let expectKey = false;
  const n = text.length;
  for (let at = 0; at < n; at++) {
    const c = text.charCodeAt(at);
    if (c === 34 /* " */) {
      const end = stringEnd(text, at);
      if (expectKey) {
        const key = decodeString(text, at, end);
        const depth = frames.length;
        const start = frames[depth - 1]!;
        let first: number | undefined;
        const big = bigFrames.get(depth);
        if (big !== undefined) {
          first = big.get(key);
          if (first === undefined) big.set(key, at);
        } else {
          const index = keys.indexOf(key, start);
          first = index >= 0 ? keyOffsets[index] : undefined;
          keys.push(key);
          keyOffsets.push(at);
          if (keys.length - start > SMALL_OBJECT) {
            bigFrames.set(
              depth,
              new Map(
                keys
                  .slice(start)
                  .map((k, i) => [k, keyOffsets[start + i]!] as const)
                  .reverse(),
              ),
            );
          }
        }
        if (first !== undefined && problems.push({ kind: 'duplicate-key', key, offset: at, firstOffset: first }) >= maxProblems)
          return problems;
        expectKey = false;
      }
      at = end - 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      frames.push(c === 123 ? keys.length : -1);
      expectKey = c === 123;
      if (frames.length > maxDepth) {
        problems.push({ kind: 'too-deep', offset: at });
        return problems;
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      bigFrames.delete(frames.length);
      const start = frames.pop()!;
      if (start >= 0) {
        keys.length = start;
        keyOffsets.length = start;
      }
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = frames.length > 0 && frames[frames.length - 1]! >= 0;
    }
  }
  return problems;
}

/** Objects with more keys than this are checked with a Map rather than a look-back. */
const SMALL_OBJECT = 32;

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
