/**
 * Pinned device names follow the kernel's dev_valid_name (net/core/dev.c),
 * by bytes, and the few names it refuses besides (all, default, '%'), with
 * a positioned NL-INTERFACE-NAME-INVALID and exit 2; names the kernel
 * takes, however odd for a shell, load. Which names the kernel refuses was
 * checked with `ip link add` on this project's kernel (6.x).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interfaceNameProblem, printableName } from '../../src/net/ifname.js';
import { loadTopology } from '../../src/topology/load.js';
import { runCli } from '../cli/run-cli.js';
import { HOSTILE_DEVICE_NAMES } from '../export/hostile.js';
import { MINIMAL } from './helpers.js';

const withHostVeth = (name: string): string => `${MINIMAL}pods:\n  - {name: p, node: node-1, hostVeth: {name: ${JSON.stringify(name)}}}\n`;

const REFUSED: readonly [string, string, RegExp][] = [
  ['a NUL byte', 'a\u0000b', /control character U\+0000/],
  ['NEL (U+0085)', 'a\u0085b', /control character U\+0085/],
  ['an escape sequence', 'a\u001b[1m', /control character U\+001B/],
  ['15 non-ASCII characters: 30 bytes', 'é'.repeat(15), /30 bytes long in UTF-8 \(at most 15\)/],
  ['8 two-byte characters: 16 bytes', 'éééééééé', /16 bytes long/],
  ['a character with the byte 0xa0 (à is c3 a0), a space to the kernel', 'voilà', /'à' \(U\+00E0\).*0xa0/],
  ['a no-break space', 'a\u00a0b', /U\+00A0/],
  ['a space', 'a b', /a space is not allowed/],
  ['a tab', 'a\tb', /control character U\+0009/],
  ['a line separator', 'a\u2028b', /U\+2028/],
  ['a slash', 'a/b', /'\/' is not allowed/],
  ['a colon', 'eth0:1', /':' is not allowed/],
  ['a name template', 'x%d', /name template/],
  ['a double quote', 'a"b', /iptables-restore/],
  ['.', '.', /reserved/],
  ['..', '..', /reserved/],
  ['all', 'all', /reserved/],
  ['default', 'default', /reserved/],
  ['empty', '', /empty/],
  ['16 characters', 'a'.repeat(16), /.+/],
];

describe('interface names: the kernel rule', () => {
  it.each(REFUSED)('refuses %s', (_, name, why) => {
    expect(interfaceNameProblem(name)).toMatch(why);
    const result = loadTopology(withHostVeth(name), 'veth.yaml');
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual(['NL-INTERFACE-NAME-INVALID']);
    expect(errors[0]).toMatchObject({ file: 'veth.yaml', line: 9, col: 46 });
    // The name is quoted with its control characters escaped: one line whatever it holds.
    expect(errors[0]!.message.startsWith(`invalid interface name ${printableName(name)}: `)).toBe(true);
    // eslint-disable-next-line no-control-regex -- the message must carry no control character
    expect(errors[0]!.message).not.toMatch(/[\u0000-\u001f\u0085\u2028]/);
  });

  it.each([...HOSTILE_DEVICE_NAMES, 'eth0', 'vethabcdef01', 'cali1234567890a', 'flannel.1', 'éééééééa', '😀😀😀ab', '0', 'a=b'])(
    'accepts %s',
    (name) => {
      expect(interfaceNameProblem(name)).toBeUndefined();
      expect(loadTopology(withHostVeth(name), 'veth.yaml').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    },
  );

  it('validate exits 2 with the position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-ifname-'));
    try {
      writeFileSync(join(dir, 't.yaml'), withHostVeth('é'.repeat(15)));
      const run = await runCli(['-f', 't.yaml', 'validate'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('t.yaml:9:46  error NL-INTERFACE-NAME-INVALID  invalid interface name');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
