/**
 * A file that does not parse gets its real error and nothing else (issue 12:
 * a bogus `NL-SCHEMA-TYPE expected a mapping, got an empty value` came
 * first, from the schema run on a document that was never there), on every
 * command that loads a topology, and in a lab.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-parse-'));
const bomb = [
  'x-a: &a [x, x, x, x, x, x, x, x, x, x]',
  ...'bcdefghij'.split('').map((c, i) => `x-${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`),
].join('\n');

const CASES: readonly [string, string | Buffer, string][] = [
  ['an empty file', '', 'NL-DOCUMENT-ROOT'],
  ['a list', '[]\n', 'NL-DOCUMENT-ROOT'],
  ['an alias bomb', `apiVersion: netlab/v1\n${bomb}\n`, 'NL-YAML-ALIAS-LIMIT'],
  ['a duplicate key', 'apiVersion: netlab/v1\napiVersion: netlab/v1\n', 'NL-DUPLICATE-KEY'],
  ['several documents', 'apiVersion: netlab/v1\n---\nkind: Cluster\n', 'NL-YAML-MULTIPLE-DOCUMENTS'],
  ['deep nesting', `apiVersion: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'NL-INPUT-TOO-DEEP'],
  ['a binary file', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]), 'NL-INPUT-NOT-TEXT'],
  ['a merge of a number', 'apiVersion: netlab/v1\nmetadata: {name: h, <<: 1}\n', 'NL-YAML-MERGE'],
];

describe('a file that does not parse', () => {
  it.each(CASES)('%s: exactly one diagnostic, the real one', async (_, text, code) => {
    const file = join(dir, 'topology.yaml');
    writeFileSync(file, text);
    for (const command of [['validate'], ['trace', 'pod-a', 'pod-b'], ['diff', '--fail', 'node-03'], ['graph']]) {
      const run = await runCli(['-f', file, ...command]);
      expect(run.code, command.join(' ')).toBe(2);
      const codes = [...run.stderr.matchAll(/ (?:error|warning) (NL-[A-Z0-9-]+) /g)].map((m) => m[1]);
      expect(codes, command.join(' ')).toEqual([code]);
      expect(run.stderr).not.toContain('    at ');
    }
  });

  it('in a lab, the same one diagnostic', async () => {
    const labDir = mkdtempSync(join(dir, 'lab-'));
    writeFileSync(join(labDir, 'topology.yaml'), '[]\n');
    writeFileSync(
      join(labDir, 'lab.yaml'),
      'apiVersion: netlab/v1\nkind: Lab\nmetadata: {name: t, title: T}\ntopology: topology.yaml\nsteps:\n  - {name: x, trace: {from: a, to: b}, expect: {disposition: DELIVERED}}\n',
    );
    const run = await runCli(['lab', 'run', labDir]);
    expect([...run.stderr.matchAll(/ error (NL-[A-Z0-9-]+) /g)].map((m) => m[1])).toEqual(['NL-DOCUMENT-ROOT']);
  });
});
