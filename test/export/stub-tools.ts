/**
 * Runs an exported script from start to end without a kernel and without
 * root: every command it runs is a stub that records its argv (and what
 * it reads on stdin, for the here-documents) and does nothing else. So the
 * test sees each argument exactly as bash passed it, and proves that a
 * hostile name arrived as one literal argument. The script's state
 * directory is moved into the test's own directory (exportNetns's
 * stateRoot); nothing outside it is written, whoever runs the test.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Commands that must do their real work on the test's own files (the state directory, temporary files). */
const REAL = ['mktemp', 'mv', 'rm', 'rmdir', 'mkdir', 'cat'];

/** Stubs that only say success; `ip` and `bridge` record their argv; `id` says root; `stat` gives one identity for every namespace. */
const STUBS: Readonly<Record<string, string>> = {
  ip: 'record',
  bridge: 'record',
  id: 'echo 0',
  stat: "echo '1 2000-01-01 00:00:00.000000000 +0000'",
};
const SILENT = ['unshare', 'sleep', 'perl', 'setsid', 'iptables-restore', 'nfacct', 'ipset', 'nft', 'sh'];

export interface StubRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Each recorded command: argv, and stdin (when the command reads a here-document). */
  readonly calls: readonly { readonly argv: readonly string[]; readonly stdin?: string }[];
}

function which(tool: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} is not installed`);
  return r.stdout.trim();
}

/**
 * A stub directory in `dir`. A record is `<argc>\0<arg>\0...`, then, for a
 * command that reads a here-document (`ip netns exec NS iptables-restore`,
 * `nft -f -`, `ipset restore`), `1\0<stdin>\0`, else `0\0`.
 */
export function stubTools(dir: string): {
  readonly bin: string;
  run(script: readonly string[], args?: readonly string[], extraPath?: string): StubRun;
} {
  const bin = join(dir, 'stub-bin');
  const log = join(dir, 'stub-log');
  mkdirSync(bin, { recursive: true });
  for (const tool of REAL) if (!existsSync(join(bin, tool))) symlinkSync(which(tool), join(bin, tool));
  const recorder = [
    '#!/bin/bash',
    `log='${log}'`,
    'printf "%d\\0" "$(($# + 1))" >>"$log"',
    'printf "%s\\0" "${0##*/}" "$@" >>"$log"',
    'reads=0',
    'for a; do case $a in iptables-restore | nft | ipset) reads=1 ;; esac; done',
    'if [ "$reads" = 1 ]; then printf "1\\0" >>"$log"; cat >>"$log"; printf "\\0" >>"$log"; else printf "0\\0" >>"$log"; fi',
    'exit 0',
  ].join('\n');
  for (const [tool, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, tool), body === 'record' ? recorder : `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  for (const tool of SILENT) {
    writeFileSync(join(bin, tool), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, tool), 0o755);
  }
  return {
    bin,
    run(script, args = [], extraPath) {
      const file = join(dir, 'script.sh');
      writeFileSync(file, script.join('\n') + '\n');
      writeFileSync(log, '');
      const bash = which('bash');
      const r = spawnSync(bash, [file, ...args], {
        encoding: 'utf8',
        input: '',
        timeout: 60_000,
        env: { PATH: extraPath !== undefined ? `${extraPath}:${bin}` : bin, HOME: dir, TMPDIR: dir },
      });
      return {
        status: r.status ?? -1,
        stdout: r.stdout ?? '',
        stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''),
        calls: parseLog(readFileSync(log, 'utf8')),
      };
    },
  };
}

function parseLog(text: string): StubRun['calls'] {
  const fields = text.split('\0');
  const calls: { argv: string[]; stdin?: string }[] = [];
  let i = 0;
  while (i < fields.length - 1) {
    const argc = Number(fields[i++]);
    const argv = fields.slice(i, i + argc);
    i += argc;
    const reads = fields[i++] === '1';
    if (reads) calls.push({ argv, stdin: fields[i++]! });
    else calls.push({ argv });
  }
  return calls;
}
