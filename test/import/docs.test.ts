/** docs/import.md stays true: every import diagnostic code and every flag is documented. */
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { ImportCode } from '../../src/import/codes.js';
import { readRepoFile } from '../helpers.js';

const doc = readRepoFile('docs/import.md');

describe('docs/import.md', () => {
  it('documents every import diagnostic code, and none that does not exist', () => {
    expect(Object.values(ImportCode).filter((code) => !doc.includes(`| \`${code}\` |`))).toEqual([]);
    const documented = [...doc.matchAll(/^\| `(NL-IMPORT-[A-Z-]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.filter((code) => !(Object.values(ImportCode) as string[]).includes(code))).toEqual([]);
  });

  it('documents every flag of netlab import', () => {
    const io = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: '.' };
    const command = buildProgram(io).commands.find((c) => c.name() === 'import')!;
    const flags = command.options.map((o) => o.long!);
    expect(flags.length).toBeGreaterThanOrEqual(9);
    expect(flags.filter((flag) => !doc.includes(`\`${flag}`))).toEqual([]);
  });

  it('the README lists the command', () => {
    expect(readRepoFile('README.md')).toContain('| `netlab import FILE\\|-` |');
  });
});
