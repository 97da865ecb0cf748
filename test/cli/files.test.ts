/**
 * The files netlab reads and writes (issue 12): only regular files are
 * read, never past the size limit and never blocking; a lab reads only
 * inside its folder unless --allow-outside; what is not a netlab document
 * is never quoted; --junit writes like a careful tool.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-files-'));
const SECRET = 'root:$6$s3cr3tHash$abcdefghijklmnop:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';
writeFileSync(join(dir, 'shadow'), SECRET);
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const socketPath = join(dir, 'sock');
let server: Server | undefined;

afterAll(() => server?.close());

function labText(topology: string): string {
  return `apiVersion: netlab/v1
kind: Lab
metadata: {name: t, title: T}
topology: ${topology}
steps:
  - name: x
    trace: {from: pod-a, to: pod-b}
    expect: {disposition: DELIVERED}
`;
}

describe('reading -f', () => {
  it.each([
    ['a FIFO (without blocking)', fifo, `${fifo} is a named pipe (FIFO), not a topology file`],
    ['/dev/zero', '/dev/zero', '/dev/zero is a character device, not a topology file'],
    ['/dev/urandom', '/dev/urandom', '/dev/urandom is a character device, not a topology file'],
    ['/dev/full', '/dev/full', '/dev/full is a character device, not a topology file'],
    ['/dev/null', '/dev/null', '/dev/null is a character device, not a topology file'],
    ['a directory', dir, `${dir} is a directory, not a topology file`],
    ['an empty name', '', 'the topology file name is empty'],
    ['a missing file', join(dir, 'nope.yaml'), `topology file ${join(dir, 'nope.yaml')} does not exist`],
  ])('refuses %s with a sentence and exit 2', async (_, path, message) => {
    const run = await runCli(['-f', path, 'validate']);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2, `netlab: ${message}`]);
  });

  it('says what a unix socket is (open gives ENXIO)', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
    const run = await runCli(['-f', socketPath, 'validate']);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2, `netlab: ${socketPath} is a socket, not a topology file`]);
  });

  it.runIf(process.platform === 'linux')('says an I/O error is one (/proc/self/mem reads EIO)', async () => {
    const run = await runCli(['-f', '/proc/self/mem', 'validate']);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2, 'netlab: cannot read topology file /proc/self/mem: input/output error']);
  });

  it('refuses a file over the limit from its size, before reading it', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, '{"apiVersion": "netlab/v1"');
    truncateSync(big, 300 * 1024 * 1024); // sparse: the bytes are never there to read
    const run = await runCli(['-f', big, 'validate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${big}  error NL-INPUT-TOO-LARGE  the file is 300 MiB; JSON input is limited to 256 MiB`);
  });

  it('refuses a YAML file at the YAML limit while reading', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(17 * 1024 * 1024)}\n`);
    const run = await runCli(['-f', big, 'validate']);
    expect(run.stderr).toContain('error NL-INPUT-TOO-LARGE  the file is 17.0 MiB; YAML input is limited to 16 MiB');
  });

  it.each([
    [
      'a NUL byte',
      Buffer.from('apiVersion: netlab/v1\n\u0000kind: Cluster\n'),
      ':2:1',
      'it holds a NUL byte',
      'a topology is YAML or JSON text',
    ],
    [
      'bytes that are not UTF-8',
      Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
      '',
      'it is not UTF-8',
      'a topology or lab is YAML or JSON text',
    ],
    [
      'an escape sequence',
      Buffer.from('apiVersion: netlab/v1\nkind: "\u001b[31mred"\n'),
      ':2:8',
      'it holds the control character U+001B',
      'a topology is YAML or JSON text',
    ],
  ])('refuses a file with %s without showing it', async (_, bytes, where, why, hint) => {
    const file = join(dir, 'binary.yaml');
    writeFileSync(file, bytes);
    const run = await runCli(['-f', file, 'validate']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').slice(0, 2)).toEqual([
      `${file}${where}  error NL-INPUT-NOT-TEXT  the file is not a text file: ${why}`,
      `  hint: ${hint}`,
    ]);
  });

  it('quotes nothing of a file that is not a netlab document', async () => {
    for (const text of [
      SECRET,
      `${SECRET.split('\n')[0]}\n- a list\n`,
      '[secret, list]\n',
      '"a secret scalar"\n',
      'password: hunter2\nuser: root\n',
      'password: hunter2\npassword: again\n',
    ]) {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, text);
      const run = await runCli(['-f', file, 'validate']);
      expect(run.code, text).toBe(2);
      expect(run.stderr, text).not.toMatch(/s3cr3t|secret|hunter2|daemon|password/);
      expect(run.stderr, text).not.toContain(' | ');
    }
  });

  it('still quotes a topology with a mistake in it', async () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'apiVersion: netlab/v1\nkind: Cluster\nmetadata: {name: t}\nnetwork: {cni: {plugin: flannel, backend: vxlam}}\n');
    const run = await runCli(['-f', file, 'validate']);
    expect(run.stderr).toContain('  4 | network: {cni: {plugin: flannel, backend: vxlam}}');
  });

  it('keeps a control character in a name or a value on its line', async () => {
    const run = await runCli(['trace', 'pod-a', 'pod-b', '--fail', 'node\n03']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fail node\\n03  error NL-FAULT-TARGET  no node named "node\\n03"');
    const missing = await runCli(['-f', 'x\ny\u001b[2J.yaml', 'validate']);
    expect(missing.stderr.split('\n')[0]).toBe('netlab: topology file x\\ny\\x1b[2J.yaml does not exist');
  });
});

describe('a lab reads inside its folder', () => {
  function labDir(topology: string): string {
    const d = mkdtempSync(join(dir, 'lab-'));
    writeFileSync(join(d, 'lab.yaml'), labText(topology));
    return d;
  }

  it.each([
    ['an absolute path', () => labDir(join(dir, 'shadow')), `topology file ${join(dir, 'shadow')} is outside the lab's folder`],
    ['../ out of the folder', () => labDir('../shadow'), "topology file ../shadow is outside the lab's folder"],
    [
      'a symbolic link that leads out',
      () => {
        const d = labDir('topology.yaml');
        symlinkSync(join(dir, 'shadow'), join(d, 'topology.yaml'));
        return d;
      },
      "topology file topology.yaml leads outside the lab's folder (through a symbolic link)",
    ],
  ])('refuses %s, at the topology: line, and quotes nothing of it in JUnit', async (_, make, message) => {
    const d = make();
    const junit = join(d, 'report.xml');
    const run = await runCli(['lab', 'run', d, '--junit', junit, '--no-color']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`lab.yaml:4:11  error NL-LAB-TOPOLOGY  ${message}`);
    expect(run.stderr).toContain('--allow-outside');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('NL-LAB-TOPOLOGY');
    expect(xml + run.stderr + run.stdout).not.toMatch(/s3cr3t|daemon/);
  });

  it("reads netlab's own labs/ (../default.yaml) and, with --allow-outside, anything, still quoting nothing of a file that is not a topology", async () => {
    const own = await runCli(['lab', 'run', 'labs/mtu']);
    expect(own.code).toBe(0);
    const d = labDir(join(dir, 'shadow'));
    const junit = join(d, 'report.xml');
    const run = await runCli(['lab', 'run', d, '--allow-outside', '--junit', junit, '--no-color']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error NL-DOCUMENT-ROOT  this is not a netlab file');
    expect(readFileSync(junit, 'utf8') + run.stderr + run.stdout).not.toMatch(/s3cr3t|daemon/);
  });

  it("reads a topology next to the lab, and in netlab's labs/ by an absolute path", async () => {
    const d = labDir('topology.yaml');
    writeFileSync(join(d, 'topology.yaml'), readFileSync(join(ROOT, 'labs/default.yaml')));
    expect((await runCli(['lab', 'run', d])).code).toBe(0);
    expect((await runCli(['lab', 'run', labDir(join(ROOT, 'labs/default.yaml'))])).code).toBe(0);
  });

  it('refuses a lab topology that is a FIFO or a directory, saying so', async () => {
    const d = labDir('fifo');
    execFileSync('mkfifo', [join(d, 'fifo')]);
    const run = await runCli(['lab', 'run', d]);
    expect(run.stderr).toContain('error NL-LAB-TOPOLOGY  fifo is a named pipe (FIFO), not a topology file');
    const e = labDir('sub');
    mkdirSync(join(e, 'sub'));
    expect((await runCli(['lab', 'run', e])).stderr).toContain('error NL-LAB-TOPOLOGY  sub is a directory, not a topology file');
  });
});

describe('lab list and lab run search', () => {
  it('a directory that cannot be listed is a sentence and exit 2', async () => {
    const d = mkdtempSync(join(tmpdir(), 'netlab-locked-'));
    chmodSync(d, 0o755);
    mkdirSync(join(d, 'inner'));
    chmodSync(join(d, 'inner'), 0);
    try {
      // Root lists any directory: as root, run the built CLI as nobody (setpriv), as a user would meet it.
      const run =
        process.getuid?.() === 0
          ? spawnSync(
              'setpriv',
              ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(ROOT, 'bin/netlab.js'), 'lab', 'list', d],
              { encoding: 'utf8' },
            )
          : await runCli(['lab', 'list', d]).then((r) => ({ status: r.code, stderr: r.stderr }));
      expect([run.status, run.stderr.split('\n')[0]]).toEqual([2, `netlab: cannot search ${join(d, 'inner')} for labs: permission denied`]);
    } finally {
      chmodSync(join(d, 'inner'), 0o755);
    }
  });
});

describe('--junit', () => {
  const inputs = ['lab', 'run', 'labs/mtu'];

  it.each([
    ['/dev/null', '/dev/null', 'is a character device: netlab writes output files only to regular files'],
    ['a FIFO', fifo, 'is a named pipe (FIFO): netlab writes output files only to regular files'],
    ['a directory', dir, 'is a directory: netlab writes output files only to regular files'],
    ['the lab file', join(ROOT, 'labs/mtu/lab.yaml'), "is one of this run's inputs: netlab does not write over its inputs"],
    ['its topology', join(ROOT, 'labs/default.yaml'), "is one of this run's inputs: netlab does not write over its inputs"],
  ])('refuses %s and leaves it alone', async (_, target, why) => {
    const before = lstatSync(target);
    const run = await runCli([...inputs, '--junit', target]);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2, `netlab: ${target} ${why}`]);
    const after = lstatSync(target);
    expect([after.ino, after.mode, after.size, after.mtimeMs]).toEqual([before.ino, before.mode, before.size, before.mtimeMs]);
  });

  it('refuses a symbolic link at the target (it never writes through one)', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const link = join(dir, 'link.xml');
    symlinkSync(victim, link);
    const run = await runCli([...inputs, '--junit', link]);
    expect(run.stderr.split('\n')[0]).toBe(`netlab: ${link} is a symbolic link: netlab writes output files only to regular files`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('replaces a regular file whole, keeping its permissions, and leaves no temporary file', async () => {
    const d = mkdtempSync(join(dir, 'out-'));
    const target = join(d, 'report.xml');
    writeFileSync(target, 'old');
    chmodSync(target, 0o640);
    const run = await runCli([...inputs, '--junit', target]);
    expect(run.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['report.xml']);
  });

  it('an empty name or a missing directory is a usage error, before any lab runs', async () => {
    expect((await runCli([...inputs, '--junit', ''])).stderr.split('\n')[0]).toBe('netlab: --junit needs a file name, not an empty one');
    const run = await runCli([...inputs, '--junit', join(dir, 'no/such/r.xml')]);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toContain(`${join(dir, 'no/such')} is not a directory (it does not exist)`);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});
