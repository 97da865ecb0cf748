/** Output files are written whole or not at all: a temporary file next to the target, renamed over it. */
import { lstatSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { UsageError } from '../diagnostics/diagnostic.js';

export function writeWhole(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, content);
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
    throw new UsageError(`cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A target that exists must be a regular file: renaming over a directory,
 * a device, a FIFO or a symbolic link would replace something that is not
 * an earlier output.
 */
export function refuseNonRegularTarget(path: string, shown: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // does not exist yet
  }
  if (stat.isFile()) return;
  const what = stat.isDirectory() ? 'a directory' : stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
  throw new UsageError(`${shown} is ${what}: netlab writes output files only to regular files`, 'name a new file, or an earlier output of netlab');
}
