import { formatCidr } from '../../net/cidr.js';
import { formatIPv4 } from '../../net/ipv4.js';
import { nodesTable, podsTable, summarize, summaryTable } from '../../views/summary.js';
import type { CommandContext } from '../context.js';
import { whatIfOf } from '../what-if-options.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { drawTable } from '../table.js';

export async function runValidate(context: CommandContext): Promise<void> {
  const { io, opts, chalk } = await context();
  const { cluster, dataplane } = loadAndBuild(io, chalk, opts.topology, { whatIf: whatIfOf(opts) });
  const summary = summarize(cluster, dataplane.warnings);
  if (opts.output === 'json') {
    writeJson(io.stdout, {
      valid: true,
      ...summary,
      nodes: cluster.nodes.map((n) => ({
        name: n.name,
        role: n.spec.role,
        ip: formatIPv4(n.ip),
        subnet: n.subnet.name,
        podCIDR: formatCidr(n.podCIDR),
        ...(n.calico
          ? {
              ipamBlocks: n.calico.blocks.map(formatCidr),
              ...(n.calico.tunnelAddress !== undefined ? { tunnelAddress: formatIPv4(n.calico.tunnelAddress) } : {}),
            }
          : {}),
        pods: n.pods.length,
      })),
      pods: cluster.pods.map((p) => ({
        name: p.name,
        namespace: p.namespace,
        node: p.node.name,
        ip: formatIPv4(p.ip),
        hostNetwork: p.hostNetwork,
        hostVeth: p.hostVeth?.name,
      })),
    });
    return;
  }
  const lines = [
    ...drawTable(summaryTable(summary), chalk),
    '',
    ...drawTable(nodesTable(cluster), chalk),
    '',
    ...drawTable(podsTable(cluster), chalk),
    '',
    summary.warnings.length === 0
      ? chalk.green('valid: no errors, no warnings')
      : chalk.yellow(`valid, with ${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'} (above, on stderr)`),
  ];
  await writeLines(io.stdout, lines);
}
