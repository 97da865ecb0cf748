/**
 * The terminal edge: colour decisions, streaming lines to stdout with
 * back-pressure, diagnostics to stderr.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { jsonReplacer } from './json.js';

export interface Io {
  /** Input for `-` (netlab import); absent where nothing can be read. */
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Colour only on a terminal, never with --no-color or NO_COLOR; FORCE_COLOR forces it. */
export function makeChalk(io: Io, noColor: boolean): ChalkInstance {
  if (noColor || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '')) return new Chalk({ level: 0 });
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return new Chalk({ level: 1 });
  return new Chalk({ level: io.stdout.isTTY ? 1 : 0 });
}

const CHUNK = 1 << 16;

/** Writes lines as they come, in 64 KiB chunks, waiting for 'drain' so huge outputs never sit in memory. */
/** `unterminated`: the last line goes out without its newline (see ExecResult.unterminated). */
export async function writeLines(stream: NodeJS.WritableStream, lines: Iterable<string>, unterminated = false): Promise<void> {
  let buffer = '';
  for (const line of lines) {
    buffer += line + '\n';
    if (buffer.length >= CHUNK) {
      const flushed = stream.write(buffer);
      buffer = '';
      if (!flushed) await new Promise<void>((resolve) => stream.once('drain', resolve));
    }
  }
  if (unterminated && buffer.endsWith('\n')) buffer = buffer.slice(0, -1);
  if (buffer.length > 0) stream.write(buffer);
}

export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(JSON.stringify(value, jsonReplacer, 2) + '\n');
}
