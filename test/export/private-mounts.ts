/**
 * A private mount namespace with a tmpfs on /run, held open by a small
 * process, for tests that run the exported scripts as root: the named
 * network namespaces they make (/run/netns) and their state files
 * (/run/netlab) live on that tmpfs and are seen by nobody else, and they
 * go when the holder ends (the test ends it; if the test process dies, its
 * stdin closes and the holder ends too). Links and rules still go to the
 * real kernel, inside those network namespaces.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Ran {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The mount source that marks our tmpfs, so a test can check it never shows on the host. */
export const PRIVATE_TMPFS = 'netlab-test-run';

export class PrivateMounts {
  private constructor(
    private readonly holder: ChildProcess,
    readonly pid: number,
  ) {}

  static start(): Promise<PrivateMounts> {
    // The holder waits on its stdin: it ends when the test ends it, or when the test process is gone.
    const holder = spawn(
      'unshare',
      ['-m', '--propagation', 'private', '--', 'bash', '-c', `mount -t tmpfs ${PRIVATE_TMPFS} /run && echo ready && read -r _`],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      holder.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.startsWith('ready\n')) resolve(new PrivateMounts(holder, holder.pid!));
      });
      holder.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      holder.on('exit', (code) => reject(new Error(`the private mount namespace did not start (exit ${code}): ${err}`)));
      holder.on('error', reject);
    });
  }

  /** Runs a bash script inside the private mount namespace (in the root network namespace, as a script's user would). */
  bash(script: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Ran {
    const r = spawnSync('nsenter', ['-t', String(this.pid), '-m', '--', 'bash', '-c', script], {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 120_000,
      env: options.env ?? process.env,
      input: '',
    });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
  }

  /** Ends the holder: the mount namespace and the tmpfs go with it. */
  async stop(): Promise<void> {
    if (this.holder.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.holder.once('exit', () => resolve()));
    this.holder.stdin!.end();
    await exited;
  }
}
