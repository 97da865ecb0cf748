/**
 * Hostile strings and the exported scripts, without root: every string
 * reaches a script through shellWord, shellComment or hereDocument (or is
 * refused), a script built from hostile device names and a hostile file
 * name is valid bash, its harmless parts (--help, a wrong option, the root
 * check) never run the canary, and run from start to end with stub tools
 * it passes every hostile name to ip as one literal argument.
 * safety-kernel.test.ts builds the same labs for real.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportNetns, type NetnsExport } from '../../src/export/netns.js';
import { hereDocument, shellComment, shellWord, UnquotableError } from '../../src/export/shell.js';
import { runCli } from '../cli/run-cli.js';
import { buildFromText, flannelYaml } from '../helpers.js';
import { canary, HOSTILE_DEVICE_NAMES, HOSTILE_SOURCE, hostileLabYaml } from './hostile.js';
import { stubTools } from './stub-tools.js';

const work = mkdtempSync(join(tmpdir(), 'netlab-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What bash makes of a script: its stdout. */
function bashOutput(script: string): { status: number; stdout: string } {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: r.status ?? -1, stdout: r.stdout };
}

const WORDS = [
  '',
  'plain',
  'two words',
  "it's",
  '"double"',
  '$(pwned)',
  '`pwned`',
  '${IFS}',
  'a;b|c&d>e<f',
  '*?[a-z]',
  '-n',
  '--help',
  '~root',
  '{a,b}',
  '!event',
  '#comment',
  'back\\slash',
  'line\nbreak',
  'carriage\rreturn',
  'tab\there',
  'nel\u0085here',
  'escape\u001b[31mred',
  'é ñ 日本 😀',
  'u2028\u2028here',
  "$'\\x41'",
];

describe('shellWord, shellComment, hereDocument: the only ways into a script', () => {
  it('every word reads back as itself, whatever it holds, on one line', () => {
    const quoted = WORDS.map(shellWord);
    for (const [i, q] of quoted.entries()) expect(q.includes('\n'), JSON.stringify(WORDS[i])).toBe(false);
    const out = bashOutput(quoted.map((q) => `printf '%s\\0' ${q}`).join('\n'));
    expect(out.status).toBe(0);
    expect(out.stdout.split('\0').slice(0, -1)).toEqual(WORDS);
  });

  it('refuses what bash cannot carry: a NUL byte, a lone surrogate', () => {
    expect(() => shellWord('a\0b')).toThrow(UnquotableError);
    expect(() => shellWord('a\ud800b')).toThrow(UnquotableError);
    expect(() => hereDocument('cat', ['a\0'], 'EOF')).toThrow(UnquotableError);
  });

  it('a comment stays one line and runs nothing', () => {
    const comments = WORDS.map((word) => shellComment(`from ${word} and ${shellWord(word)}`));
    for (const comment of comments) {
      expect(comment.split('\n')).toHaveLength(1);
      expect(comment.startsWith('# ')).toBe(true);
    }
    expect(bashOutput(comments.map((c) => `${c}\necho ok`).join('\n')).stdout).toBe('ok\n'.repeat(WORDS.length));
    expect(shellComment('a\ud800b')).toBe('# a\\ud800b');
  });

  it('a here-document ends where it should, even when the body holds its delimiter', () => {
    const body = ['NETLAB_X', 'text', 'NETLAB_X_1\nNETLAB_X_2', '$(pwned) `pwned`'];
    const lines = hereDocument('cat', body, 'NETLAB_X');
    expect(lines[0]).toBe("cat <<'NETLAB_X_3'");
    expect(bashOutput(lines.join('\n')).stdout).toBe(`${body.join('\n')}\n`);
  });
});

function exported(yaml: string, options: { prefix?: string; stateRoot?: string } = {}): NetnsExport {
  const lab = buildFromText(yaml, 'hostile.yaml');
  const result = exportNetns(lab.dataplane, {
    source: HOSTILE_SOURCE,
    prefix: options.prefix ?? 'nlh-',
    ...(options.stateRoot !== undefined ? { stateRoot: options.stateRoot } : {}),
  });
  if (!result.export) throw new Error(result.error);
  return result.export;
}

