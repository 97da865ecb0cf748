/**
 * Running a lab: build its topology (with its set and faults), run each
 * step against that build, check the expectations. Pure: the topology
 * file's text comes in from the caller, and so does the clock (for JUnit's
 * times), so runs are repeatable in tests.
 */
import { UsageError, type Diagnostic, type DocPath } from '../diagnostics/diagnostic.js';
import type { Dataplane } from '../dataplane/build.js';
import { netnsOfTarget, resolveTraceEndpoint, resolveTraceSource } from '../dataplane/endpoints.js';
import { newSession, tracePacket, type ProbeOptions } from '../dataplane/probes.js';
import { routeGet } from '../dataplane/route-get.js';
import { runEmulated } from '../exec/run.js';
import type { NetNs } from '../kernel/netns.js';
import { resolveNetnsTarget } from '../model/resolve.js';
import { resolveView, viewTables } from '../views/netns-views.js';
import type { ViewTable } from '../views/table.js';
import { compareCells, compareMatrices } from '../whatif/diff/compare.js';
import { matrixAxes, type MatrixEndpoint } from '../whatif/diff/endpoints.js';
import { cellOf, computeMatrix } from '../whatif/diff/matrix.js';
import { buildVariant, buildVariantFromDocument, type Variant, type WhatIf } from '../whatif/variant.js';
import { checkOutput, checkTrace, type Failure } from './expect.js';
import { LabCode, probeOf } from './load.js';
import type { DiffAction, ExecAction, Lab, LabStep, ShowAction, TraceAction } from './types.js';

export type Status = 'pass' | 'fail' | 'error';

export interface StepResult {
  readonly step: LabStep;
  readonly status: Status;
  readonly failures: readonly Failure[];
  /** Why the step could not run (an unknown name in it, a variant that does not build). */
  readonly diagnostics: readonly Diagnostic[];
  readonly seconds: number;
}

export interface LabResult {
  readonly lab: Lab;
  /** The lab's own problems (its topology does not build): then no step ran. */
  readonly diagnostics: readonly Diagnostic[];
  readonly steps: readonly StepResult[];
  readonly status: Status;
  readonly seconds: number;
}

/** The topology of a lab that names a file: its text, or undefined when it could not be read. */
export interface TopologyText {
  readonly text: string;
  readonly file: string;
}

/** Why a lab's topology file was not read (outside the lab's folder, not a file, ...): reported at the lab's `topology:`. */
export interface TopologyUnread {
  readonly unread: string;
  readonly hint?: string;
}

export type TopologyInput = TopologyText | TopologyUnread;

export interface RunOptions {
  /** Seconds, for durations (default: none measured). */
  readonly now?: () => number;
}

