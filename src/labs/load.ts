/**
 * Loading a lab file: text in, a Lab or diagnostics out (with positions).
 * The parse is the topology's (same limits, YAML or JSON); the schema is
 * schemas/lab.schema.json; then what the schema cannot say: every step
 * does exactly one thing, and expects only what that thing can show.
 * Pure: a topology given by path is returned as a path for the caller to read.
 */
import type { Diagnostic, DocPath } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import { DISPOSITIONS } from '../flow/trace.js';
import { toDiagnostics } from '../topology/diagnostics.js';
import { parseText } from '../topology/parse/parse-text.js';
import { SourceText } from '../topology/source-text.js';
import type { FaultKind } from '../topology/types.js';
import type { FaultRequest, SourceAt } from '../whatif/faults.js';
import type { SetRequest } from '../whatif/variant.js';
import type { ProbeOptions } from '../dataplane/probes.js';
import { labSchemaProblems } from './schema-errors.js';
import type { Expectations, Lab, LabAction, LabStep } from './types.js';
import { splitCommand } from './shell-words.js';

export const LabCode = {
  Step: 'NL-LAB-STEP',
  Expect: 'NL-LAB-EXPECT',
  Topology: 'NL-LAB-TOPOLOGY',
  Name: 'NL-LAB-NAME',
} as const;

export interface LabLoad {
  readonly lab?: Lab;
  readonly diagnostics: readonly Diagnostic[];
  readonly source: SourceText;
}

const ACTIONS = ['trace', 'exec', 'show', 'diff'] as const;

/** Which expectations each action can be checked against. */
const EXPECTS: Readonly<Record<(typeof ACTIONS)[number], readonly (keyof Expectations)[]>> = {
  trace: [
    'disposition',
    'reason',
    'through',
    'notThrough',
    'ttl',
    'hops',
    'encap',
    'outerPort',
    'mtu',
    'source',
    'seenSource',
    'rulesEvaluated',
  ],
  exec: ['contains', 'notContains', 'equals', 'exitCode'],
  show: ['contains', 'notContains', 'equals'],
  diff: ['changes', 'keeps', 'reachability'],
};

export function loadLab(text: string, file: string): LabLoad {
  const parsed = parseText(text, file);
  const source = parsed.source;
  if (parsed.document === undefined || parsed.findings.some((f) => f.severity === 'error')) {
    return { diagnostics: toDiagnostics(parsed.findings, source), source };
  }
  const doc = parsed.document;
  const at = (path: DocPath, target: 'key' | 'value' = 'value'): SourceAt => {
    const position = source.locate(path, target);
    return { file, line: position?.line ?? 1, col: position?.col ?? 1 };
  };
  const place = (d: Diagnostic & { target?: 'key' | 'value' }): Diagnostic => {
    const { target, ...rest } = d;
    return d.path !== undefined ? { ...rest, ...at(d.path, target ?? 'value') } : { ...rest, file };
  };
  const schemaProblems = labSchemaProblems(doc);
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems.map(place).sort(byLine), source };

  const problems: Diagnostic[] = [];
  const problem = (code: string, message: string, path: DocPath, hint?: string, target: 'key' | 'value' = 'value'): void => {
    problems.push(place({ code, severity: 'error', message, path, ...(hint !== undefined ? { hint } : {}), target }));
  };

  const metadata = doc['metadata'] as { name: string; title: string; teaches?: string };
  const topology = doc['topology'] as string | Record<string, unknown>;
  const labTopology: Lab['topology'] =
    typeof topology === 'string'
      ? { kind: 'path', path: topology }
      : { kind: 'inline', document: topology, source: embeddedSource(source, ['topology']) };

  const sets: SetRequest[] = ((doc['set'] as string[] | undefined) ?? []).map((text, i) => ({ text, at: at(['set', i]) }));
  const faults = faultRequests(doc['faults'] as Record<string, string>[] | undefined, ['faults'], at);

  const steps: LabStep[] = [];
  (doc['steps'] as Record<string, unknown>[]).forEach((raw, i) => {
    const path: DocPath = ['steps', i];
    const actions = ACTIONS.filter((a) => raw[a] !== undefined);
    if (actions.length !== 1) {
      problem(
        LabCode.Step,
        actions.length === 0 ? `step ${i + 1} does nothing` : `step ${i + 1} does ${actions.length} things (${actions.join(', ')})`,
        path,
        'each step has exactly one of trace, exec, show, diff',
        'value',
      );
      return;
    }
    const kind = actions[0]!;
    const expect = raw['expect'] as Expectations;
    for (const key of Object.keys(expect) as (keyof Expectations)[]) {
      if (!EXPECTS[kind].includes(key)) {
        const owner = ACTIONS.find((a) => EXPECTS[a].includes(key));
        const article = kind === 'exec' ? 'an' : 'a';
        problem(
          LabCode.Expect,
          `${article} ${kind} step cannot expect '${key}'${owner ? ` (that is for ${owner} steps)` : ''}`,
          [...path, 'expect', key],
          `${article} ${kind} step expects: ${EXPECTS[kind].join(', ')}`,
          'key',
        );
      }
    }
    if (expect.disposition !== undefined && !(DISPOSITIONS as readonly string[]).includes(expect.disposition)) {
      problem(
        LabCode.Expect,
        `unknown disposition '${expect.disposition}'`,
        [...path, 'expect', 'disposition'],
        didYouMean(expect.disposition, DISPOSITIONS) ?? `dispositions: ${DISPOSITIONS.join(', ')}`,
      );
    }
    const action = actionOf(kind, raw[kind] as Record<string, unknown>, [...path, kind], at, problem);
    if (action) steps.push({ number: i + 1, name: String(raw['name']), action, expect, path });
  });
  if (problems.length > 0) return { diagnostics: problems.sort(byLine), source };
  return {
    source,
    diagnostics: [],
    lab: {
      file,
      source,
      name: metadata.name,
      title: metadata.title,
      ...(metadata.teaches !== undefined ? { teaches: metadata.teaches } : {}),
      topology: labTopology,
      sets,
      faults,
      steps,
    },
  };
}

