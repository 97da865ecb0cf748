/**
 * Writing the files netlab writes (`lab run --junit FILE`, `import --out
 * FILE`) the way tools
 * trusted with root write them, since CI runs netlab as whoever it runs as:
 *
 * - the target is refused, with a sentence and exit code 2, when it exists
 *   and is not a regular file (a device such as /dev/null, a FIFO, a socket,
 *   a directory, a symbolic link), or when it is one of the run's own
 *   inputs (the lab file, its topology: compared by device and inode, so a
 *   hard link or another spelling of the path is caught too);
 * - the content goes to a new temporary file in the target's directory,
 *   created exclusively under a random name without following a symbolic
 *   link (O_CREAT|O_EXCL|O_NOFOLLOW: a name planted there in advance makes
 *   the open fail, never redirects the write), is flushed to disk (fsync)
 *   and renamed over the target, so readers see the old file or the new
 *   one, never half of one; a replaced file keeps its permissions;
 * - on any failure the temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../diagnostics/diagnostic.js';
import { errnoWords } from './input-file.js';

export interface OutputTarget {
  /** Absolute. */
  readonly path: string;
  /** As the user wrote it, for messages. */
  readonly shown: string;
  /** The option that named it (`--junit`), for messages. */
  readonly option: string;
}

/**
 * Checks that `target` may be written (call before the work that produces
 * the content, so a mistake is reported at once). `inputs` are the absolute
 * paths of the files the run reads.
 */
export function checkOutputFile(target: OutputTarget, inputs: readonly string[]): void {
  const { path, shown, option } = target;
  const dir = dirname(path);
  let dirStats: Stats;
  try {
    dirStats = statSync(dir);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${dirname(shown)} is not a directory (it does not exist)` : errnoWords(e);
    throw new UsageError(`cannot write ${shown}: ${why}`, `${option} takes a file in an existing directory`);
  }
  if (!dirStats.isDirectory())
    throw new UsageError(`cannot write ${shown}: ${dirname(shown)} is not a directory`, `${option} takes a file in an existing directory`);
  const existing = lstatOrUndefined(path);
  if (existing === undefined) return;
  if (!existing.isFile()) {
    throw new UsageError(
      `${shown} is ${kindOf(existing)}: netlab writes output files only to regular files`,
      `${option}: name a new file, or an earlier output of netlab`,
    );
  }
  for (const input of inputs) {
    const stats = statOrUndefined(input);
    if (stats !== undefined && stats.dev === existing.dev && stats.ino === existing.ino) {
      throw new UsageError(`${shown} is one of this run's inputs: netlab does not write over its inputs`, `${option}: name another file`);
    }
  }
}

/** Writes `content` to the target whole or not at all (see the module comment); call checkOutputFile first. */
export function writeOutputFile(target: OutputTarget, content: string, inputs: readonly string[]): void {
  checkOutputFile(target, inputs); // again: the run took a while, and the path may have changed meanwhile
  const { path, shown } = target;
  const mode = lstatOrUndefined(path)?.mode;
  let temp: string | undefined;
  let fd: number | undefined;
  try {
    ({ fd, temp } = createTemporary(path));
    if (mode !== undefined) fchmodSync(fd, mode & 0o7777);
    const bytes = Buffer.from(content, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    temp = undefined;
    syncDirectory(dirname(path));
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd);
    if (temp !== undefined) unlinkQuietly(temp);
    throw new UsageError(`cannot write ${shown}: ${errnoWords(e)}`);
  }
}

/** A new file next to `path`, created exclusively under a random name; never follows a symbolic link. */
function createTemporary(path: string): { fd: number; temp: string } {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  for (let attempt = 0; ; attempt++) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      return { fd: openSync(temp, flags, 0o666), temp };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw e;
    }
  }
}

/** The rename itself survives a crash once the directory is flushed; where that is not possible, it is not an error. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a directory
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'something else';
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // nothing to remove
  }
}
