/** docs/topology.md stays true: its examples load, and every diagnostic code is documented. */
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/topology/codes.js';
import { loadTopology } from '../../src/topology/load.js';
import { readRepoFile } from './helpers.js';

const doc = readRepoFile('docs/topology.md');

describe('docs/topology.md', () => {
  const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((text) => text.includes('apiVersion:'));

  it('has complete examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples.map((text, i) => [i, text] as const))('example %i loads without errors', (_, text) => {
    const result = loadTopology(text, 'example.yaml');
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.topology).toBeDefined();
  });

  it('documents every diagnostic code', () => {
    const undocumented = Object.values(Code).filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `(NL-[A-Z0-9-]+)` \|/gm)].map((m) => m[1]);
    const known = new Set<string>(Object.values(Code));
    expect(documented.filter((code) => !known.has(code!))).toEqual([]);
  });
});
