/** A lab file after loading: what to build, and the steps with their expectations. */
import type { DocPath } from '../diagnostics/diagnostic.js';
import type { ProbeOptions } from '../dataplane/probes.js';
import type { SourceText } from '../topology/source-text.js';
import type { FaultRequest } from '../whatif/faults.js';
import type { SetRequest } from '../whatif/variant.js';

export type LabTopology =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'inline'; readonly document: Record<string, unknown>; readonly source: SourceText };

export interface TraceAction {
  readonly kind: 'trace';
  readonly from: string;
  readonly to: string;
  readonly proto?: 'icmp' | 'tcp' | 'udp';
  readonly port?: number;
  readonly size?: number;
  readonly df?: boolean;
  readonly ttl?: number;
}

export interface ExecAction {
  readonly kind: 'exec';
  readonly on: string;
  readonly argv: readonly string[];
}

export interface ShowAction {
  readonly kind: 'show';
  readonly view: string;
  readonly on: string;
  readonly table?: string;
}

export interface DiffAction {
  readonly kind: 'diff';
  readonly sets: readonly SetRequest[];
  readonly faults: readonly FaultRequest[];
  /** The probe every compared flow sends (default: ICMP echo). */
  readonly probe: ProbeOptions;
}

export type LabAction = TraceAction | ExecAction | ShowAction | DiffAction;

/** The expectations, as written (schemas/lab.schema.json, `expect`). */
export interface Expectations {
  readonly disposition?: string;
  readonly reason?: string;
  readonly through?: readonly string[];
  readonly notThrough?: readonly string[];
  readonly ttl?: number;
  readonly hops?: number;
  readonly encap?: string | readonly string[];
  readonly outerPort?: number;
  readonly mtu?: number;
  readonly source?: string;
  readonly seenSource?: string;
  /** Bounds on the rules evaluated over the whole walk. */
  readonly rulesEvaluated?: { readonly atMost?: number; readonly atLeast?: number };
  readonly contains?: string | readonly string[];
  readonly notContains?: string | readonly string[];
  readonly equals?: string | readonly string[];
  readonly exitCode?: number;
  readonly changes?: readonly (readonly [string, string])[];
  readonly keeps?: readonly (readonly [string, string])[];
  readonly reachability?: 'changed' | 'unchanged';
}

export interface LabStep {
  /** 1-based, as reports count. */
  readonly number: number;
  readonly name: string;
  readonly action: LabAction;
  readonly expect: Expectations;
  /** The step's place in the lab document (`['steps', 2]`). */
  readonly path: DocPath;
}

export interface Lab {
  readonly file: string;
  readonly source: SourceText;
  readonly name: string;
  readonly title: string;
  readonly teaches?: string;
  readonly topology: LabTopology;
  readonly sets: readonly SetRequest[];
  readonly faults: readonly FaultRequest[];
  readonly steps: readonly LabStep[];
}
