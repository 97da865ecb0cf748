import type { ChalkInstance } from 'chalk';
import { UsageError } from '../../diagnostics/diagnostic.js';
import type { ProbeOptions } from '../../dataplane/probes.js';
import { changeLines, matrixLines, nodeDiffLines, pairFactsTable, pairHopsTable, type DiffStyle } from '../../views/diff-text.js';
import { compareMatrices } from '../../whatif/diff/compare.js';
import { matrixAxes } from '../../whatif/diff/endpoints.js';
import { computeMatrix, type CellOrAbsent } from '../../whatif/diff/matrix.js';
import { diffPair, type SideOfPair } from '../../whatif/diff/pair.js';
import { buildVariant, NO_WHAT_IF, type Variant, type WhatIf } from '../../whatif/variant.js';
import { faultLabel } from '../../whatif/faults.js';
import type { CommandContext } from '../context.js';
import { type Io, writeJson, writeLines } from '../output.js';
import { ExitError } from '../exit-error.js';
import { readTopologySource, reportDiagnostics } from '../pipeline.js';
import { hasWhatIf, whatIfOf } from '../what-if-options.js';
import { intOption } from '../int-option.js';
import { drawTable } from '../table.js';

export interface DiffOptions {
  pair?: string[];
  node?: string;
  maxPods?: string;
  port?: string;
  proto?: 'icmp' | 'tcp' | 'udp';
}

export function diffStyle(chalk: ChalkInstance): DiffStyle {
  return { lost: chalk.red, gained: chalk.green, changed: chalk.yellow, heading: chalk.bold, dim: chalk.dim };
}

function whatIfWords(whatIf: WhatIf): string[] {
  return [...whatIf.sets.map((s) => `--set ${s}`), ...whatIf.faults.map(faultLabel)];
}

export async function runDiff(context: CommandContext, files: string[], options: DiffOptions): Promise<void> {
  const { io, opts, chalk } = await context();
  const whatIf = whatIfOf(opts);
  const style = diffStyle(chalk);
  if (options.pair && options.pair.length !== 2)
    throw new UsageError(
      `--pair takes FROM TO, not ${options.pair.length} word${options.pair.length === 1 ? '' : 's'}`,
      'e.g. netlab diff --fail node-03 --pair pod-a pod-b',
    );
  if (options.pair && options.node) throw new UsageError('--pair and --node cannot be combined', 'run netlab diff twice');
  if (files.length !== 0 && files.length !== 2)
    throw new UsageError(
      `netlab diff takes two files (baseline and variant) or none, not ${files.length}`,
      'netlab diff A.yaml B.yaml, or netlab diff -f A.yaml --set PATH=VALUE',
    );
  if (files.length === 0 && !hasWhatIf(whatIf)) {
    throw new UsageError(
      'nothing to compare: the variant is the same as the baseline',
      'give a change (--set PATH=VALUE, --fail NODE, --link-down TARGET:DEV, ...) or two files',
    );
  }
  const probe = probeOf(options);

  // Baseline first: its problems are reported before the variant's.
  const baseSource = readTopologySource(io, chalk, files[0] ?? opts.topology);
  const varSource = files.length === 2 ? readTopologySource(io, chalk, files[1]) : baseSource;
  const baseline = buildVariant(baseSource.text, baseSource.file, NO_WHAT_IF);
  reportDiagnostics(io, chalk, baseline, baseSource.file, { quietWarnings: true });
  const variant = buildVariant(varSource.text, varSource.file, whatIf);
  reportDiagnostics(io, chalk, variant, `${varSource.file} (variant)`, { quietWarnings: true });
  const sides = { baseline: { file: baseSource.file }, variant: { file: varSource.file, whatIf: whatIfWords(whatIf) } };

  if (options.pair) {
    const [from, to] = options.pair as [string, string];
    const pair = diffPair(baseline.dataplane!, variant.dataplane!, from, to, probe);
    if (opts.output === 'json') {
      writeJson(io.stdout, {
        ...sides,
        from,
        to,
        baselineTrace: sideJson(pair.baseline),
        variantTrace: sideJson(pair.variant),
        changed: pair.changed,
        reachabilityChanged: pair.reachabilityChanged,
      });
    } else {
      const lines = [
        ...drawTable(pairFactsTable(pair, style), chalk),
        '',
        ...drawTable(pairHopsTable(pair), chalk),
        '',
        pair.reachabilityChanged
          ? style.lost(
              `reachability changed: ${pair.baseline.facts.disposition} → ${pair.variant.facts.disposition}: ${pair.variant.facts.summary}`,
            )
          : style.gained(
              `reachability unchanged: ${pair.variant.facts.disposition}${pair.changed.length ? ` (changed: ${pair.changed.join(', ')})` : ''}`,
            ),
      ];
      await writeLines(io.stdout, lines);
    }
    if (pair.reachabilityChanged) throw new ExitError(1);
    return;
  }

  if (options.node) {
    const { diffNode } = await import('../../exec/node-diff.js');
    const node = diffNode(baseline.dataplane!, variant.dataplane!, options.node);
    if (opts.output === 'json') writeJson(io.stdout, { ...sides, ...node });
    else await writeLines(io.stdout, nodeDiffLines(node, style));
    if (node.changed) throw new ExitError(1);
    return;
  }

  const result = matrixDiff(baseline, variant, intOption(options.maxPods, 'max-pods', 1, 1000), probe, progressLine(io));
  if (opts.output === 'json') {
    writeJson(io.stdout, {
      ...sides,
      probe: probeWords(probe),
      rows: result.axes.rows.map((r) => r.label),
      columns: result.axes.columns.map((c) => c.label),
      ...(result.axes.note ? { note: result.axes.note } : {}),
      counts: result.counts,
      reachabilityChanged: result.reachabilityChanged,
      cells: result.cells.map((c) => ({
        from: c.from.label,
        to: c.to.label,
        change: c.change,
        ...(c.reason ? { reason: c.reason } : {}),
        baseline: cellJson(c.baseline),
        variant: cellJson(c.variant),
      })),
    });
  } else {
    const header = [
      style.dim(`baseline: ${baseSource.file}`),
      style.dim(`variant:  ${varSource.file}${whatIfWords(whatIf).length ? ` with ${whatIfWords(whatIf).join(' ')}` : ''}`),
      '',
    ];
    await writeLines(io.stdout, [...header, ...matrixLines(result, style, probeWords(probe)), '', ...changeLines(result, style)]);
  }
  if (result.reachabilityChanged) throw new ExitError(1);
}

