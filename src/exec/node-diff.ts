/**
 * `netlab diff --node node-02`: what the real tools print on one node (or
 * pod) in the baseline and in the variant, as unified diffs, one per
 * command, through the same emulated command line as `netlab exec`. What
 * it returns is data of the what-if (src/whatif/diff/command-diff.ts).
 */
import type { Dataplane } from '../dataplane/build.js';
import { routeGet } from '../dataplane/route-get.js';
import { runEmulated } from './run.js';
import type { NetNs } from '../kernel/netns.js';
import { netnsOf } from '../dataplane/endpoints.js';
import type { CommandDiff, NodeDiff } from '../whatif/diff/command-diff.js';
import { unifiedHunks } from '../whatif/diff/unified.js';

/** The commands compared, in the order people look at a node. */
export const NODE_DIFF_COMMANDS: readonly (readonly string[])[] = [
  ['ip', '-d', 'link', 'show'],
  ['ip', 'addr', 'show'],
  ['ip', 'route', 'show', 'table', 'all'],
  ['ip', 'rule', 'show'],
  ['ip', 'neigh', 'show'],
  ['bridge', 'fdb', 'show'],
  ['iptables-save'],
];

function output(dataplane: Dataplane, ns: NetNs, argv: readonly string[]): string[] {
  const result = runEmulated(ns, argv, { dataplane, routeGet });
  return [...result.stdout, ...result.stderr.map((l) => `(stderr) ${l}`)];
}

/** Throws UsageError (with a did-you-mean) when the target exists in neither build. */
export function diffNode(baseline: Dataplane, variant: Dataplane, target: string): NodeDiff {
  let a: NetNs | undefined;
  let b: NetNs | undefined;
  let firstError: unknown;
  try {
    a = netnsOf(baseline, target);
  } catch (e) {
    firstError = e;
  }
  try {
    b = netnsOf(variant, target);
  } catch (e) {
    firstError ??= e;
  }
  if (!a && !b) throw firstError;
  const commands = NODE_DIFF_COMMANDS.map((argv): CommandDiff => ({
    command: argv.join(' '),
    hunks: unifiedHunks(a ? output(baseline, a, argv) : [], b ? output(variant, b, argv) : []),
  }));
  const name = (a ?? b)!.displayName;
  return {
    target: name,
    ...(!a ? { missing: 'baseline' as const } : !b ? { missing: 'variant' as const } : {}),
    commands,
    changed: commands.some((c) => c.hunks.length > 0),
  };
}
