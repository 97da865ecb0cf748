/**
 * Overlaps among many IPv4 prefixes in O(n log n): prefixes either nest or
 * are disjoint, so after sorting by start address each prefix can only
 * overlap the widest-reaching one seen before it. 5,000 pinned node ranges
 * are 12.5 million pairs; this is a sort and a sweep.
 */
import { broadcastOf, type Cidr } from '../../net/cidr.js';

export interface Range<T> {
  readonly cidr: Cidr;
  readonly item: T;
  /** Position in the input, so the later-written of two overlapping ranges is the one reported. */
  readonly order: number;
}

/** Each overlapping pair as [earlier, later] in input order; a range is reported at most once, as `later`. */
export function findOverlaps<T>(ranges: readonly Range<T>[]): [Range<T>, Range<T>][] {
  const sorted = [...ranges].sort((a, b) => a.cidr.addr - b.cidr.addr || a.cidr.len - b.cidr.len || a.order - b.order);
  const pairs: [Range<T>, Range<T>][] = [];
  let reach: Range<T> | undefined; // the range ending furthest so far
  let reachEnd = -1;
  for (const range of sorted) {
    if (reach !== undefined && range.cidr.addr <= reachEnd) {
      pairs.push(reach.order < range.order ? [reach, range] : [range, reach]);
    }
    const end = broadcastOf(range.cidr);
    if (end > reachEnd) {
      reach = range;
      reachEnd = end;
    }
  }
  return pairs;
}
