/**
 * Document paths to text offsets through a yaml Document, whose nodes keep
 * their source ranges. Follows aliases (*name) to their anchors and merge
 * keys (<<: *base) to the mappings they merge, since that is where the
 * offending text is.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { PathTarget } from '../finding.js';
import type { PathLocator } from '../source-text.js';

export class YamlPathLocator implements PathLocator {
  constructor(private readonly document: Document) {}

  locate(path: DocPath, target: PathTarget): number | undefined {
    let node = this.document.contents as Node | null;
    let found = startOf(node);
    for (let i = 0; i < path.length; i++) {
      node = this.deref(node);
      const segment = path[i]!;
      let keyOffset: number | undefined;
      if (isMap(node)) {
        const pair = this.findPair(node.items as Pair[], String(segment), 0);
        if (pair === undefined) return found;
        keyOffset = startOf(pair.key as Node | null);
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment] as Node | null;
      } else {
        return found;
      }
      const isLast = i === path.length - 1;
      if (isLast && target === 'key' && keyOffset !== undefined) return keyOffset;
      // `key:` with nothing after it: point at the key rather than past it.
      const valueOffset = isEmptyScalar(node) ? undefined : startOf(node);
      found = valueOffset ?? keyOffset ?? found;
    }
    return found;
  }

  private deref(node: Node | null): Node | null {
    // An alias may point at another alias only through an anchor, so one
    // resolution is enough; the bound guards against malformed documents.
    for (let hops = 0; hops < 8 && isAlias(node); hops++) {
      node = (node.resolve(this.document) ?? null) as Node | null;
    }
    return node;
  }

  /** The pair for `key`, looking into merged mappings when the key is not written here. */
  private findPair(pairs: readonly Pair[], key: string, depth: number): Pair | undefined {
    for (const pair of pairs) {
      if (isScalar(pair.key) && String(pair.key.value) === key) return pair;
    }
    if (depth > 8) return undefined;
    for (const pair of pairs) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue; // only `<<`
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const merged = this.deref(source as Node | null);
        if (isMap(merged)) {
          const found = this.findPair(merged.items as Pair[], key, depth + 1);
          if (found !== undefined) return found;
        }
      }
    }
    return undefined;
  }
}

function startOf(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

function isEmptyScalar(node: Node | null): boolean {
  return (
    node === null ||
    (isScalar(node) && node.value === null && (node.source === '' || node.source === undefined) && node.range?.[0] === node.range?.[1])
  );
}