describe.each(['flannel', 'calico'] as const)('scripts from hostile device names and a hostile file name (%s)', (cni) => {
  const dir = mkdtempSync(join(work, `${cni}-`));
  const mark = canary(dir);
  const stateRoot = join(dir, 'state');
  const ex = exported(hostileLabYaml(cni), { stateRoot });
  const stubs = stubTools(dir);

  it('are valid bash, with the file name quoted on its comment line', () => {
    for (const script of [ex.build, ex.teardown]) {
      expect(spawnSync('bash', ['-n'], { input: script.join('\n') + '\n' }).status).toBe(0);
      expect(script[1]).toBe(`# Built by \`netlab export --format netns\` from $'x\\n;pwned\\n#\`pwned\`$(pwned)\\'"*.yaml': lab hostile,`);
    }
  });

  it('--help, a wrong option and the root check run nothing of the names', () => {
    const idNotRoot = join(dir, 'not-root');
    spawnSync('sh', [
      '-c',
      `mkdir -p '${idNotRoot}' && printf '#!/bin/sh\\necho 1000\\n' > '${idNotRoot}/id' && chmod +x '${idNotRoot}/id'`,
    ]);
    const help = stubs.run(ex.build, ['--help'], mark.bin);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: sudo bash script.sh');
    expect(stubs.run(ex.build, ['--bogus'], mark.bin).status).toBe(2);
    for (const script of [ex.build, ex.teardown]) {
      const r = stubs.run(script, [], `${mark.bin}:${idNotRoot}`);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('must run as root');
      expect(r.calls).toEqual([]);
    }
    expect(mark.ran()).toBe(false);
  });

  it('run from start to end with stub tools, they pass each name to ip as one literal argument', () => {
    const r = stubs.run(ex.build, [], mark.bin);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`built ${ex.netns.length} namespaces named nlh-*`);
    expect(mark.ran()).toBe(false);
    const ip = r.calls.filter((c) => c.argv[0] === 'ip').map((c) => c.argv);
    for (const name of HOSTILE_DEVICE_NAMES) {
      // Created (from whichever side), brought up, given its sysctls by /proc/sys path: each time one argument.
      expect(
        ip.some((a) => a.includes('link') && a.includes('add') && a.some((w, j) => w === name && a[j - 1] === 'name')),
        name,
      ).toBe(true);
      expect(
        ip.some((a) => a.slice(3).join(' ') === `link set dev ${name} up`),
        name,
      ).toBe(true);
      const sysctl = ip.find((a) => a[1] === 'netns' && a[2] === 'exec' && a[4] === 'sh' && a.includes(`net/ipv6/conf/${name}/accept_ra`));
      expect(sysctl, name).toBeDefined();
      expect(sysctl![sysctl!.indexOf(`net/ipv6/conf/${name}/accept_ra`) + 1]).toBe('0');
    }
    if (cni === 'calico') {
      // Felix's rules name each workload's device: the iptables-restore input carries them as written.
      const restores = r.calls.filter((c) => c.argv.includes('iptables-restore')).map((c) => c.stdin ?? '');
      for (const name of HOSTILE_DEVICE_NAMES)
        expect(
          restores.some((text) => text.includes(` -o ${name} `) || text.includes(` -i ${name} `)),
          name,
        ).toBe(true);
    }
    // Only the state file was written, under the state root given.
    expect(spawnSync('ls', ['-A', join(stateRoot, 'nlh-')], { encoding: 'utf8' }).stdout).toBe('netns\n');
  });
});

describe('what the export refuses', () => {
  it('a prefix that is not a plain name', async () => {
    for (const prefix of ['$(pwned)-', 'a b', '-x', '../x', 'x/y', 'x\ny', '']) {
      const r = await runCli(['export', '--format', 'netns', '--prefix', prefix]);
      expect(r.code, prefix).toBe(2);
      expect(r.stdout).toBe('');
    }
  });

  it('a namespace name longer than /run/netns can hold', () => {
    const long = ['a', 'b', 'c', 'd']
      .map((c) => c.repeat(63))
      .join('.')
      .slice(0, 253);
    const yaml = flannelYaml({ nodes: `  - {name: ${long}, ip: 10.234.2.11, subnet: rack-1}`, pods: '  []' });
    const result = exportNetns(buildFromText(yaml).dataplane, { prefix: 'p'.repeat(40) });
    expect(result.error).toMatch(/longer than 255 bytes/);
  });
});
