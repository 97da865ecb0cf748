/**
 * `netlab import FILE|DIR|-`: a cluster's objects (kubectl's -o json or
 * -o yaml, manifests) in, a topology out, on stdout or --out FILE (written
 * whole). `-o json` prints the topology as JSON, like every command's -o
 * does; the file is always named with --out (-w), since -o is taken.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../diagnostics/diagnostic.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import type { InputFile } from '../../import/read.js';
import type { CniChoice, ImportOptions, SubnetOption } from '../../import/options.js';
import type { KubeProxyMode } from '../../topology/types.js';
import { MAX_JSON_CHARS } from '../../topology/limits.js';
import { intOption } from '../int-option.js';
import type { CommandContext } from '../context.js';
import type { Io } from '../output.js';
import { ExitError } from '../exit-error.js';
import { diagnosticStyle } from '../pipeline.js';
import { hasWhatIf, whatIfOf } from '../what-if-options.js';
import { checkOutputFile, writeOutputFile, type OutputTarget } from '../output-file.js';

export interface ImportFlags {
  readonly out?: string;
  readonly subnet?: readonly SubnetOption[];
  readonly mtu?: number;
  readonly proxyMode?: KubeProxyMode;
  readonly podCidr?: string;
  readonly serviceCidr?: string;
  readonly cni?: CniChoice;
  readonly name?: string;
  readonly nodes?: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

export async function runImport(context: CommandContext, paths: string[], flags: ImportFlags): Promise<void> {
  const { io, opts, chalk } = await context();
  if (hasWhatIf(whatIfOf(opts)))
    throw new UsageError(
      'netlab import takes no --set or fault options: it writes a topology, it does not build one',
      'import first, then run the what-ifs on the imported file (-f FILE)',
    );
  if (opts.topology !== undefined)
    throw new UsageError(
      'netlab import reads Kubernetes objects, not a topology: -f does not apply',
      'name the kubectl output as the argument: netlab import cluster.json',
    );
  if (flags.name !== undefined && !/^(?=.{1,63}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/.test(flags.name))
    throw new UsageError(`--name ${flags.name}: not an RFC 1123 label (a-z, 0-9, '-', at most 63)`);
  if (flags.out === '') throw new UsageError('--out needs a file name, not an empty one');
  const out: OutputTarget | undefined =
    flags.out !== undefined ? { path: resolve(io.cwd, flags.out), shown: flags.out, option: '--out' } : undefined;
  // The inputs, as paths: --out may not name one of them.
  const inputPaths = paths.filter((p) => p !== '-').map((p) => resolve(io.cwd, p));
  if (out !== undefined) checkOutputFile(out, inputPaths);
  const inputs = await readInputFiles(io, paths);
  const options: ImportOptions = {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.subnet !== undefined ? { subnets: flags.subnet } : {}),
    ...(flags.mtu !== undefined ? { mtu: flags.mtu } : {}),
    ...(flags.proxyMode !== undefined ? { proxyMode: flags.proxyMode } : {}),
    ...(flags.podCidr !== undefined ? { podCIDR: flags.podCidr } : {}),
    ...(flags.serviceCidr !== undefined ? { serviceCIDR: flags.serviceCidr } : {}),
    ...(flags.cni !== undefined ? { cni: flags.cni } : {}),
    ...(flags.nodes !== undefined ? { nodes: intOption(flags.nodes, 'nodes', 1, 5000)! } : {}),
  };
  const { importCluster } = await import('../../import/import.js');
  const result = importCluster(inputs, options);
  const style = diagnosticStyle(chalk);
  for (const d of result.diagnostics)
    io.stderr.write(formatDiagnostic(d, d.file !== undefined ? result.sources.get(d.file) : undefined, style) + '\n');
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0 || result.yaml === undefined) {
    io.stderr.write(`netlab import: ${errors} error${errors === 1 ? '' : 's'}: nothing was written\n`);
    throw new ExitError(2);
  }
  const text = opts.output === 'json' ? result.json! : result.yaml;
  if (out !== undefined) writeOutputFile(out, text, inputPaths);
  else io.stdout.write(text);
  const s = result.summary!;
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const lines = [
    `netlab import: ${count(s.nodes, 'node')}, ${count(s.pods, 'pod')}, ${count(s.services, 'service')}, ${count(s.networkPolicies, 'network policy', 'network policies')}${flags.out !== undefined ? ` written to ${flags.out}` : ''}`,
  ];
  for (const line of result.notes.lines('assumed')) lines.push(`  assumed: ${line}`);
  for (const line of result.notes.lines('notExpressible')) lines.push(`  not expressible yet: ${line}`);
  for (const line of result.notes.lines('skipped')) lines.push(`  skipped: ${line}`);
  io.stderr.write(lines.join('\n') + '\n');
}

/** The inputs' texts: files as named, a directory's manifests (*.yaml, *.yml, *.json, sorted), stdin for `-`. */
async function readInputFiles(io: Io, paths: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const path of paths) {
    if (path === '-') {
      if (io.stdin === undefined) throw new UsageError('- reads stdin, which is not available here');
      out.push({ file: '-', text: await readAll(io.stdin) });
      continue;
    }
    const full = resolve(io.cwd, path);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new UsageError(`${path} does not exist`, 'name the file kubectl wrote, a directory of manifests, or - for stdin');
    }
    if (stat.isDirectory()) {
      const files = readdirSync(full)
        .filter((f) => MANIFEST.test(f) && !f.startsWith('.'))
        .sort();
      if (files.length === 0) throw new UsageError(`${path} holds no manifests (*.yaml, *.yml, *.json)`);
      for (const f of files) out.push(readOne(join(full, f), join(path, f)));
    } else {
      out.push(readOne(full, path));
    }
  }
  return out;
}

function readOne(full: string, shown: string): InputFile {
  const stat = statSync(full);
  if (!stat.isFile()) throw new UsageError(`${shown} is not a regular file`);
  if (stat.size > 2 * MAX_JSON_CHARS)
    throw new UsageError(
      `${shown} is ${Math.round(stat.size / 1048576)} MiB: more than netlab reads`,
      'collect fewer kinds, or one namespace at a time',
    );
  return { file: shown, text: readFileSync(full, 'utf8') };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
