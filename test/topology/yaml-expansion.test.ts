/**
 * Aliases and merge keys (issue 12): the limit counts what the document
 * expands to, not how often an alias is used, so `<<: *worker` on every
 * node scales and bombs still stop before anything is expanded; a merge
 * key's value is checked; a collection as a mapping key is a diagnostic,
 * not a process warning. And the conversion is the yaml package's own
 * (toJS) for every YAML file of the repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTopology } from '../../src/topology/load.js';
import { measureExpansion, toData } from '../../src/topology/parse/yaml-expansion.js';
import { MINIMAL, ROOT } from './helpers.js';

const diagnostics = (text: string) =>
  loadTopology(text, 't.yaml').diagnostics.map((d) => ({ code: d.code, line: d.line, col: d.col, message: d.message }));

/** MINIMAL with `count` nodes that each merge one anchored mapping. */
function workers(count: number): string {
  const nodes = Array.from(
    { length: count },
    (_, i) => `  - {<<: *worker, name: node-${i}, ip: 10.0.${Math.floor(i / 250)}.${(i % 250) + 1}}`,
  ).join('\n');
  return MINIMAL.replace(
    /subnets:[^]*$/,
    `network: {podCIDR: 10.200.0.0/14}\nsubnets:\n  - {name: rack-1, cidr: 10.0.0.0/16}\nx-worker: &worker {subnet: rack-1, role: worker, labels: {disk: ssd}}\nnodes:\n${nodes}\n`,
  );
}

describe('alias expansion', () => {
  it('lets the documented <<: *worker pattern scale (300 nodes)', () => {
    const result = loadTopology(workers(300), 'workers.yaml');
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.topology!.nodes).toHaveLength(300);
    expect(result.topology!.nodes[299]).toMatchObject({ name: 'node-299', subnet: 'rack-1', role: 'worker', labels: { disk: 'ssd' } });
  });

  it('stops a billion-fold bomb before expanding it', () => {
    const names = 'abcdefghij';
    const levels = [`a: &a [${Array(10).fill('x').join(', ')}]`];
    for (let i = 1; i < 10; i++)
      levels.push(
        `${names[i]}: &${names[i]} [${Array(10)
          .fill(`*${names[i - 1]}`)
          .join(', ')}]`,
      );
    expect(diagnostics(`x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`)).toEqual([
      { code: 'NL-YAML-ALIAS-LIMIT', line: 3, col: 10, message: 'aliases expand the document too much (more than 100-fold)' },
    ]);
  });

  it('measures written and expanded values', () => {
    const doc = parseDocument('a: &a [1, 2, 3]\nb: [*a, *a]\nc: {<<: {k: 1, l: 2}, m: 3}\n', { merge: true });
    // a: key + seq + 3 = 5; b: key + seq + 2 aliases (4 each) = 10; c: key + map + (merged k, l: 4) + m: 2 = 8
    const m = measureExpansion(doc, 64);
    expect([m.written, m.expanded]).toEqual([1 + 5 + 4 + 1 + 1 + 2 + 4 + 2, 1 + 5 + 10 + 8]);
  });

  it('caps the expanded size even below 100-fold', () => {
    const anchor = Array(98).fill('x').join(', ');
    const text = `x-a: &a [${anchor}]\nx-b:\n${'  - *a\n'.repeat(41_000)}`;
    expect(diagnostics(text)).toEqual([
      { code: 'NL-YAML-ALIAS-LIMIT', line: 3, col: 5, message: 'aliases expand the document to more than 4,000,000 values' },
    ]);
  });
});

describe('merge keys', () => {
  it.each([
    ['a number', 'metadata: {name: h, <<: 1}', 1, 25],
    ['a list item that is not a mapping', 'x: &x {a: 1}\nmetadata: {name: h, <<: [*x, 2]}', 2, 30],
    ['an alias of a list of numbers (at the number)', 'x: &x [1]\nmetadata: {name: h, <<: *x}', 1, 8],
    ['nothing', 'metadata: {name: h, <<: }', 1, 25],
  ])('refuses %s as a merge value, where it is written', (_, text, line, col) => {
    expect(diagnostics(`${text}\n`).map((d) => [d.code, d.line, d.col])).toEqual([['NL-YAML-MERGE', line, col]]);
  });

  it('merges a list of mappings and an alias of such a list', () => {
    const text = 'x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nl: &l [*x, *y]\nm1: {<<: [*x, *y], c: 3}\nm2: {<<: *l}\n';
    const doc = parseDocument(text, { merge: true });
    const value = toData(doc, text, measureExpansion(doc, 64).targets).value as Record<string, unknown>;
    expect(value['m1']).toEqual({ a: 1, b: 1, c: 3 });
    expect(value['m2']).toEqual({ a: 1, b: 1, c: 2 });
    expect(value).toEqual(doc.toJS());
  });

  it('refuses a mapping that merges itself', () => {
    expect(diagnostics('a: &a {<<: *a}\n').map((d) => [d.code, d.line, d.col])).toEqual([['NL-INPUT-TOO-DEEP', 1, 12]]);
  });
});

describe('collection keys', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are a netlab warning, not a process warning', () => {
    const emit = vi.spyOn(process, 'emitWarning');
    const result = loadTopology(`${MINIMAL}x-k: {? [a, b] : 1}\n`, 'k.yaml');
    expect(emit).not.toHaveBeenCalled();
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      ['NL-YAML-SYNTAX', 'warning', "a mapping key that is a list or a mapping is read as the text '[a, b]'"],
    ]);
  });
});

describe('the conversion', () => {
  it("is the yaml package's toJS for every YAML file in the repository", () => {
    const files = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    let compared = 0;
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const doc = parseDocument(text, { prettyErrors: false, merge: true, uniqueKeys: true });
      if (doc.errors.length > 0) continue;
      const measured = measureExpansion(doc, 64);
      if (measured.problem) continue;
      const ours = toData(doc, text, measured.targets).value;
      expect(isDeepStrictEqual(ours, doc.toJS({ maxAliasCount: -1 })), file).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('keeps __proto__ an own key and an alias cycle a cycle', () => {
    const text = '__proto__: {polluted: 1}\na: &a [*a]\n';
    const doc = parseDocument(text, { merge: true });
    const value = toData(doc, text, measureExpansion(doc, 64).targets).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    const a = value['a'] as unknown[];
    expect(a[0]).toBe(a);
  });
});
