/**
 * The CLI's one path from a file to kernel state: pick the topology source
 * (-f, ./netlab.yaml, or the built-in default lab), load, allocate, build.
 * Diagnostics are printed here; errors end the command with exit code 2.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChalkInstance } from 'chalk';
import { hasErrors, UsageError, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnostic } from '../diagnostics/format.js';
import { buildCluster } from '../model/cluster.js';
import type { Cluster } from '../model/types.js';
import { buildDataplane, type Dataplane } from '../dataplane/build.js';
import { loadTopology } from '../topology/load.js';
import type { Io } from './output.js';

export const DEFAULT_LAB_PATH = fileURLToPath(new URL('../../labs/default.yaml', import.meta.url));

/** Ends a command with an exit code after its messages were printed. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export interface TopologySource {
  readonly file: string;
  readonly text: string;
  readonly builtIn: boolean;
}

export function readTopologySource(io: Io, file: string | undefined): TopologySource {
  if (file === undefined) {
    const local = resolve(io.cwd, 'netlab.yaml');
    if (existsSync(local)) return { file: 'netlab.yaml', text: readFileSync(local, 'utf8'), builtIn: false };
    io.stderr.write('netlab: no -f given and no ./netlab.yaml here: using the built-in default lab (labs/default.yaml)\n');
    return { file: 'labs/default.yaml', text: readFileSync(DEFAULT_LAB_PATH, 'utf8'), builtIn: true };
  }
  const path = resolve(io.cwd, file);
  if (!existsSync(path)) throw new UsageError(`topology file ${file} does not exist`, 'check the path given to -f/--topology');
  if (statSync(path).isDirectory()) throw new UsageError(`${file} is a directory, not a topology file`);
  return { file, text: readFileSync(path, 'utf8'), builtIn: false };
}

export interface Loaded {
  readonly source: TopologySource;
  readonly cluster: Cluster;
  readonly dataplane: Dataplane;
  /** Everything reported on the way (warnings only: errors stop the load). */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Loads and builds. Prints diagnostics to stderr (warnings too, unless
 * `quietWarnings`), and throws ExitError(2) when any is an error.
 */
export function loadAndBuild(io: Io, chalk: ChalkInstance, file: string | undefined, options: { quietWarnings?: boolean } = {}): Loaded {
  const source = readTopologySource(io, file);
  const loaded = loadTopology(source.text, source.file);
  const report = (diagnostics: readonly Diagnostic[]): void => {
    const shown = options.quietWarnings && !hasErrors(diagnostics) ? [] : diagnostics;
    for (const d of shown) io.stderr.write(formatDiagnostic(d, loaded.source, diagnosticStyle(chalk)) + '\n');
    if (hasErrors(diagnostics)) {
      const count = diagnostics.filter((d) => d.severity === 'error').length;
      io.stderr.write(`${source.file}: ${count} error${count === 1 ? '' : 's'}: nothing was built\n`);
      throw new ExitError(2);
    }
  };
  const all: Diagnostic[] = [...loaded.diagnostics];
  if (!loaded.topology || hasErrors(all)) {
    report(all);
    throw new ExitError(2);
  }
  // Allocation and dataplane findings carry document paths; give them file:line:col like the loader's.
  const place = (d: Diagnostic): Diagnostic => {
    if (d.line !== undefined) return d;
    const at = d.path !== undefined ? loaded.source.locate(d.path) : undefined;
    return { ...d, file: d.file ?? source.file, ...(at ? { line: at.line, col: at.col } : {}) };
  };
  const clustered = buildCluster(loaded.topology);
  all.push(...clustered.diagnostics.map(place));
  if (!clustered.cluster) {
    report(all);
    throw new ExitError(2);
  }
  const built = buildDataplane(clustered.cluster);
  all.push(...built.diagnostics.map(place));
  if (!built.dataplane) {
    report(all);
    throw new ExitError(2);
  }
  report(all);
  return { source, cluster: clustered.cluster, dataplane: built.dataplane, diagnostics: all };
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
