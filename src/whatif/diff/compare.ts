/**
 * Two matrices, cell by cell: what changed and why. Reachability changes
 * (a cell delivered on one side only) are what `netlab diff` exits 1 for;
 * a different drop reason or a different path is reported, not gated on.
 */
import type { MatrixAxes, MatrixEndpoint } from './endpoints.js';
import type { Cell, CellOrAbsent, Matrix } from './matrix.js';

export type CellChange = 'same' | 'lost' | 'gained' | 'reason' | 'path' | 'absent';

export interface CellDiff {
  readonly from: MatrixEndpoint;
  readonly to: MatrixEndpoint;
  readonly baseline: CellOrAbsent;
  readonly variant: CellOrAbsent;
  readonly change: CellChange;
  /** Why, in words, for every change but `same`. */
  readonly reason?: string;
}

export interface MatrixDiff {
  readonly axes: MatrixAxes;
  readonly cells: readonly CellDiff[];
  readonly counts: {
    readonly cells: number;
    readonly lost: number;
    readonly gained: number;
    readonly reason: number;
    readonly path: number;
    readonly absent: number;
  };
  readonly reachabilityChanged: boolean;
}

/** Dispositions as the change list words them. */
const REASON_WORDS: Readonly<Record<string, string>> = {
  NO_ROUTE: 'route missing',
  DROPPED_BY_FILTER: 'dropped by rule',
  MTU_EXCEEDED: 'MTU',
  NEIGHBOR_UNREACHABLE: 'neighbour unreachable',
  ROUTE_BLACKHOLE: 'blackhole route',
  ROUTE_UNREACHABLE: 'unreachable route',
  ROUTE_PROHIBIT: 'prohibit route',
  TTL_EXCEEDED: 'TTL exceeded',
  PORT_UNREACHABLE: 'port closed',
  FORWARDING_DISABLED: 'forwarding disabled',
  NO_ENDPOINTS: 'no endpoints',
  LOOP: 'loop',
};

export function reasonWord(disposition: string): string {
  return REASON_WORDS[disposition] ?? disposition.toLowerCase().replace(/_/g, ' ');
}

function delivered(cell: CellOrAbsent): boolean {
  return cell !== 'absent' && cell.disposition === 'DELIVERED';
}

/** How two delivered paths differ: tunnels, hop count, TTL at arrival. */
export function pathChange(a: Cell, b: Cell): string {
  const parts: string[] = [];
  if (a.at !== b.at) parts.push(`reaches ${a.at} → ${b.at}`);
  const encap = (c: Cell): string => (c.encap.length ? c.encap.join('+') : 'no tunnel');
  if (encap(a) !== encap(b)) parts.push(`${encap(a)} → ${encap(b)}`);
  if (a.hops !== b.hops) parts.push(`${a.hops} → ${b.hops} hops`);
  if (a.ttl !== b.ttl) parts.push(`ttl ${a.ttl ?? '-'} → ${b.ttl ?? '-'} at arrival`);
  return parts.length > 0 ? parts.join(', ') : 'other devices on the way';
}

export function compareCells(from: MatrixEndpoint, to: MatrixEndpoint, baseline: CellOrAbsent, variant: CellOrAbsent): CellDiff {
  const base = { from, to, baseline, variant };
  if (baseline === 'absent' || variant === 'absent') {
    if (baseline === variant) return { ...base, change: 'same' };
    return { ...base, change: 'absent', reason: baseline === 'absent' ? `only in the variant` : `not in the variant` };
  }
  if (delivered(baseline) && !delivered(variant))
    return { ...base, change: 'lost', reason: `${reasonWord(variant.disposition)}: ${variant.summary}` };
  if (!delivered(baseline) && delivered(variant))
    return { ...base, change: 'gained', reason: `delivered (was ${reasonWord(baseline.disposition)})` };
  if (baseline.disposition !== variant.disposition) {
    return {
      ...base,
      change: 'reason',
      reason: `${reasonWord(baseline.disposition)} → ${reasonWord(variant.disposition)}: ${variant.summary}`,
    };
  }
  if (!delivered(baseline)) {
    // Dropped both times for the same reason: a change only when it now dies somewhere else (a failed
    // node's pod loses its own routes instead of reaching the router). `path` is for delivered cells.
    if (baseline.at === variant.at) return { ...base, change: 'same' };
    return {
      ...base,
      change: 'reason',
      reason: `${reasonWord(variant.disposition)}, at ${baseline.at} → at ${variant.at}: ${variant.summary}`,
    };
  }
  if (baseline.path !== variant.path || baseline.ttl !== variant.ttl)
    return { ...base, change: 'path', reason: pathChange(baseline, variant) };
  return { ...base, change: 'same' };
}

export function compareMatrices(axes: MatrixAxes, baseline: Matrix, variant: Matrix): MatrixDiff {
  const cells: CellDiff[] = [];
  for (const row of axes.rows) {
    for (const column of axes.columns) {
      if (row.ref === column.ref) continue;
      cells.push(
        compareCells(
          row,
          column,
          baseline.cells.get(row.ref)?.get(column.ref) ?? 'absent',
          variant.cells.get(row.ref)?.get(column.ref) ?? 'absent',
        ),
      );
    }
  }
  const count = (change: CellChange): number => cells.filter((c) => c.change === change).length;
  const counts = {
    cells: cells.length,
    lost: count('lost'),
    gained: count('gained'),
    reason: count('reason'),
    path: count('path'),
    absent: count('absent'),
  };
  return { axes, cells, counts, reachabilityChanged: counts.lost + counts.gained + counts.absent > 0 };
}