function matrixDiff(baseline: Variant, variant: Variant, maxPods: number | undefined, probe: ProbeOptions, progress?: Progress) {
  const axes = matrixAxes(baseline.cluster!, variant.cluster!, maxPods !== undefined ? { maxPods } : {});
  const base = computeMatrix(baseline.dataplane!, axes, probe, progress && ((done, total) => progress('baseline', done, total)));
  const varied = computeMatrix(variant.dataplane!, axes, probe, progress && ((done, total) => progress('variant', done, total)));
  progress?.('', 0, 0);
  return compareMatrices(axes, base, varied);
}

type Progress = (side: string, done: number, total: number) => void;

/**
 * A matrix over a big cluster takes a while: on a terminal, one line on
 * stderr says how far it is (redrawn at most every 200 ms, erased at the
 * end). Never in a pipe or a file, so output stays the same there.
 */
function progressLine(io: Io): Progress | undefined {
  if (!io.stderr.isTTY) return undefined;
  const started = Date.now();
  let drawn = 0;
  return (side, done, total) => {
    if (total === 0) {
      if (drawn > 0) io.stderr.write('\r\x1b[K');
      return;
    }
    const now = Date.now();
    if (now - started < 1000 || now - drawn < 200) return;
    drawn = now;
    io.stderr.write(`\r\x1b[Knetlab: walking the ${side}: ${done}/${total} cells`);
  };
}

function probeOf(options: DiffOptions): ProbeOptions {
  const port = intOption(options.port, 'port', 1, 65535);
  if (options.proto === 'icmp' && port !== undefined) throw new UsageError('icmp has no ports', 'drop --port, or use --proto tcp or udp');
  return { ...(options.proto ? { protocol: options.proto } : {}), ...(port !== undefined ? { dport: port } : {}) };
}

function probeWords(probe: ProbeOptions): string {
  const protocol = probe.protocol ?? (probe.dport !== undefined ? 'tcp' : 'icmp');
  return protocol === 'icmp' ? 'icmp echo' : `${protocol}/${probe.dport ?? (protocol === 'udp' ? 33434 : 80)}`;
}

function cellJson(cell: CellOrAbsent): unknown {
  if (cell === 'absent') return null;
  const { path: _path, at: _at, ...rest } = cell;
  return rest;
}

function sideJson(side: SideOfPair): unknown {
  return { facts: side.facts, trace: side.trace };
}
