#!/usr/bin/env node
/**
 * Bundles the installed CLI (bin/netlab.js) with esbuild: src/cli/main.ts and
 * everything it imports, dependencies included, as ES modules in
 * dist/bundle/. Code splitting keeps each command's dynamic import() a chunk
 * of its own, so `netlab --help` reads one small file and a command reads
 * only the chunks it runs, instead of resolving and reading the ~200
 * modules of the tsc output one by one.
 *
 * tsc still type-checks and emits dist/ (the tests and bench/ import it);
 * this runs after it in `npm run build`. The standalone ajv validators from
 * build-validators.mjs are ordinary imports of the source, so they are in
 * the bundle.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Two directories below the package root, as src/cli/ is: code that finds a
// file relative to import.meta.url (the built-in lab, cli/pipeline.ts) finds
// it from every chunk, so the chunks are not put in a subdirectory.
const outdir = join(root, 'dist', 'bundle');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { netlab: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: '[name]-[hash]',
  // The CommonJS dependencies (commander, yaml, cli-table3) require() Node's
  // built-in modules; an ES module has no require of its own.
  banner: { js: "import { createRequire as __netlabCreateRequire } from 'node:module'; const require = __netlabCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const bytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`bundle: wrote dist/bundle/ (${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB)`);
