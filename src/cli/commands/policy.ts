/** `netlab policy`: the NetworkPolicy reachability matrix (src/views/policy.ts). */
import { UsageError } from '../../diagnostics/diagnostic.js';
import { policyContext } from '../../model/policy.js';
import { deniedLines, matrixTable, MATRIX_MAX_PODS, policyMatrix, selectPods, type MatrixOptions } from '../../views/policy.js';
import type { CommandContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { whatIfOf } from '../what-if-options.js';
import { intOption } from '../int-option.js';
import { drawTable } from '../table.js';

export interface PolicyOptions {
  namespace: string[];
  port?: string;
  proto: 'tcp' | 'udp' | 'sctp';
}

export async function runPolicy(context: CommandContext, options: PolicyOptions): Promise<void> {
  const { io, opts, chalk } = await context();
  const { cluster } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
  const known = new Set(cluster.topology.namespaces.map((n) => n.name));
  for (const ns of options.namespace) {
    if (!known.has(ns)) throw new UsageError(`unknown namespace '${ns}'`, `namespaces: ${[...known].join(', ')}`);
  }
  const portNumber = intOption(options.port, 'port', 1, 65535);
  const port: MatrixOptions['port'] = portNumber !== undefined ? { protocol: options.proto, port: portNumber } : undefined;
  const matrixOptions: MatrixOptions = { namespaces: options.namespace, ...(port ? { port } : {}) };
  const pods = selectPods(cluster, matrixOptions);
  if (pods.length > MATRIX_MAX_PODS) {
    throw new UsageError(
      `${pods.length} pods are too many for a matrix (at most ${MATRIX_MAX_PODS})`,
      'narrow it with --namespace NS (repeatable)',
    );
  }
  const matrix = policyMatrix(cluster, policyContext(cluster), pods, matrixOptions);
  if (opts.output === 'json') {
    writeJson(io.stdout, matrix);
    return;
  }
  const denied = deniedLines(matrix);
  const lines = drawTable(matrixTable(matrix), chalk);
  if (denied.length > 0)
    lines.push(
      '',
      chalk.bold(matrix.enforcedBy === 'none' ? 'would be denied (not enforced):' : 'denied:'),
      ...denied.map((l) => `  ${l}`),
    );
  await writeLines(io.stdout, lines);
}
