/**
 * Loads the bundled CLI (dist/bundle/, written by scripts/bundle.mjs) with
 * V8's code cache.
 *
 * The bundle is two scripts: netlab.cjs (commander and the declared
 * commands: all that `--help` needs) and commands.cjs (the commands and the
 * core they run), loaded when a command runs. Each module is in one of them
 * only; commands.cjs reaches the few it shares with netlab.cjs (the error
 * classes main.ts tells apart, the option helpers) through `__netlab.shared`.
 *
 * Most of a short command's start-up is V8 compiling JavaScript: a script's
 * top level, then every function the first time it is called. Node 20 has
 * no compile cache for modules (module.enableCompileCache came in Node 22),
 * but vm.Script takes a code cache: the build runs the usual commands once
 * and saves the bytecode of what they compiled next to each script, and
 * here V8 reads that instead of compiling. A cache that V8 refuses (another
 * Node version, other V8 flags such as --max-old-space-size) or that is
 * missing only costs the compile time.
 *
 * A script's cache is named after an id the build writes on its last line,
 * so a script never meets the cache of another build.
 *
 * CommonJS, as bin/package.json says: an ES module here would cost every
 * start Node's ES module loader, a few milliseconds of a 60 ms start.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE_DIR = join(__dirname, '..', 'dist', 'bundle');

const ID_LINE = '//# netlab-bundle-id=';

/** Where the code cache of a script with this text is (or goes). */
function codeCacheFile(dir, name, source) {
  const at = source.lastIndexOf(ID_LINE);
  const id = at < 0 ? 'unknown' : source.slice(at + ID_LINE.length).trim();
  return join(dir, `${name.replace(/\.cjs$/, '')}-${id}.code-cache`);
}

/**
 * The CLI from the bundle in `dir`: `main` (src/cli/main.ts's), and the
 * scripts loaded so far (the build asks them for their code caches; the
 * bench asks whether V8 took them).
 */
function loadCli(dir = BUNDLE_DIR) {
  const scripts = new Map();
  const netlab = {
    command: (name) => load('commands.cjs').exports[name](),
    shared: (key) => load('netlab.cjs').exports.shared[key](),
  };
  function load(name) {
    let loaded = scripts.get(name);
    if (loaded) return loaded;
    const file = join(dir, name);
    // esbuild writes ASCII (charset: 'ascii'): latin1 reads it faster than utf8 and to the same string.
    const source = readFileSync(file, 'latin1');
    const cacheFile = codeCacheFile(dir, name, source);
    let cachedData;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // No cache (a build that could not write one): V8 compiles as usual.
    }
    // Node's CommonJS wrapper, plus __netlab; on the first line so line numbers stay those of the file.
    const script = new Script(`(function (exports, require, module, __filename, __dirname, __netlab) {${source}\n})`, {
      filename: file,
      cachedData,
    });
    const module = { exports: {} };
    loaded = { name, script, cacheFile, cacheUsed: cachedData !== undefined && !script.cachedDataRejected, exports: module.exports };
    scripts.set(name, loaded);
    script.runInThisContext()(module.exports, createRequire(file), module, file, dir, netlab);
    loaded.exports = module.exports;
    return loaded;
  }
  return { main: (...args) => load('netlab.cjs').exports.main(...args), scripts };
}

module.exports = { BUNDLE_DIR, codeCacheFile, loadCli };
