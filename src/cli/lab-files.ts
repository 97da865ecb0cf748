/**
 * Finding lab files: explicit files as given; in a directory (recursively,
 * in name order) the files named lab.yaml, lab.yml, lab.json or *.lab.yaml,
 * *.lab.yml, *.lab.json, so topologies living next to labs (labs/default.yaml)
 * are not mistaken for labs.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../diagnostics/diagnostic.js';
import { errnoWords } from './input-file.js';

const LAB_FILE = /^(?:lab|.+\.lab)\.(?:ya?ml|json)$/;

export interface LabFile {
  /** Absolute. */
  readonly path: string;
  /** As shown: relative to the working directory when inside it. */
  readonly display: string;
}

/**
 * A search that stops: a directory holding more entries than this (`lab list /`)
 * is refused rather than walked for minutes.
 */
export const MAX_SEARCHED_ENTRIES = 100_000;

export function findLabFiles(cwd: string, paths: readonly string[]): LabFile[] {
  const found: string[] = [];
  for (const given of paths) {
    if (given === '') throw new UsageError('a lab path is empty', 'give lab files or directories of labs (default: labs/)');
    const path = resolve(cwd, given);
    let stats;
    try {
      stats = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new UsageError(`${given} does not exist`, 'give lab files or directories of labs (default: labs/)');
      throw new UsageError(`cannot read ${given}: ${errnoWords(e)}`);
    }
    if (stats.isDirectory()) {
      const before = found.length;
      walk(path, found, { given, visited: 0 });
      if (found.length === before)
        throw new UsageError(`${given} holds no lab files`, 'lab files are named lab.yaml or NAME.lab.yaml (see docs/labs.md)');
    } else {
      found.push(path);
    }
  }
  const unique = [...new Set(found)];
  return unique.map((path) => ({ path, display: displayPath(cwd, path) }));
}

function walk(dir: string, out: string[], search: { readonly given: string; visited: number }): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UsageError(`cannot search ${dir} for labs: ${errnoWords(e)}`, 'give the folder that holds the labs');
  }
  search.visited += entries.length;
  if (search.visited > MAX_SEARCHED_ENTRIES) {
    throw new UsageError(
      `${search.given} holds more than ${MAX_SEARCHED_ENTRIES.toLocaleString('en-US')} files: not searched for labs`,
      'give the folder that holds the labs',
    );
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    // Symbolic links to directories are not followed: no cycles, no walking out of the tree.
    if (entry.isDirectory()) walk(path, out, search);
    else if (LAB_FILE.test(entry.name)) out.push(path);
  }
}

export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
