import { UsageError } from '../../diagnostics/diagnostic.js';
import type { CommandContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { whatIfArgv, whatIfOf } from '../what-if-options.js';

export interface ExportOptions {
  format: 'netns' | 'netns-teardown';
  prefix?: string;
  teardown?: boolean;
}

export async function runExport(context: CommandContext, options: ExportOptions): Promise<void> {
  const { io, opts, chalk } = await context();
  const whatIf = whatIfOf(opts);
  const { dataplane, source } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf });
  const { exportNetns } = await import('../../export/netns.js');
  const result = exportNetns(dataplane, {
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    source: source.file,
    whatIf: whatIfArgv(whatIf),
  });
  if (result.error !== undefined) throw new UsageError(result.error, result.hint);
  const teardown = options.format === 'netns-teardown' || options.teardown === true;
  const script = teardown ? result.export.teardown : result.export.build;
  if (opts.output === 'json') {
    writeJson(io.stdout, {
      format: teardown ? 'netns-teardown' : 'netns',
      prefix: result.export.prefix,
      netns: result.export.netns,
      script: script.join('\n') + '\n',
    });
    return;
  }
  await writeLines(io.stdout, script);
}
