import { UsageError } from '../../diagnostics/diagnostic.js';
import { routeGet } from '../../dataplane/route-get.js';
import type { CommandContext } from '../context.js';
import { whatIfOf } from '../what-if-options.js';
import { writeJson, writeLines } from '../output.js';
import { ExitError } from '../exit-error.js';
import { loadAndBuild } from '../pipeline.js';
import { netnsOf } from '../../dataplane/endpoints.js';
import { sendTraffic, type TrafficSpec } from '../traffic.js';

export async function runExec(
  context: CommandContext,
  targetText: string,
  argv: string[],
  options: { traffic: TrafficSpec[] },
): Promise<void> {
  const { io, opts, chalk } = await context();
  if (argv.length === 0) throw new UsageError('netlab exec needs a command after the target', 'e.g. netlab exec node-02 -- ip route');
  const { dataplane } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
  const ns = netnsOf(dataplane, targetText);
  const traffic = sendTraffic(dataplane, options.traffic);
  const now = sourceDateEpoch(io.env);
  const { runEmulated } = await import('../../exec/run.js');
  const result = runEmulated(ns, argv, { dataplane, routeGet, ...traffic, ...(now ? { now } : {}) });
  if (opts.output === 'json') {
    writeJson(io.stdout, {
      target: ns.displayName,
      command: argv,
      exitCode: result.exitCode,
      stdout: [...result.stdout],
      stderr: result.stderr,
    });
  } else {
    await writeLines(io.stdout, result.stdout, result.unterminated);
    for (const line of result.stderr) io.stderr.write(line + '\n');
  }
  if (result.exitCode !== 0) throw new ExitError(result.exitCode);
}

/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org): the clock the emulated tools
 * print (iptables-save's date, dig's WHEN), when set; an integer number of
 * seconds, anything else is a usage error.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): Date | undefined {
  const text = env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,12}$/.test(text)) throw new UsageError(`SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01 UTC, not "${text}"`);
  return new Date(Number(text) * 1000);
}
