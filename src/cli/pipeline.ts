/**
 * The CLI's one path from a file to kernel state: pick the topology source
 * (-f, ./netlab.yaml, or the built-in default lab), load, allocate, build.
 * Diagnostics are printed here; errors end the command with exit code 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChalkInstance } from 'chalk';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { escapeControls, formatDiagnostic } from '../diagnostics/format.js';
import type { Cluster } from '../model/types.js';
import type { Dataplane } from '../dataplane/build.js';
import { buildVariant, NO_WHAT_IF, type Variant, type WhatIf } from '../whatif/variant.js';
import { readInputFile, type InputNaming } from './input-file.js';
import { ExitError } from './exit-error.js';
import type { Io } from './output.js';

export const DEFAULT_LAB_PATH = fileURLToPath(new URL('../../labs/default.yaml', import.meta.url));

export interface TopologySource {
  readonly file: string;
  readonly text: string;
  readonly builtIn: boolean;
}

export function readTopologySource(io: Io, chalk: ChalkInstance, file: string | undefined): TopologySource {
  if (file === undefined) {
    const local = resolve(io.cwd, 'netlab.yaml');
    if (existsSync(local))
      return { file: 'netlab.yaml', text: readOrExit(io, chalk, local, 'netlab.yaml', { noun: 'topology file' }), builtIn: false };
    io.stderr.write('netlab: no -f given and no ./netlab.yaml here: using the built-in default lab (labs/default.yaml)\n');
    return { file: 'labs/default.yaml', text: readFileSync(DEFAULT_LAB_PATH, 'utf8'), builtIn: true };
  }
  const text = readOrExit(io, chalk, resolve(io.cwd, file), file, { noun: 'topology file', hint: 'check the path given to -f/--topology' });
  return { file, text, builtIn: false };
}

/** The text of an input file; a file netlab refuses to read (too large, not text) is reported like a topology error. */
function readOrExit(io: Io, chalk: ChalkInstance, path: string, shown: string, naming: InputNaming): string {
  const read = readInputFile(path, shown, naming);
  if (read.refused === undefined) return read.text;
  io.stderr.write(formatDiagnostic(read.refused, undefined, diagnosticStyle(chalk)) + '\n');
  io.stderr.write(`${escapeControls(shown)}: 1 error: nothing was built\n`);
  throw new ExitError(2);
}

export interface Loaded {
  readonly source: TopologySource;
  readonly cluster: Cluster;
  readonly dataplane: Dataplane;
  /** Everything reported on the way (warnings only: errors stop the load). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface LoadOptions {
  readonly quietWarnings?: boolean;
  /** --set edits and faults (src/whatif); none by default. */
  readonly whatIf?: WhatIf;
}

/**
 * Loads and builds, with the what-ifs applied. Prints diagnostics to stderr
 * (warnings too, unless `quietWarnings`), and throws ExitError(2) when any
 * is an error.
 */
export function loadAndBuild(io: Io, chalk: ChalkInstance, file: string | undefined, options: LoadOptions = {}): Loaded {
  const source = readTopologySource(io, chalk, file);
  const variant = buildVariant(source.text, source.file, options.whatIf ?? NO_WHAT_IF);
  reportDiagnostics(io, chalk, variant, source.file, options);
  return { source, cluster: variant.cluster!, dataplane: variant.dataplane!, diagnostics: variant.diagnostics };
}

/** Prints a variant's diagnostics; throws ExitError(2) when it was not built. */
export function reportDiagnostics(
  io: Io,
  chalk: ChalkInstance,
  variant: Variant,
  file: string,
  options: { quietWarnings?: boolean } = {},
): void {
  const diagnostics = variant.diagnostics;
  const failed = hasErrors(diagnostics) || !variant.dataplane;
  const shown = options.quietWarnings && !failed ? [] : diagnostics;
  for (const d of shown) io.stderr.write(formatDiagnostic(d, variant.source, diagnosticStyle(chalk)) + '\n');
  if (failed) {
    const count = diagnostics.filter((d) => d.severity === 'error').length;
    io.stderr.write(`${escapeControls(file)}: ${count} error${count === 1 ? '' : 's'}: nothing was built\n`);
    throw new ExitError(2);
  }
}

export function diagnosticStyle(chalk: ChalkInstance) {
  return {
    error: (s: string) => chalk.red.bold(s),
    warning: (s: string) => chalk.yellow.bold(s),
    location: (s: string) => chalk.bold(s),
    code: (s: string) => chalk.dim(s),
    caret: (s: string) => chalk.red(s),
    hint: (s: string) => chalk.cyan(s),
  };
}
