import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTopology } from '../../src/topology/load.js';
import { findJsonStructureProblems, JsonPathLocator } from '../../src/topology/parse/json-text.js';
import { goldenTopologies, readRepoFile } from './helpers.js';

describe('JSON input', () => {
  it.each(['labs/default.yaml', ...goldenTopologies()])('%s as JSON gives the same topology', (file) => {
    const yamlText = readRepoFile(file);
    const jsonText = JSON.stringify(parse(yamlText), null, 2);
    const fromYaml = loadTopology(yamlText, file);
    const fromJson = loadTopology(jsonText, file.replace(/\.yaml$/, '.json'));
    expect(fromJson.diagnostics).toEqual([]);
    expect(fromJson.topology).toEqual(fromYaml.topology);
  });

  it('is recognised by a leading { whatever the file name', () => {
    const result = loadTopology('{"apiVersion": "netlab/v2"}', 'cluster.conf');
    expect(result.diagnostics.find((d) => d.code === 'NL-SCHEMA-ENUM')).toMatchObject({
      line: 1,
      col: 16,
      message: "expected netlab/v1, got 'netlab/v2'",
    });
  });

  it('falls back to YAML for flow-style YAML that is not JSON', () => {
    const text =
      '{apiVersion: netlab/v1, kind: Cluster, metadata: {name: t}, subnets: [{name: r, cidr: 10.0.0.0/24}], nodes: [{name: n, ip: 10.0.0.1, subnet: r}]}';
    const result = loadTopology(text, 'flow.yaml');
    expect(result.diagnostics).toEqual([]);
    expect(result.topology?.nodes[0]?.name).toBe('n');
  });

  it('reports positions in the JSON text', () => {
    const text = `{
  "apiVersion": "netlab/v1",
  "kind": "Cluster",
  "metadata": {"name": "t"},
  "subnets": [{"name": "rack-1", "cidr": "10.0.0.0/24"}],
  "nodes": [
    {"name": "node-1", "ip": "10.0.0.1", "subnet": "rack-1"},
    {"name": "node-2", "ip": "10.0.0.2", "subnet": "rack-1", "rol": "worker"}
  ]
}`;
    const result = loadTopology(text, 'cluster.json');
    // Line 8: 4 spaces + `{"name": "node-2", ` (19) + `"ip": "10.0.0.2", ` (18) + `"subnet": "rack-1", ` (20), so "rol" is at column 62.
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col, d.message, d.hint])).toEqual([
      ['NL-SCHEMA-UNKNOWN-KEY', 8, 62, "unknown field 'rol' in nodes[1]", "did you mean 'role'?"],
    ]);
  });

  it('reports duplicate keys, which JSON.parse silently drops', () => {
    const text = '{"apiVersion": "netlab/v1",\n "kind": "Cluster",\n "apiVersion": "netlab/v1"}';
    const result = loadTopology(text, 'dup.json');
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col, d.message, d.hint])).toEqual([
      [
        'NL-DUPLICATE-KEY',
        3,
        2,
        "duplicate key 'apiVersion'",
        "'apiVersion' is already set at line 1, column 2; a mapping holds each key once",
      ],
    ]);
  });

  it('reports syntax errors with their position', () => {
    const result = loadTopology('{"apiVersion": "netlab/v1",\n "kind": "Cluster",,\n}', 'bad.json');
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'NL-JSON-SYNTAX', line: 2, col: 20 });
  });
});

describe('JSON text helpers', () => {
  it('find duplicate keys in nested objects, decoding escapes', () => {
    const text = '{"a": {"x": 1, "\\u0078": 2}, "b": [{"y": 1}, {"y": 2}]}';
    expect(findJsonStructureProblems(text, 64)).toEqual([{ kind: 'duplicate-key', key: 'x', offset: 15, firstOffset: 7 }]);
  });

  it('find nesting beyond the limit', () => {
    expect(findJsonStructureProblems('{"a": [[[1]]]}', 3)).toEqual([{ kind: 'too-deep', offset: 8 }]);
    expect(findJsonStructureProblems('{"a": [[1]]}', 3)).toEqual([]);
  });

  it('ignore braces and quotes inside strings', () => {
    expect(findJsonStructureProblems('{"a": "{\\"a\\": [", "b": "}"}', 2)).toEqual([]);
  });

  it('locate keys and values by document path', () => {
    const text = '{"a": [10, {"b": "x"}], "c": {"d": null}}';
    const locator = new JsonPathLocator(text);
    expect(locator.locate(['a', 1, 'b'], 'value')).toBe(text.indexOf('"x"'));
    expect(locator.locate(['a', 1, 'b'], 'key')).toBe(text.indexOf('"b"'));
    expect(locator.locate(['c', 'd'], 'value')).toBe(text.indexOf('null'));
    // Missing parts resolve to the deepest part that exists.
    expect(locator.locate(['c', 'missing'], 'value')).toBe(text.indexOf('{"d"'));
    expect(locator.locate(['a', 5], 'value')).toBe(text.indexOf('[10'));
  });
});

describe('duplicate keys in large objects', () => {
  it('are found past the small-object look-back', () => {
    const entries = Array.from({ length: 100 }, (_, i) => `"k${i}": ${i}`);
    entries.push('"k7": 1');
    const text = `{"labels": {${entries.join(', ')}}}`;
    const problems = findJsonStructureProblems(text, 64);
    expect(problems).toEqual([{ kind: 'duplicate-key', key: 'k7', offset: text.lastIndexOf('"k7"'), firstOffset: text.indexOf('"k7"') }]);
  });
});
