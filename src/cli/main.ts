/**
 * netlab's command line: commander wiring only. Every command loads the
 * topology through the same pipeline, asks the pure core, and prints.
 * The commands are declared in program.ts; each imports its machinery
 * (commands/*.ts, and with it the core) only when it runs, so `--help`
 * loads none of it and a trace does not load the exec emulators or the lab
 * runner.
 * Exit codes: 0 ok, 1 a dropped trace or failed expectation, 2 bad input or
 * usage, 70 an internal error (a bug).
 */
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../diagnostics/diagnostic.js';
import { escapeControls } from '../diagnostics/format.js';
import type { Io } from './output.js';
import { ExitError } from './exit-error.js';
import { declareCommands } from './program.js';
import { addWhatIfOptions } from './what-if-options.js';
import type { GlobalOptions } from './context.js';

export function buildProgram(io: Io): Command {
  const program = new Command('netlab')
    .description('A what-if lab for Kubernetes networking: the kernel state CNIs and kube-proxy program, as the real tools print it.')
    .option('-f, --topology <file>', 'topology file (default: ./netlab.yaml, else the built-in default lab)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'never colour the output (NO_COLOR and FORCE_COLOR are honoured too)');
  addWhatIfOptions(program);
  program
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  // Asynchronous so that chalk, like everything a command prints with, is loaded when a command runs.
  const context = async () => {
    const opts = program.opts<GlobalOptions>();
    const { makeChalk } = await import('./output.js');
    return { io, opts, chalk: makeChalk(io, !opts.color) };
  };
  declareCommands(program, context);
  return program;
}

/** Runs the CLI; resolves to the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : 0;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

function exitCodeFor(error: unknown, io: Io): number {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof CommanderError) {
    // Help and version are successful exits; anything else is a usage error already printed.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`netlab: ${escapeControls(error.message)}\n`);
    if (error.hint) io.stderr.write(`  hint: ${escapeControls(error.hint)}\n`);
    return 2;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write('netlab: internal error (a bug in netlab, not in your input).\n');
  io.stderr.write(
    io.env.NETLAB_DEBUG
      ? `${detail}\n`
      : `  ${error instanceof Error ? error.message : String(error)}\n  (set NETLAB_DEBUG=1 for the stack trace)\n`,
  );
  return 70;
}

function processIo(): Io {
  // `netlab exec node-02 -- iptables-save | head`: a closed pipe ends the output quietly, as the real tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    // Only netlab import reads stdin: the stream is made when it is asked for, not at every start.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
}
