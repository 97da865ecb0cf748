import { Option, type Command } from 'commander';
import { UsageError } from '../../diagnostics/diagnostic.js';
import type { CommandContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';

export function registerExport(program: Command, context: CommandContext): void {
  program
    .command('export')
    .description('write the topology as something else: --format netns is a bash script that builds it for real in network namespaces')
    .addOption(new Option('--format <format>', 'netns: the build script; netns-teardown: the script that deletes it').choices(['netns', 'netns-teardown']).makeOptionMandatory())
    .option('--prefix <prefix>', 'namespace name prefix, so two labs can coexist (default: nl-<metadata.name>-)')
    .option('--teardown', 'with --format netns: print the teardown script instead (same as --format netns-teardown)')
    .action(async (options: { format: 'netns' | 'netns-teardown'; prefix?: string; teardown?: boolean }) => {
      const { io, opts, chalk } = context();
      const { dataplane, source } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true });
      const { exportNetns } = await import('../../export/netns.js');
      const result = exportNetns(dataplane, { ...(options.prefix !== undefined ? { prefix: options.prefix } : {}), source: source.file });
      if (result.error !== undefined) throw new UsageError(result.error, result.hint);
      const teardown = options.format === 'netns-teardown' || options.teardown === true;
      const script = teardown ? result.export.teardown : result.export.build;
      if (opts.output === 'json') {
        writeJson(io.stdout, { format: teardown ? 'netns-teardown' : 'netns', prefix: result.export.prefix, netns: result.export.netns, script: script.join('\n') + '\n' });
        return;
      }
      await writeLines(io.stdout, script);
    });
}
