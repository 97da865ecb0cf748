/**
 * `netlab diff --node`: one node's (or pod's) tool outputs, baseline against
 * variant, as unified diffs per command. src/exec/node-diff.ts runs the
 * emulated tools and fills it; the diff view prints it.
 */

export interface CommandDiff {
  readonly command: string;
  /** Unified diff hunks (`@@ ... @@`, ` `, `-`, `+` lines); empty when equal. */
  readonly hunks: readonly string[];
}

export interface NodeDiff {
  readonly target: string;
  /** Absent when the target exists in one build only. */
  readonly missing?: 'baseline' | 'variant';
  readonly commands: readonly CommandDiff[];
  readonly changed: boolean;
}