export function runLab(lab: Lab, topology: TopologyInput | undefined, options: RunOptions = {}): LabResult {
  const now = options.now ?? (() => 0);
  const started = now();
  const build = (extra: { sets: WhatIf['sets']; faults: WhatIf['faults'] }): Variant | Diagnostic => {
    const whatIf: WhatIf = { sets: [...lab.sets, ...extra.sets], faults: [...lab.faults, ...extra.faults] };
    if (lab.topology.kind === 'inline') return buildVariantFromDocument(lab.topology.document, lab.topology.source, whatIf);
    if (!topology || 'unread' in topology) {
      const at = lab.source.locate(['topology']);
      const message = topology ? topology.unread : `topology file ${lab.topology.path} does not exist`;
      const hint = topology ? topology.hint : 'the path is relative to the lab file';
      return { code: LabCode.Topology, severity: 'error', message, file: lab.file, ...(at ?? {}), ...(hint !== undefined ? { hint } : {}) };
    }
    return buildVariant(topology.text, topology.file, whatIf);
  };
  const baseline = build({ sets: [], faults: [] });
  if ('code' in baseline) return { lab, diagnostics: [baseline], steps: [], status: 'error', seconds: now() - started };
  if (!baseline.dataplane)
    return {
      lab,
      diagnostics: baseline.diagnostics.filter((d) => d.severity === 'error'),
      steps: [],
      status: 'error',
      seconds: now() - started,
    };

  const steps: StepResult[] = [];
  for (const step of lab.steps) {
    const t0 = now();
    let failures: Failure[] = [];
    let diagnostics: Diagnostic[] = [];
    try {
      switch (step.action.kind) {
        case 'trace':
          failures = runTrace(baseline.dataplane, step.action, step);
          break;
        case 'exec':
          failures = runExec(baseline.dataplane, step.action, step);
          break;
        case 'show':
          failures = runShow(baseline.dataplane, step.action, step);
          break;
        case 'diff': {
          const variant = build(step.action);
          if ('code' in variant) diagnostics = [variant];
          else if (!variant.dataplane) diagnostics = variant.diagnostics.filter((d) => d.severity === 'error');
          else
            failures = runDiff(
              baseline as Variant & { dataplane: Dataplane },
              variant as Variant & { dataplane: Dataplane },
              step.action,
              step,
            );
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      diagnostics = [e.diagnostic];
    }
    const status: Status = diagnostics.length > 0 ? 'error' : failures.length > 0 ? 'fail' : 'pass';
    steps.push({ step, status, failures, diagnostics, seconds: now() - t0 });
  }
  const status: Status = steps.some((s) => s.status === 'error') ? 'error' : steps.some((s) => s.status === 'fail') ? 'fail' : 'pass';
  return { lab, diagnostics: [], steps, status, seconds: now() - started };

  /** A user mistake inside a step (an unknown pod), reported at the step's line. */
  function stepError(step: LabStep, field: DocPath, error: UsageError): StepError {
    const path = [...step.path, ...field];
    const at = lab.source.locate(path);
    return new StepError({
      code: LabCode.Name,
      severity: 'error',
      message: error.message,
      file: lab.file,
      path,
      ...(at ?? {}),
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
    });
  }

  function guarded<T>(step: LabStep, field: DocPath, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof UsageError) throw stepError(step, field, e);
      throw e;
    }
  }

  function runTrace(dataplane: Dataplane, action: TraceAction, step: LabStep): Failure[] {
    const from = guarded(step, ['trace', 'from'], () => resolveTraceSource(dataplane, action.from));
    // Names resolve as the sender would (DNS search path of the sending pod).
    const to = guarded(step, ['trace', 'to'], () => resolveTraceEndpoint(dataplane, action.to, from));
    const probe: ProbeOptions = probeOf(action as unknown as Record<string, unknown>);
    const session = newSession(dataplane);
    const run = tracePacket(dataplane, from, to, probe, false, session);
    return checkTrace(run.request, step.expect, (id) => session.nodeOrPodNetns(id));
  }

  function netnsOf(dataplane: Dataplane, step: LabStep, field: DocPath, target: string): NetNs {
    return netnsOfTarget(
      dataplane,
      guarded(step, field, () => resolveNetnsTarget(dataplane.cluster, target)),
    );
  }

  function runExec(dataplane: Dataplane, action: ExecAction, step: LabStep): Failure[] {
    const ns = netnsOf(dataplane, step, ['exec', 'on'], action.on);
    const result = runEmulated(ns, action.argv, { dataplane, routeGet });
    return checkOutput([...result.stdout], result.stderr, result.exitCode, step.expect);
  }

  function runShow(dataplane: Dataplane, action: ShowAction, step: LabStep): Failure[] {
    const view = guarded(step, ['show', 'view'], () => resolveView(action.view));
    const ns = netnsOf(dataplane, step, ['show', 'on'], action.on);
    return checkOutput(viewTables(view, ns, action.table).flatMap(tableLines), [], undefined, step.expect);
  }

  function runDiff(
    base: Variant & { dataplane: Dataplane },
    variant: Variant & { dataplane: Dataplane },
    action: DiffAction,
    step: LabStep,
  ): Failure[] {
    const failures: Failure[] = [];
    const cell = (dataplane: Dataplane, from: string, to: string, field: DocPath) => {
      const a = guarded(step, field, () => resolveTraceSource(dataplane, from));
      const b = guarded(step, field, () => resolveTraceEndpoint(dataplane, to, a));
      return cellOf(tracePacket(dataplane, a, b, action.probe, false, newSession(dataplane)).request);
    };
    const endpoint = (ref: string): MatrixEndpoint => ({ ref, label: ref, kind: 'pod' });
    const check = (pairs: readonly (readonly [string, string])[] | undefined, key: 'changes' | 'keeps'): void => {
      (pairs ?? []).forEach(([from, to], i) => {
        const field: DocPath = ['expect', key, i];
        const d = compareCells(
          endpoint(from),
          endpoint(to),
          cell(base.dataplane, from, to, field),
          cell(variant.dataplane, from, to, field),
        );
        const changed = d.change === 'lost' || d.change === 'gained' || d.change === 'absent';
        const words = (c: typeof d.baseline): string => (c === 'absent' ? 'absent' : c.disposition);
        const actual = `${words(d.baseline)} → ${words(d.variant)}${d.reason ? ` (${d.reason})` : ''}`;
        if (key === 'changes' && !changed) failures.push({ what: 'changes', expected: `${from} → ${to} changes reachability`, actual });
        if (key === 'keeps' && changed) failures.push({ what: 'keeps', expected: `${from} → ${to} keeps its reachability`, actual });
      });
    };
    check(step.expect.changes, 'changes');
    check(step.expect.keeps, 'keeps');
    if (step.expect.reachability !== undefined) {
      const axes = matrixAxes(base.cluster!, variant.cluster!);
      const result = compareMatrices(
        axes,
        computeMatrix(base.dataplane, axes, action.probe),
        computeMatrix(variant.dataplane, axes, action.probe),
      );
      const actual = result.reachabilityChanged ? 'changed' : 'unchanged';
      if (actual !== step.expect.reachability)
        failures.push({
          what: 'reachability',
          expected: `reachability ${step.expect.reachability}`,
          actual: `${actual} (${result.counts.lost} lost, ${result.counts.gained} gained of ${result.counts.cells})`,
        });
    }
    return failures;
  }
}

class StepError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** A view as plain lines: the title, the header, then each row's cells two spaces apart. */
export function tableLines(table: ViewTable): string[] {
  const keyValue = table.columns.every((c) => c === '');
  const rows = keyValue ? table.rows : [table.columns, ...table.rows];
  return [
    table.title,
    ...rows.map((r) =>
      r
        .map((c) => c.replace(/\n/g, ' '))
        .join('  ')
        .trimEnd(),
    ),
    ...(table.notes ?? []),
  ];
}
