/**
 * A parsed YAML document to plain data, with its aliases (`*name`) and
 * merge keys (`<<: *name`) measured before anything is expanded.
 *
 * An alias bomb is a few lines that expand a billion-fold; the documented
 * `<<: *worker` pattern is one alias per node and expands a few values per
 * use. Counting alias uses (the yaml package's maxAliasCount) cannot tell
 * them apart; counting the values the document expands to can. The first
 * pass walks the written nodes once, in document order: each anchored
 * node's expanded size is computed once and an alias costs its anchor's
 * size, so a bomb is measured in time proportional to its text. The same
 * pass checks the merge keys, whose values the yaml package throws on when
 * they are not mappings (`<<: 1`).
 *
 * The conversion is ours rather than the package's `toJS`, which looks
 * every alias up by scanning the document from its start (quadratic: 39,000
 * aliases took 23 s) and prints a process warning for a mapping key that is
 * a collection. Here an alias is resolved once by the first pass, a key that
 * is a collection becomes its text and a finding, and the result is what
 * `toJS` gives otherwise: an alias is the very object of its anchor (a cycle
 * stays a cycle, for the depth check to report), a merge key adds the keys
 * its mappings have and this one does not, and `__proto__` is a plain key.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type Node, type Pair } from 'yaml';

export type ExpansionProblem =
  | { readonly kind: 'bad-merge'; readonly offset: number }
  | { readonly kind: 'merge-cycle'; readonly offset: number }
  | { readonly kind: 'too-deep'; readonly offset: number };

export interface Expansion {
  /** Values as written: every scalar, collection and map key, an alias counting one. */
  readonly written: number;
  /** Values once every alias and merge key is expanded (the keys of merged mappings included). */
  readonly expanded: number;
  readonly problem?: ExpansionProblem;
  /** What each alias names: the last anchor of that name before it. */
  readonly targets: ReadonlyMap<Alias, Node>;
}

class Stop extends Error {
  constructor(readonly problem: ExpansionProblem) {
    super(problem.kind);
  }
}

const offsetOf = (node: unknown): number => (node as { range?: [number] } | null)?.range?.[0] ?? 0;

/** Measures `doc` (parsed without errors). Nesting deeper than `maxDepth` stops the walk, so recursion stays bounded. */
export function measureExpansion(doc: Document, maxDepth: number): Expansion {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  let written = 0;

  const resolve = (node: unknown): unknown => (isAlias(node) ? targets.get(node) : node);

  const size = (node: unknown, depth: number): number => {
    if (depth > maxDepth) throw new Stop({ kind: 'too-deep', offset: offsetOf(node) });
    written++;
    if (isAlias(node)) {
      const anchored = anchors.get(node.source);
      if (anchored === undefined) return 1; // the parser reports it (BAD_ALIAS)
      targets.set(node, anchored);
      // An alias inside its own anchor's node is a cycle, reported after conversion; it adds nothing here.
      return open.has(anchored) ? 1 : (sizes.get(anchored) ?? 1);
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return 1;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isScalar(node)) {
      sizes.set(node, 1);
      return 1;
    }
    open.add(node);
    let total = 1;
    if (isSeq(node)) {
      for (const item of node.items) total += size(item, depth + 1);
    } else {
      for (const pair of node.items as Pair[]) total += pairSize(pair, depth + 1);
    }
    open.delete(node);
    sizes.set(node, total);
    return total;
  };

  const pairSize = (pair: Pair, depth: number): number => {
    const keySize = size(pair.key, depth);
    const valueSize = size(pair.value, depth);
    if (!isMergeKey(pair)) return keySize + valueSize;
    // `<<: SOURCE`: the entries of SOURCE (a mapping, an alias of one, or a list or an alias of a list of those) join this mapping.
    const value = resolve(pair.value);
    const sources = isSeq(value) ? value.items : [pair.value];
    let merged = 0;
    for (const source of sources) {
      const map = resolve(source);
      if (!isMap(map)) throw new Stop({ kind: 'bad-merge', offset: offsetOf(source ?? pair.value ?? pair.key) });
      if (open.has(map)) throw new Stop({ kind: 'merge-cycle', offset: offsetOf(source) });
      merged += (sizes.get(map) ?? 1) - 1;
    }
    return merged;
  };

  try {
    const expanded = size(doc.contents, 0);
    return { written, expanded, targets };
  } catch (e) {
    if (e instanceof Stop) return { written, expanded: 0, problem: e.problem, targets };
    throw e;
  }
}

export interface Converted {
  readonly value: unknown;
  /** Mapping keys that were lists or mappings, each with where it is and the text it became. */
  readonly collectionKeys: readonly { readonly offset: number; readonly text: string }[];
}

/**
 * The document as plain data (call after measureExpansion found no
 * problem, with its targets; the nesting is then bounded already).
 */
export function toData(doc: Document, text: string, targets: ReadonlyMap<Alias, Node>): Converted {
  const results = new Map<Node, unknown>();
  const collectionKeys: { offset: number; text: string }[] = [];

  const convert = (node: unknown): unknown => {
    if (isAlias(node)) {
      const target = targets.get(node);
      return target === undefined ? null : results.get(target);
    }
    if (isScalar(node)) {
      const value = node.toJSON();
      if (node.anchor) results.set(node, value);
      return value;
    }
    if (isSeq(node)) {
      const list: unknown[] = [];
      if (node.anchor) results.set(node, list); // before the items: an alias inside is the list itself
      for (const item of node.items) list.push(convert(item));
      return list;
    }
    if (isMap(node)) {
      const map: Record<string, unknown> = {};
      if (node.anchor) results.set(node, map);
      for (const pair of node.items as Pair[]) addPair(map, pair);
      return map;
    }
    return null;
  };

  const addPair = (map: Record<string, unknown>, pair: Pair): void => {
    if (isMergeKey(pair)) {
      const value = isAlias(pair.value) ? targets.get(pair.value) : pair.value;
      const sources = isSeq(value) ? value.items : [pair.value];
      for (const source of sources) {
        const merged = convert(source) as Record<string, unknown>;
        for (const key of Object.keys(merged)) if (!Object.prototype.hasOwnProperty.call(map, key)) define(map, key, merged[key]);
      }
      return;
    }
    const key = convert(pair.key);
    let name: string;
    if (key === null || key === undefined) name = '';
    else if (typeof key !== 'object') name = String(key);
    else {
      const range = (pair.key as Node).range;
      name = range ? text.slice(range[0], range[1]).trim() : JSON.stringify(key);
      collectionKeys.push({ offset: range?.[0] ?? 0, text: name });
    }
    define(map, name, convert(pair.value));
  };

  return { value: convert(doc.contents), collectionKeys };
}

/** Sets an own, enumerable property: `__proto__` is a key like any other, never the prototype. */
function define(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key in map) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

function isMergeKey(pair: Pair): boolean {
  const key = pair.key;
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}