function actionOf(
  kind: (typeof ACTIONS)[number],
  raw: Record<string, unknown>,
  path: DocPath,
  at: (path: DocPath) => SourceAt,
  problem: (code: string, message: string, path: DocPath, hint?: string) => void,
): LabAction | undefined {
  switch (kind) {
    case 'trace':
      return { kind, from: String(raw['from']), to: String(raw['to']), ...probeFields(raw) };
    case 'exec': {
      const command = raw['command'] as string | string[];
      const argv = typeof command === 'string' ? splitCommand(command) : command;
      if (typeof argv === 'string') {
        problem(LabCode.Step, argv, [...path, 'command']);
        return undefined;
      }
      if (argv.length === 0) {
        problem(LabCode.Step, 'the command is empty', [...path, 'command'], 'e.g. command: ip route');
        return undefined;
      }
      return { kind, on: String(raw['on']), argv };
    }
    case 'show':
      return {
        kind,
        view: String(raw['view']),
        on: String(raw['on']),
        ...(raw['table'] !== undefined ? { table: String(raw['table']) } : {}),
      };
    case 'diff': {
      const sets = ((raw['set'] as string[] | undefined) ?? []).map((text, i): SetRequest => ({ text, at: at([...path, 'set', i]) }));
      const faults = faultRequests(raw['faults'] as Record<string, string>[] | undefined, [...path, 'faults'], at);
      if (sets.length === 0 && faults.length === 0) {
        problem(LabCode.Step, 'the diff has no variant: give it set or faults', path, 'e.g. diff: {set: [network.cni.backend=host-gw]}');
        return undefined;
      }
      return { kind, sets, faults, probe: probeOf(raw) };
    }
  }
}

/** The probe fields a trace or diff step may give (schema-checked already). */
function probeFields(raw: Record<string, unknown>): {
  proto?: 'icmp' | 'tcp' | 'udp';
  port?: number;
  size?: number;
  df?: boolean;
  ttl?: number;
} {
  return {
    ...(raw['proto'] !== undefined ? { proto: raw['proto'] as 'icmp' | 'tcp' | 'udp' } : {}),
    ...(raw['port'] !== undefined ? { port: raw['port'] as number } : {}),
    ...(raw['size'] !== undefined ? { size: raw['size'] as number } : {}),
    ...(raw['df'] !== undefined ? { df: raw['df'] as boolean } : {}),
    ...(raw['ttl'] !== undefined ? { ttl: raw['ttl'] as number } : {}),
  };
}

export function probeOf(raw: Record<string, unknown>): ProbeOptions {
  const f = probeFields(raw);
  return {
    ...(f.proto ? { protocol: f.proto } : {}),
    ...(f.port !== undefined ? { dport: f.port } : {}),
    ...(f.size !== undefined ? { size: f.size } : {}),
    ...(f.df !== undefined ? { df: f.df } : {}),
    ...(f.ttl !== undefined ? { ttl: f.ttl } : {}),
  };
}

function faultRequests(raw: readonly Record<string, string>[] | undefined, path: DocPath, at: (path: DocPath) => SourceAt): FaultRequest[] {
  return (raw ?? []).flatMap((entry, i) =>
    (Object.entries(entry) as [FaultKind, string][]).map(([kind, value]) => ({ kind, value, origin: { at: at([...path, i, kind]) } })),
  );
}

/**
 * The source of a document embedded in a bigger one (a lab's inline
 * topology): its paths resolve under `prefix` in the lab's text, so the
 * topology's diagnostics point at the right lines of the lab file.
 */
export function embeddedSource(outer: SourceText, prefix: DocPath): SourceText {
  const starts = lineStarts(outer.text);
  return new SourceText(outer.file, outer.text, () => ({
    locate(path, target) {
      const position = outer.locate([...prefix, ...path], target);
      return position === undefined ? undefined : starts[position.line - 1]! + position.col - 1;
    },
  }));
}

function lineStarts(text: string): number[] {
  const starts = [text.charCodeAt(0) === 0xfeff ? 1 : 0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function byLine(a: Diagnostic, b: Diagnostic): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}
