#!/usr/bin/env node
// Long fuzz runs: the properties of test/fuzz/fuzz.test.ts with a budget of
// your choosing, split over its four properties.
//   npm run fuzz -- --runs 100000 [--seed 42]
// A failure prints the smallest input fast-check found, with the seed and
// path to replay it.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = value('--runs') ?? '10000';
const seed = value('--seed') ?? String(Date.now() % 2 ** 31);
if (!/^\d+$/.test(runs) || !/^\d+$/.test(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed S]');
  process.exit(2);
}
console.log(`netlab fuzz: ${runs} inputs, seed ${seed}`);
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz/'], {
  stdio: 'inherit',
  env: { ...process.env, NETLAB_FUZZ_RUNS: runs, NETLAB_FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
