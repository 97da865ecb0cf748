/** Runs the CLI in-process with captured streams, as a user would from a shell. */
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { ROOT } from '../helpers.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = options.stdin !== undefined ? { stdin: Readable.from([options.stdin]) } : {};
  const code = await main(['node', 'netlab', ...args], { ...stdin, stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? ROOT });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
