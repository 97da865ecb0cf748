/**
 * One build of a topology with its what-ifs: the text (or an already parsed
 * document), `--set` edits applied to the document before validation, the
 * file's and the command line's faults applied to the model and the kernel
 * state. The CLI's commands, `netlab diff` (twice) and the lab runner all
 * build through here. Pure: no file system, no console.
 */
import { hasErrors, type Diagnostic, type DocPath } from '../diagnostics/diagnostic.js';
import { buildDataplane, type Dataplane } from '../dataplane/build.js';
import { buildCluster } from '../model/cluster.js';
import type { Cluster } from '../model/types.js';
import type { Finding } from '../topology/finding.js';
import { toDiagnostics } from '../topology/diagnostics.js';
import { topologyFromDocument } from '../topology/load.js';
import { parseText } from '../topology/parse/parse-text.js';
import type { SourceText } from '../topology/source-text.js';
import type { Topology } from '../topology/types.js';
import { faultTransform, resolveNotReady, parseFault, type FaultRequest, type ParsedFault, type SourceAt } from './faults.js';
import { applyAssignment, parseAssignment, shorten, type Assignment } from './set-path.js';
import { topologyFields } from './topology-fields.js';

/** A `PATH=VALUE` edit; `at` when it was written in a file (a lab) rather than given as an option. */
export type SetRequest = string | { readonly text: string; readonly at: SourceAt };

export interface WhatIf {
  /** `PATH=VALUE` edits, applied in order. */
  readonly sets: readonly SetRequest[];
  /** Faults from the command line (the file's own `faults:` always apply). */
  readonly faults: readonly FaultRequest[];
}

export const NO_WHAT_IF: WhatIf = { sets: [], faults: [] };

export const SetCode = {
  Path: 'NL-SET-PATH',
} as const;

export interface Variant {
  readonly source: SourceText;
  readonly topology?: Topology;
  readonly cluster?: Cluster;
  /** Present when nothing was an error. */
  readonly dataplane?: Dataplane;
  /** Errors and warnings, with file:line:col where the file is to blame and `--set ...` where an option is. */
  readonly diagnostics: readonly Diagnostic[];
}

/** From text: parse, then as buildVariantFromDocument. */
export function buildVariant(text: string, file: string, whatIf: WhatIf = NO_WHAT_IF): Variant {
  const parsed = parseText(text, file);
  if (parsed.document === undefined || parsed.findings.some((f) => f.severity === 'error')) {
    // Only what the parse found: there is no document for the schema to check.
    return { source: parsed.source, diagnostics: toDiagnostics(parsed.findings, parsed.source) };
  }
  return buildVariantFromDocument(parsed.document, parsed.source, whatIf, parsed.findings);
}

