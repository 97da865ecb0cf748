/**
 * nftables state a walk session keeps: what `update @set` statements added
 * to kube-proxy's affinity sets, and the keys sets and maps are indexed by.
 */
import type { NftSet, NftTable } from '../../kernel/nftables.js';

/** `ip kube-proxy`: how nft names a table, and how a trace names it. */
export function nftTableLabel(table: NftTable): string {
  return `${table.family} ${table.name}`;
}

/** A set element's key as one string: its parts joined as nft prints a concatenation (`10.96.0.10 . tcp . 80`). */
export function keyString(parts: readonly (number | string)[]): string {
  return parts.length === 1 ? String(parts[0]) : parts.join(' . ');
}

interface DynamicElement {
  readonly key: readonly (number | string)[];
  /** Seconds the element lives (the set's timeout), from when it was last updated. */
  readonly timeout?: number;
}

/**
 * What `update @set { ip saddr }` added during a walk session, per netns:
 * kube-proxy's ClientIP affinity sets (one per endpoint, `flags dynamic,
 * timeout`). A client's next connection in the same session finds its
 * address there and goes back to the same endpoint. A session has no clock:
 * elements stay for the whole session (the set's timeout, 3 hours by
 * default, is longer than any session).
 */
export class NftDynamicSets {
  private readonly sets = new Map<string, Map<string, DynamicElement>>();

  private static id(nsId: string, table: NftTable, set: string): string {
    return `${nsId}|${nftTableLabel(table)}|${set}`;
  }

  add(nsId: string, table: NftTable, set: NftSet, key: readonly (number | string)[]): void {
    const id = NftDynamicSets.id(nsId, table, set.name);
    let elements = this.sets.get(id);
    if (!elements) this.sets.set(id, (elements = new Map()));
    elements.set(keyString(key), { key, ...(set.timeout !== undefined ? { timeout: set.timeout } : {}) });
  }

  has(nsId: string, table: NftTable, set: string, key: string): boolean {
    return this.sets.get(NftDynamicSets.id(nsId, table, set))?.has(key) ?? false;
  }

  /** The elements added to one set in this session, in the order they were first added. */
  elements(nsId: string, table: NftTable, set: string): readonly DynamicElement[] {
    return [...(this.sets.get(NftDynamicSets.id(nsId, table, set))?.values() ?? [])];
  }
}
