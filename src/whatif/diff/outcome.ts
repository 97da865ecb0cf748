/**
 * How a walk ended: the facts a `diff --matrix` cell and a `diff --pair`
 * side both start with, in the same key order (their JSON output keeps it).
 */
import type { Disposition, Trace } from '../../flow/trace.js';

export interface TraceOutcome {
  readonly disposition: Disposition;
  readonly summary: string;
  readonly hops: number;
  /** The TTL the receiver saw (delivered only). */
  readonly ttl?: number;
}

export function traceOutcome(trace: Trace): TraceOutcome {
  return {
    disposition: trace.disposition,
    summary: trace.summary,
    hops: trace.hops.length,
    ...(trace.delivered ? { ttl: trace.delivered.ttl } : {}),
  };
}