export function buildVariantFromDocument(
  document: Record<string, unknown>,
  source: SourceText,
  whatIf: WhatIf,
  earlier: readonly Finding[] = [],
): Variant {
  // --set: each edit in order; a path that does not exist stops here, naming the option.
  const applied: { assignment: Assignment; path: DocPath; where: SetWhere }[] = [];
  let doc = document;
  const setProblems: Diagnostic[] = [];
  for (const request of whatIf.sets) {
    const text = typeof request === 'string' ? request : request.text;
    const where = setWhere(request);
    const assignment = parseAssignment(text);
    if ('message' in assignment) {
      setProblems.push(setDiagnostic(where, SetCode.Path, assignment.message, assignment.hint));
      continue;
    }
    const result = applyAssignment(doc, assignment, topologyFields);
    if ('message' in result) {
      setProblems.push(setDiagnostic(where, SetCode.Path, result.message, result.hint));
      continue;
    }
    doc = result.document;
    applied.push({ assignment, path: result.path, where });
  }
  if (setProblems.length > 0) return { source, diagnostics: setProblems };

  const loaded = topologyFromDocument(doc, source, earlier);
  const attribute = (d: Diagnostic): Diagnostic => attributeToSet(d, applied);
  if (!loaded.topology) return { source, diagnostics: loaded.diagnostics.map(attribute) };
  const diagnostics: Diagnostic[] = loaded.diagnostics.map(attribute);

  // Faults: the file's, then the command line's.
  const requests: FaultRequest[] = [
    ...loaded.topology.faults.map((f): FaultRequest => ({ kind: f.kind, value: f.value, origin: { path: f.source } })),
    ...whatIf.faults,
  ];
  const parsedFaults: ParsedFault[] = [];
  for (const request of requests) {
    const fault = parseFault(request);
    if ('code' in fault) diagnostics.push(fault);
    else parsedFaults.push({ request, fault });
  }
  const place = (d: Diagnostic): Diagnostic => placeDiagnostic(attribute(d), source);
  if (hasErrors(diagnostics)) return { source, topology: loaded.topology, diagnostics: diagnostics.map(place) };

  const notReady = resolveNotReady(loaded.topology, parsedFaults);
  diagnostics.push(...notReady.diagnostics);
  if (hasErrors(diagnostics)) return { source, topology: loaded.topology, diagnostics: diagnostics.map(place) };
  const topology = loaded.topology;

  const clustered = buildCluster(topology, { notReady: notReady.notReady });
  diagnostics.push(...clustered.diagnostics);
  if (!clustered.cluster) return { source, topology, diagnostics: diagnostics.map(place) };
  const cluster = clustered.cluster;

  const faults = faultTransform(cluster, parsedFaults);
  diagnostics.push(...faults.diagnostics);
  if (hasErrors(diagnostics)) return { source, topology, cluster, diagnostics: diagnostics.map(place) };

  const built = buildDataplane(cluster, faults.transform ? { transform: faults.transform } : {});
  diagnostics.push(...built.diagnostics);
  const placed = diagnostics.map(place);
  if (!built.dataplane || hasErrors(placed)) return { source, topology, cluster, diagnostics: placed };
  return { source, topology, cluster, dataplane: built.dataplane, diagnostics: placed };
}

/** Where a --set problem is reported: the option, or the place in a lab file that wrote it. */
type SetWhere = { readonly file: string; readonly line?: number; readonly col?: number };

function setWhere(request: SetRequest): SetWhere {
  return typeof request === 'string' ? { file: `--set ${shorten(request)}` } : { ...request.at };
}

function setDiagnostic(where: SetWhere, code: string, message: string, hint: string | undefined): Diagnostic {
  return { code, severity: 'error', message, ...where, ...(hint !== undefined ? { hint } : {}) };
}

/**
 * A problem at (or inside, or just above) a path an option wrote is the
 * option's: it is reported as `--set PATH=VALUE` rather than at a line of
 * the file, which does not hold that value. The last edit of a path wins.
 */
function attributeToSet(d: Diagnostic, applied: readonly { assignment: Assignment; path: DocPath; where: SetWhere }[]): Diagnostic {
  if (d.path === undefined || d.file?.startsWith('--')) return d;
  for (let i = applied.length - 1; i >= 0; i--) {
    const { path, where } = applied[i]!;
    if (isPrefix(path, d.path) || (d.code === 'NL-SCHEMA-REQUIRED' && isPrefix(d.path, path))) {
      const { line: _line, col: _col, ...rest } = d;
      return { ...rest, ...where };
    }
  }
  // A written value next to an edited one (`backend` once --set made the plugin calico): the file's line, and the edit named.
  for (let i = applied.length - 1; i >= 0; i--) {
    const { assignment, path } = applied[i]!;
    if (path.length > 1 && isPrefix(path.slice(0, -1), d.path))
      return { ...d, message: `${d.message} (after ${where(applied[i]!.where, assignment.text)})` };
  }
  return d;
}

function where(at: SetWhere, text: string): string {
  return at.file.startsWith('--set') ? at.file : `set: ${text}`;
}

function isPrefix(prefix: DocPath, path: DocPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/** Allocation, fault and dataplane findings carry document paths; give them file:line:col like the loader's. */
function placeDiagnostic(d: Diagnostic, source: SourceText): Diagnostic {
  if (d.line !== undefined || d.file !== undefined) return d.file === undefined ? { ...d, file: source.file } : d;
  const at = d.path !== undefined ? source.locate(d.path) : undefined;
  return { ...d, file: source.file, ...(at ? { line: at.line, col: at.col } : {}) };
}
