/**
 * Hostile or runaway input gets one clean diagnostic, quickly, never a crash
 * (the yaml parser aborts the whole process on flow collections nested a
 * few thousand deep, so these also guard the pre-parse scan).
 */
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/topology/load.js';
import { MAX_JSON_CHARS, MAX_YAML_CHARS } from '../../src/topology/limits.js';
import { findExcessiveFlowNesting } from '../../src/topology/parse/flow-depth.js';
import { NETLAB_KEYS } from '../../src/topology/parse/parse-text.js';
import { MINIMAL, readRepoFile } from './helpers.js';

const codes = (text: string, file = 'hostile.yaml'): string[] => loadTopology(text, file).diagnostics.map((d) => d.code);

describe('hostile input', () => {
  it('rejects YAML over the size limit before parsing it', () => {
    const text = `# ${'x'.repeat(MAX_YAML_CHARS)}\n`;
    const result = loadTopology(text, 'huge.yaml');
    expect(result.diagnostics).toEqual([
      {
        code: 'NL-INPUT-TOO-LARGE',
        severity: 'error',
        message: 'the file is 16.0 MiB; YAML input is limited to 16 MiB',
        file: 'huge.yaml',
        hint: 'write large clusters with nodePools, deploymentSets and serviceSets, or as JSON (up to 256 MiB)',
      },
    ]);
  });

  it('allows JSON beyond the YAML limit', () => {
    expect(MAX_JSON_CHARS).toBeGreaterThan(MAX_YAML_CHARS);
    const padding = ' '.repeat(MAX_YAML_CHARS);
    const text = JSON.stringify({ apiVersion: 'netlab/v1', kind: 'Cluster', metadata: { name: 't' } }).replace('{', `{${padding}`);
    expect(codes(text, 'big.json')).toEqual(['NL-NO-NODES']);
  });

  it.each([
    ['flow sequences', `a: ${'['.repeat(100000)}${']'.repeat(100000)}`],
    ['flow mappings', `a: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}`],
    ['JSON arrays', `{"a": ${'['.repeat(100000)}${']'.repeat(100000)}}`],
    ['block mappings', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')],
    ['block sequences', `a:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')}`],
    ['compact sequences', `a:\n  ${'- '.repeat(3000)}x`],
  ])('rejects deeply nested %s', (_, text) => {
    expect(codes(text)).toEqual(['NL-INPUT-TOO-DEEP']);
  });

  it('rejects an alias bomb', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(', ')}]`,
      );
    expect(codes(levels.join('\n'))).toEqual(['NL-YAML-ALIAS-LIMIT']);
  });

  it('accepts ordinary anchors and merge keys', () => {
    const text = MINIMAL.replace(
      'nodes:\n  - {name: node-1, ip: 10.0.0.1, subnet: rack-1}',
      'x-node: &node {subnet: rack-1, role: worker}\nnodes:\n  - {<<: *node, name: node-1, ip: 10.0.0.1}\n  - {<<: *node, name: node-2, ip: 10.0.0.2}',
    );
    const result = loadTopology(text, 'anchors.yaml');
    expect(result.diagnostics).toEqual([]);
    expect(result.topology!.nodes.map((n) => [n.name, n.subnet, n.role])).toEqual([
      ['node-1', 'rack-1', 'worker'],
      ['node-2', 'rack-1', 'worker'],
    ]);
  });

  it('points into merged mappings for their errors', () => {
    const text = MINIMAL.replace(
      'nodes:\n  - {name: node-1, ip: 10.0.0.1, subnet: rack-1}',
      'nodes:\n  - &base {name: node-1, ip: 10.0.0.1, subnet: rack-1, role: wroker}\n  - {<<: *base, name: node-2, ip: 10.0.0.2}',
    );
    const diagnostics = loadTopology(text, 'merge.yaml').diagnostics;
    // Both nodes have the bad role, written once: one diagnostic, where it is written.
    expect(diagnostics.map((d) => [d.code, d.line, d.col, d.path])).toEqual([['NL-SCHEMA-ENUM', 7, 62, ['nodes', 0, 'role']]]);
  });

  it('handles binary tags, NUL bytes and invalid UTF-16 without throwing', () => {
    expect(codes('apiVersion: !!binary aGVsbG8=\nkind: Cluster\nmetadata: {name: t}\n')).toContain('NL-SCHEMA-ENUM');
    expect(() => loadTopology('apiVersion: "\u0000"\n', 'nul.yaml')).not.toThrow();
    expect(() => loadTopology('apiVersion: "\ud800"\n', 'lone.yaml')).not.toThrow();
    expect(() => loadTopology('\u0000\u0001\u0002', 'garbage.yaml')).not.toThrow();
  });

  it('caps the number of diagnostics', () => {
    const pods = Array.from({ length: 300 }, (_, i) => `  - {name: pod-${i}, node: nowhere}`).join('\n');
    const diagnostics = loadTopology(`${MINIMAL}pods:\n${pods}\n`, 'many.yaml').diagnostics;
    expect(diagnostics).toHaveLength(201);
    expect(diagnostics[200]).toMatchObject({ code: 'NL-DIAGNOSTICS-TRUNCATED', severity: 'error', message: '100 errors more not shown' });
  });
});

describe('the flow nesting scan', () => {
  it('counts only brackets that open collections', () => {
    expect(findExcessiveFlowNesting('a: b[[[[[[\n', 2)).toBeUndefined();
    expect(findExcessiveFlowNesting('a: "[[[[[["\n', 2)).toBeUndefined();
    expect(findExcessiveFlowNesting("a: '[[['' [[['\n", 2)).toBeUndefined();
    expect(findExcessiveFlowNesting('a: 1 # [[[[[[\n', 2)).toBeUndefined();
    expect(findExcessiveFlowNesting('a: |\n  [[[[[[\n  [[[[\nb: 1\n', 2)).toBeUndefined();
    expect(findExcessiveFlowNesting('a: [[[x]]]\n', 2)).toBe(5);
    expect(findExcessiveFlowNesting('a: [{b: [1]}]\n', 2)).toBe(8);
    expect(findExcessiveFlowNesting('- - [[[x]]]\n', 2)).toBe(6);
    expect(findExcessiveFlowNesting('a: [\n  [\n    ["it\'s", [x]]]]\n', 3)).toBe(22);
    expect(findExcessiveFlowNesting('a: &x [[[x]]]\n', 2)).toBe(8);
  });
});

describe('what counts as a netlab document', () => {
  it('knows every top-level key of the topology and lab schemas', () => {
    for (const schema of ['schemas/topology.schema.json', 'schemas/lab.schema.json']) {
      const keys = Object.keys((JSON.parse(readRepoFile(schema)) as { properties: Record<string, unknown> }).properties);
      expect(
        keys.filter((k) => !NETLAB_KEYS.has(k)),
        schema,
      ).toEqual([]);
    }
  });

  it("a mapping without one is someone else's file, not quoted", () => {
    const result = loadTopology('user: root\npassword: hunter2\n', 'creds.yaml');
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['NL-DOCUMENT-ROOT', 'this is not a netlab file: none of its top-level keys is one netlab knows'],
    ]);
    expect(result.source.quotable).toBe(false);
    expect(loadTopology('x-only: 1\n', 'x.yaml').diagnostics.map((d) => d.code)).toContain('NL-SCHEMA-REQUIRED');
  });
});
