import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChalkInstance } from 'chalk';
import { UsageError, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { formatDiagnostic, type CodeFrameSource } from '../../diagnostics/format.js';
import { junitXml, type UnloadableLab } from '../../labs/junit.js';
import { loadLab } from '../../labs/load.js';
import type { LabResult, Status, TopologyInput } from '../../labs/run.js';
import type { Lab } from '../../labs/types.js';
import { parseText } from '../../topology/parse/parse-text.js';
import type { CommandContext } from '../context.js';
import { type Io, writeJson, writeLines } from '../output.js';
import { ExitError } from '../exit-error.js';
import { diagnosticStyle } from '../pipeline.js';
import { displayPath, findLabFiles, type LabFile } from '../lab-files.js';
import { readInputFile } from '../input-file.js';
import { resolveLabPath } from '../lab-paths.js';
import { checkOutputFile, writeOutputFile, type OutputTarget } from '../output-file.js';
import { hasWhatIf, whatIfOf } from '../what-if-options.js';
import { drawTable } from '../table.js';

interface Loaded {
  readonly file: LabFile;
  readonly lab?: Lab;
  readonly diagnostics: readonly Diagnostic[];
  readonly source?: CodeFrameSource;
}

/** A lab states its own what-ifs (set:, faults:); options that would silently not apply are refused. */
function refuseWhatIfOptions(opts: Parameters<typeof whatIfOf>[0]): void {
  const given = whatIfOf(opts);
  if (hasWhatIf(given)) {
    throw new UsageError(
      'netlab lab takes no --set or fault options: a lab states its own',
      'write them in the lab file (set:, faults:, or a diff step)',
    );
  }
}

function loadAll(io: Io, paths: readonly string[]): Loaded[] {
  return findLabFiles(io.cwd, paths.length > 0 ? paths : ['labs']).map((file) => {
    const read = readInputFile(file.path, file.display, { noun: 'lab file' });
    if (read.refused !== undefined) return { file, diagnostics: [read.refused] };
    const loaded = loadLab(read.text, file.display);
    return { file, ...(loaded.lab ? { lab: loaded.lab } : {}), diagnostics: loaded.diagnostics, source: loaded.source };
  });
}

/** A lab's topology file: where it is (inside the lab's folder, unless --allow-outside), and its text or why it was not read. */
function topologyOf(io: Io, file: LabFile, lab: Lab, allowOutside: boolean): { path?: string; input?: TopologyInput } {
  if (lab.topology.kind !== 'path') return {};
  const where = resolveLabPath(file.path, lab.topology.path, allowOutside);
  if (where.problem !== undefined) return { input: { unread: `topology file ${where.problem}`, hint: where.hint } };
  const shown = displayPath(io.cwd, where.path);
  try {
    const read = readInputFile(where.path, shown, { noun: 'topology file', hint: 'the path is relative to the lab file' });
    if (read.refused !== undefined)
      return {
        path: where.path,
        input: {
          unread: `topology file ${lab.topology.path}: ${read.refused.message}`,
          ...(read.refused.hint ? { hint: read.refused.hint } : {}),
        },
      };
    return { path: where.path, input: { text: read.text, file: shown } };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // The reader names the file as shown from here; the lab names it as written.
    return { path: where.path, input: { unread: e.message.replace(shown, lab.topology.path), ...(e.hint ? { hint: e.hint } : {}) } };
  }
}

function printDiagnostics(
  io: Io,
  chalk: ChalkInstance,
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, CodeFrameSource>,
): void {
  for (const d of diagnostics)
    io.stderr.write(formatDiagnostic(d, d.file !== undefined ? sources.get(d.file) : undefined, diagnosticStyle(chalk)) + '\n');
}

const MARK: Readonly<Record<Status, string>> = { pass: 'PASS ', fail: 'FAIL ', error: 'ERROR' };

function paint(chalk: ChalkInstance, status: Status): (s: string) => string {
  return status === 'pass' ? chalk.green : status === 'fail' ? chalk.red : chalk.magenta;
}

export async function runLabs(
  context: CommandContext,
  paths: string[],
  options: { junit?: string; allowOutside?: boolean },
): Promise<void> {
  const { io, opts, chalk } = await context();
  refuseWhatIfOptions(opts);
  if (options.junit === '') throw new UsageError('--junit needs a file name, not an empty one');
  const junit: OutputTarget | undefined =
    options.junit !== undefined ? { path: resolve(io.cwd, options.junit), shown: options.junit, option: '--junit' } : undefined;
  const labs = loadAll(io, paths);
  const inputs: string[] = labs.map((l) => l.file.path);
  if (junit !== undefined) checkOutputFile(junit, inputs);
  const { runLab } = await import('../../labs/run.js');
  const results: LabResult[] = [];
  const unloadable: UnloadableLab[] = [];
  const json = opts.output === 'json';
  for (const entry of labs) {
    const sources = new Map<string, CodeFrameSource>(entry.source ? [[entry.file.display, entry.source]] : []);
    if (!entry.lab) {
      unloadable.push({ file: entry.file.display, diagnostics: entry.diagnostics });
      printDiagnostics(io, chalk, entry.diagnostics, sources);
      if (!json)
        io.stdout.write(
          `${paint(chalk, 'error')(MARK.error)}  ${entry.file.display}  (not a valid lab file: ${entry.diagnostics.length} problem${entry.diagnostics.length === 1 ? '' : 's'}, above)\n`,
        );
      continue;
    }
    const topology = topologyOf(io, entry.file, entry.lab, options.allowOutside === true);
    if (topology.path !== undefined) inputs.push(topology.path);
    const result = runLab(entry.lab, topology.input, { now: () => performance.now() / 1000 });
    results.push(result);
    if (topology.input && 'text' in topology.input)
      sources.set(topology.input.file, parseText(topology.input.text, topology.input.file).source);
    printDiagnostics(io, chalk, [...result.diagnostics, ...result.steps.flatMap((s) => s.diagnostics)], sources);
    if (!json) {
      const passed = result.steps.filter((s) => s.status === 'pass').length;
      const counts = result.steps.length === 0 ? 'not run: the topology does not build' : `${passed}/${result.steps.length} steps`;
      io.stdout.write(`${paint(chalk, result.status)(MARK[result.status])}  ${entry.file.display}  ${result.lab.title} (${counts})\n`);
    }
  }
  if (junit !== undefined) writeOutputFile(junit, junitXml(results, unloadable), inputs);
  const exitCode =
    unloadable.length > 0 || results.some((r) => r.status === 'error') ? 2 : results.some((r) => r.status === 'fail') ? 1 : 0;
  if (json) {
    writeJson(io.stdout, {
      labs: [...results.map(resultJson), ...unloadable.map((u) => ({ file: u.file, status: 'error', diagnostics: u.diagnostics }))],
      summary: summary(results, unloadable),
      exitCode,
    });
  } else {
    await writeLines(io.stdout, [
      '',
      ...summaryTable(results, unloadable, chalk),
      ...failureLines(results, chalk),
      '',
      finalLine(results, unloadable, chalk),
    ]);
  }
  if (exitCode !== 0) throw new ExitError(exitCode);
}

export async function listLabs(context: CommandContext, paths: string[]): Promise<void> {
  const { io, opts, chalk } = await context();
  refuseWhatIfOptions(opts);
  const labs = loadAll(io, paths);
  for (const entry of labs)
    printDiagnostics(
      io,
      chalk,
      entry.diagnostics,
      new Map<string, CodeFrameSource>(entry.source ? [[entry.file.display, entry.source]] : []),
    );
  if (opts.output === 'json') {
    writeJson(
      io.stdout,
      labs.map((e) =>
        e.lab
          ? { name: e.lab.name, title: e.lab.title, teaches: e.lab.teaches, steps: e.lab.steps.length, file: e.file.display }
          : { file: e.file.display, invalid: true },
      ),
    );
  } else {
    const rows = labs.map((e) =>
      e.lab
        ? [e.lab.name, e.lab.title, String(e.lab.steps.length), e.file.display]
        : ['?', chalk.red('(not a valid lab file: see above)'), '', e.file.display],
    );
    await writeLines(
      io.stdout,
      drawTable({ title: `${labs.length} lab${labs.length === 1 ? '' : 's'}`, columns: ['name', 'title', 'steps', 'file'], rows }, chalk),
    );
  }
  if (labs.some((e) => !e.lab)) throw new ExitError(2);
}

function summary(results: readonly LabResult[], unloadable: readonly UnloadableLab[]) {
  const steps = results.flatMap((r) => r.steps);
  return {
    labs: results.length + unloadable.length,
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    errors: results.filter((r) => r.status === 'error').length + unloadable.length,
    steps: steps.length,
    stepsPassed: steps.filter((s) => s.status === 'pass').length,
    stepsFailed: steps.filter((s) => s.status === 'fail').length,
    stepsErrors: steps.filter((s) => s.status === 'error').length,
  };
}

function resultJson(r: LabResult) {
  return {
    file: r.lab.file,
    name: r.lab.name,
    title: r.lab.title,
    status: r.status,
    ...(r.diagnostics.length ? { diagnostics: r.diagnostics } : {}),
    steps: r.steps.map((s) => ({
      number: s.step.number,
      name: s.step.name,
      status: s.status,
      ...(s.failures.length ? { failures: s.failures } : {}),
      ...(s.diagnostics.length ? { diagnostics: s.diagnostics } : {}),
    })),
  };
}

function summaryTable(results: readonly LabResult[], unloadable: readonly UnloadableLab[], chalk: ChalkInstance): string[] {
  const rows = [
    ...results.map((r) => [
      r.lab.name,
      String(r.steps.length),
      String(r.steps.filter((s) => s.status === 'pass').length),
      String(r.steps.filter((s) => s.status !== 'pass').length),
      paint(chalk, r.status)(r.status),
    ]),
    ...unloadable.map((u) => [u.file, '', '', '', paint(chalk, 'error')('error')]),
  ];
  return drawTable({ title: 'summary', columns: ['lab', 'steps', 'passed', 'failed', 'result'], rows }, chalk);
}

function failureLines(results: readonly LabResult[], chalk: ChalkInstance): string[] {
  const out: string[] = [];
  for (const r of results) {
    for (const s of r.steps) {
      if (s.status !== 'fail') continue;
      out.push('', chalk.red.bold(`FAIL ${r.lab.file}, step ${s.step.number}: ${s.step.name}`));
      for (const f of s.failures) {
        const indent = (text: string): string => text.split('\n').join('\n              ');
        out.push(`  ${f.what}`, `    expected: ${indent(f.expected)}`, `    actual:   ${indent(f.actual)}`);
      }
    }
  }
  return out;
}

function finalLine(results: readonly LabResult[], unloadable: readonly UnloadableLab[], chalk: ChalkInstance): string {
  const s = summary(results, unloadable);
  const text = `${s.labs} lab${s.labs === 1 ? '' : 's'}, ${s.steps} step${s.steps === 1 ? '' : 's'}: `;
  if (s.failed === 0 && s.errors === 0) return chalk.green(`${text}all passed`);
  const parts = [
    ...(s.stepsFailed ? [`${s.stepsFailed} step${s.stepsFailed === 1 ? '' : 's'} failed`] : []),
    ...(s.errors ? [`${s.errors} lab${s.errors === 1 ? '' : 's'} with errors`] : []),
  ];
  return chalk.red(`${text}${parts.join(', ')}`);
}
