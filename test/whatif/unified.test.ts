import { describe, expect, it } from 'vitest';
import { editScript, unifiedHunks } from '../../src/whatif/diff/unified.js';

function lcsLength(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

/** A small deterministic generator. */
function rng(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

describe('unified diff', () => {
  it('edit scripts are minimal and rebuild both sides (random inputs)', () => {
    const r = rng(7);
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: Math.floor(r() * 12) }, () => 'abcd'[Math.floor(r() * 4)]!);
      const b = Array.from({ length: Math.floor(r() * 12) }, () => 'abcd'[Math.floor(r() * 4)]!);
      const edits = editScript(a, b);
      expect(edits.filter((e) => e.op !== '+').map((e) => e.line)).toEqual(a);
      expect(edits.filter((e) => e.op !== '-').map((e) => e.line)).toEqual(b);
      expect(edits.filter((e) => e.op === ' ').length).toBe(lcsLength(a, b));
    }
  });

  it('prints hunks as diff -u does', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'];
    expect(unifiedHunks(a, b)).toEqual(['@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11']);
    expect(unifiedHunks(a, a)).toEqual([]);
    expect(unifiedHunks([], ['x'])).toEqual(['@@ -0,0 +1 @@', '+x']);
    expect(unifiedHunks(['x'], [])).toEqual(['@@ -1 +0,0 @@', '-x']);
  });

  it('separates distant changes into hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => String(i));
    const b = a.map((l) => (l === '2' || l === '17' ? `${l}!` : l));
    expect(unifiedHunks(a, b).filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,6 +1,6 @@', '@@ -15,6 +15,6 @@']);
  });
});
