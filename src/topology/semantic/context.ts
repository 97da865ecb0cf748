/**
 * What every semantic check gets: the normalised topology (generated
 * entities included), the document as written (to tell a written value from
 * a default), and the list to add findings to.
 */
import type { TopologyDocument } from '../document.js';
import type { Finding } from '../finding.js';
import type { Topology } from '../types.js';

export interface CheckContext {
  readonly topology: Topology;
  readonly document: TopologyDocument;
  readonly findings: Finding[];
}

export type Check = (context: CheckContext) => void;

/** `source` + field, as a path. */
export function at(source: readonly (string | number)[], ...rest: (string | number)[]): (string | number)[] {
  return [...source, ...rest];
}
