#!/usr/bin/env node
/**
 * Bundles the installed CLI (bin/netlab.js) with esbuild into dist/bundle/,
 * then writes V8's code cache of it (bin/load-bundle.js says how it is
 * loaded). Everything src/cli/main.ts imports is in it: the dependencies and
 * the standalone ajv validators of build-validators.mjs too.
 *
 * Two CommonJS scripts, each module in one of them:
 *   netlab.cjs    main.ts and the declared commands (program.ts): commander
 *                 and the few light modules `--help` needs;
 *   commands.cjs  src/cli/commands/*.ts and the core they run, loaded when a
 *                 command runs; what it shares with netlab.cjs (the error
 *                 classes main.ts tells apart, the option helpers) it takes
 *                 from there, so there is one instance of each.
 * Inside a script, what is imported with import() is evaluated only when it
 * runs: esbuild wraps those modules in initialisers.
 *
 * Why scripts and not ES modules (esbuild splits those by itself): on Node
 * 20 only a script (vm.Script) takes a code cache. With it a command on the
 * default lab takes about a third less CPU than from ES module chunks
 * without one, and `--help` a sixth less (paired runs, CPU time).
 *
 * tsc still type-checks and emits dist/ (the tests and bench/ import it);
 * this runs after it in `npm run build`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadCli } from '../bin/load-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Two directories below the package root, as src/cli/ is: cli/pipeline.ts
// finds the built-in lab relative to import.meta.url.
const outdir = join(root, 'dist', 'bundle');

const COMMANDS = readdirSync(join(root, 'src/cli/commands'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => basename(f, '.ts'));

/**
 * The commands whose compiled code goes in the cache: the start-up they
 * share (yaml, the schema validator, the build of a cluster) and the common
 * ways to look at it. Anything else compiles on first use, as it would
 * without a cache.
 */
const TRAINING = [
  ['--help'],
  ['validate'],
  ['show', 'routes', 'node-02'],
  ['trace', 'pod-a', 'pod-b'],
  ['trace', 'pod-c', 'svc/web:80'],
  ['exec', 'node-02', '--', 'ip', 'route'],
  ['exec', 'node-02', '--', 'iptables-save'],
];

const common = {
  absWorkingDir: root,
  bundle: true,
  write: false,
  metafile: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  charset: 'ascii',
  // A CommonJS script has no import.meta; the loader's wrapper gives it __filename.
  define: { 'import.meta.url': '__netlabModuleUrl' },
  banner: { js: "var __netlabModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

/** program.ts's `import('./commands/NAME.js')`: the command's module in commands.cjs. */
const commandsElsewhere = {
  name: 'commands-elsewhere',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[\w-]+\.js$/ }, (args) =>
      args.importer === join(root, 'src/cli/program.ts') ? { path: basename(args.path, '.js'), namespace: 'netlab-command' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'netlab-command' }, (args) => ({
      contents: `module.exports = __netlab.command(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * commander requires node:child_process when it loads, for subcommands that
 * are executables of their own (netlab has none): Node's child_process
 * brings net, dgram and more, about 2 ms of every start. Here commander gets
 * it when it first uses it.
 */
const childProcessWhenUsed = {
  name: 'child-process-when-used',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'child_process', namespace: 'netlab-when-used' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'netlab-when-used' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_target, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/** A module netlab.cjs has too: taken from there. */
function sharedFrom(shared) {
  return {
    name: 'shared-from-netlab',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.shared || args.namespace !== 'file' || args.kind === 'entry-point') return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { shared: true },
        });
        const key = resolved.path.startsWith(root) ? resolved.path.slice(root.length + 1) : undefined;
        return key !== undefined && shared.has(key) ? { path: key, namespace: 'netlab-shared' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'netlab-shared' }, (args) => ({
        contents: `module.exports = __netlab.shared(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

const mainEntry = (shared) => ({
  contents: [
    "export * from './src/cli/main.ts';",
    `export const shared = {${[...shared].map((key) => `\n  ${JSON.stringify(key)}: () => require(${JSON.stringify(`./${key}`)}),`).join('')}\n};`,
  ].join('\n'),
  resolveDir: root,
  sourcefile: 'netlab-entry.js',
  loader: 'js',
});
const commandsEntry = {
  contents: COMMANDS.map(
    (name) => `exports[${JSON.stringify(name)}] = () => require(${JSON.stringify(`./src/cli/commands/${name}.ts`)});`,
  ).join('\n'),
  resolveDir: root,
  sourcefile: 'commands-entry.js',
  loader: 'js',
};

/**
 * Written whole or not at all (a temporary file renamed over the target): V8
 * refuses a cut-short code cache, but a cache with wrong bytes in it can
 * crash it.
 */
function writeWhole(path, content) {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

const inputs = (result) => new Set(Object.keys(result.metafile.inputs).filter((key) => !key.includes(':')));

// First the modules each script would have on its own; those in both are shared.
const mainAlone = inputs(
  await build({ ...common, stdin: mainEntry([]), outfile: join(outdir, 'netlab.cjs'), plugins: [commandsElsewhere, childProcessWhenUsed] }),
);
const commandsAlone = inputs(await build({ ...common, stdin: commandsEntry, outfile: join(outdir, 'commands.cjs') }));
const shared = new Set([...mainAlone].filter((key) => commandsAlone.has(key)));

const main = await build({
  ...common,
  stdin: mainEntry(shared),
  outfile: join(outdir, 'netlab.cjs'),
  plugins: [commandsElsewhere, childProcessWhenUsed],
});
const commands = await build({ ...common, stdin: commandsEntry, outfile: join(outdir, 'commands.cjs'), plugins: [sharedFrom(shared)] });
const twice = [...inputs(main)].filter((key) => inputs(commands).has(key));
if (twice.length > 0) throw new Error(`bundle: in both scripts (two instances at run time): ${twice.join(', ')}`);

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const sizes = [];
for (const [name, result] of [
  ['netlab.cjs', main],
  ['commands.cjs', commands],
]) {
  const text = result.outputFiles[0].text;
  const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
  writeWhole(join(outdir, name), `${text}//# netlab-bundle-id=${id}\n`);
  sizes.push(`${name} ${(text.length / 1024).toFixed(0)} KiB`);
}

// Run the CLI once through the loader on the built-in lab (output thrown
// away) and save what V8 compiled.
const cli = loadCli(outdir);
const discard = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });
for (const args of TRAINING) {
  const code = await cli.main(['node', 'netlab', ...args], { stdout: discard(), stderr: discard(), env: {}, cwd: outdir });
  if (code !== 0) throw new Error(`bundle: netlab ${args.join(' ')} exited ${code} while writing the code cache`);
}
for (const script of cli.scripts.values()) {
  const cache = script.script.createCachedData();
  writeWhole(script.cacheFile, cache);
  sizes.push(`${basename(script.cacheFile)} ${(cache.length / 1024).toFixed(0)} KiB`);
}
console.log(`bundle: wrote dist/bundle/: ${sizes.join(', ')}`);
