/**
 * Finding lab files: explicit files as given; in a directory (recursively,
 * in name order) the files named lab.yaml, lab.yml, lab.json or *.lab.yaml,
 * *.lab.yml, *.lab.json, so topologies living next to labs (labs/default.yaml)
 * are not mistaken for labs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../diagnostics/diagnostic.js';

const LAB_FILE = /^(?:lab|.+\.lab)\.(?:ya?ml|json)$/;

export interface LabFile {
  /** Absolute. */
  readonly path: string;
  /** As shown: relative to the working directory when inside it. */
  readonly display: string;
}

export function findLabFiles(cwd: string, paths: readonly string[]): LabFile[] {
  const found: string[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new UsageError(`${given} does not exist`, 'give lab files or directories of labs (default: labs/)');
    if (statSync(path).isDirectory()) {
      const before = found.length;
      walk(path, found);
      if (found.length === before) throw new UsageError(`${given} holds no lab files`, 'lab files are named lab.yaml or NAME.lab.yaml (see docs/labs.md)');
    } else {
      found.push(path);
    }
  }
  const unique = [...new Set(found)];
  return unique.map((path) => ({ path, display: displayPath(cwd, path) }));
}

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (LAB_FILE.test(entry.name)) out.push(path);
  }
}

export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
