/**
 * Reading the files netlab is given (a topology, a lab file, a lab's
 * topology, diff's two files) the way a careful tool does:
 *
 * - open without blocking (a FIFO must not hang the open) and look at what
 *   was opened (fstat), so only a regular file is read: not a directory, a
 *   FIFO, a socket or a device (/dev/zero and /dev/urandom never end);
 * - check the size before reading, and again while reading, since some
 *   files say nothing of their size (/proc) or grow: at most the input limit
 *   of the format (docs/topology.md, "Limits") is ever held in memory;
 * - decode strict UTF-8: bytes that are not text are refused, never shown;
 * - every failure is a sentence and exit code 2, never a stack trace.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { UsageError, type Diagnostic } from '../diagnostics/diagnostic.js';
import { Code } from '../topology/codes.js';
import { MAX_JSON_CHARS, MAX_YAML_CHARS } from '../topology/limits.js';
import { inputTooLargeMessage, looksLikeJson } from '../topology/parse/parse-text.js';

/** What was read, or a diagnostic about the content (too large, not text) when the file itself is fine. */
export type InputFile =
  { readonly text: string; readonly refused?: undefined } | { readonly refused: Diagnostic; readonly text?: undefined };

export interface InputNaming {
  /** What the file is to the user: `topology file`, `lab file`. */
  readonly noun: string;
  /** Where the name came from, for the hint (`check the path given to -f/--topology`). */
  readonly hint?: string;
}

const CHUNK = 1 << 16;

/**
 * Reads `path` (absolute) shown as `shown`. Throws UsageError when it cannot
 * be read at all (missing, not a regular file, no permission, I/O error).
 */
export function readInputFile(path: string, shown: string, naming: InputNaming): InputFile {
  const { noun } = naming;
  if (shown === '') throw new UsageError(`the ${noun} name is empty`, naming.hint ?? 'give the path of a file');
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw openProblem(e, path, shown, naming);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw new UsageError(`${shown} is ${kindOf(stats)}, not a ${noun}`, naming.hint ?? `give the path of a regular ${noun}`);
    return readRegular(fd, stats.size, shown, naming);
  } finally {
    closeSync(fd);
  }
}

function readRegular(fd: number, statedSize: number, shown: string, naming: InputNaming): InputFile {
  const chunks: Buffer[] = [];
  let total = 0;
  let limit: number | undefined;
  let format: 'yaml' | 'json' = 'yaml';
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, CHUNK, null);
    } catch (e) {
      throw new UsageError(`cannot read ${naming.noun} ${shown}: ${errnoWords(e)}`, naming.hint);
    }
    if (n === 0) break;
    chunks.push(n === CHUNK ? chunk : chunk.subarray(0, n));
    total += n;
    if (limit === undefined) {
      // The format decides the limit: the first bytes say whether it is JSON.
      format = looksLikeJson(chunk.toString('utf8', 0, n), shown) ? 'json' : 'yaml';
      limit = format === 'json' ? MAX_JSON_CHARS : MAX_YAML_CHARS;
      if (statedSize > limit) return { refused: tooLarge(shown, statedSize, format) };
    }
    if (total > limit) return { refused: tooLarge(shown, statedSize > total ? statedSize : undefined, format) };
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  try {
    // ignoreBOM keeps a byte-order mark in the text, where the parsers expect it (and skip it).
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { refused: notText(shown, 'it is not UTF-8') };
  }
}

function tooLarge(file: string, size: number | undefined, format: 'yaml' | 'json'): Diagnostic {
  const { message, hint } = inputTooLargeMessage(size, format);
  return { code: Code.InputTooLarge, severity: 'error', message, file, hint };
}

export function notText(file: string, why: string): Diagnostic {
  return {
    code: Code.InputNotText,
    severity: 'error',
    message: `the file is not a text file: ${why}`,
    file,
    hint: 'a topology or lab is YAML or JSON text',
  };
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function openProblem(e: unknown, path: string, shown: string, naming: InputNaming): UsageError {
  const code = (e as NodeJS.ErrnoException).code;
  const { noun } = naming;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new UsageError(`${noun} ${shown} does not exist`, naming.hint);
    case 'ENXIO': {
      // open(2) on a unix socket: say what is there.
      let stats: Stats | undefined;
      try {
        stats = statSync(path);
      } catch {
        stats = undefined;
      }
      return new UsageError(
        `${shown} is ${stats ? kindOf(stats) : 'a device with nothing behind it'}, not a ${noun}`,
        naming.hint ?? `give the path of a regular ${noun}`,
      );
    }
    default:
      return new UsageError(`cannot read ${noun} ${shown}: ${errnoWords(e)}`, naming.hint);
  }
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EISDIR: 'it is a directory',
  EAGAIN: 'no data available without waiting',
  EINVAL: 'the file cannot be read this way',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EOVERFLOW: 'the file is too large',
};

/** An errno as words (`permission denied`), as the C library's strerror says it; the code when unknown. */
export function errnoWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== undefined) return ERRNO_WORDS[code] ?? code;
  return e instanceof Error ? e.message : String(e);
}
