/**
 * Property-based fuzzing (fast-check) of netlab's promises about any input:
 * no internal error, no stack trace, a documented exit code, no run over
 * 10 s. A fixed seed and a small budget here, so CI runs the same inputs
 * in well under a minute; `npm run fuzz -- --runs 100000 [--seed N]` runs
 * the same properties for as long as wanted (scripts/fuzz.mjs). A failure
 * prints the shrunk input, the seed and the path to replay it.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { budget, commandLine, execLine, judge, labFile, scratch, seedTopology, topology, writeTopology } from './arbitraries.js';
import { ROOT } from '../helpers.js';

// A long run sets its own pace: no per-test limit (each run is still held to 10 s by judge).
const TIMEOUT = process.env['NETLAB_FUZZ_RUNS'] ? 0 : 60_000;

describe('fuzz', () => {
  it('mutated topologies: validate, and a command on them', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(topology, commandLine, async (topo, line) => {
        const file = writeTopology(scratch(), topo.name, topo.text);
        await judge(['-f', file, 'validate']);
        await judge(['-f', file, ...line]);
      }),
      budget(80),
    );
  });

  it('command lines on the lab topologies', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(seedTopology(), commandLine, async (seed, line) => {
        await judge(['-f', join(ROOT, seed.file), ...line]);
      }),
      budget(120),
    );
  });

  it('exec lines: every emulated tool, with hostile arguments', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(seedTopology(), execLine, async (seed, line) => {
        await judge(['-f', join(ROOT, seed.file), ...line], { exec: true });
      }),
      budget(200),
    );
  });

  it('lab files', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(labFile, seedTopology(), async (text, seed) => {
        const dir = scratch();
        writeFileSync(join(dir, 'lab.yaml'), text);
        writeFileSync(join(dir, 'topology.yaml'), seed.text);
        await judge(['lab', 'run', dir, '--junit', join(dir, 'report.xml')]);
      }),
      budget(60),
    );
  });
});
