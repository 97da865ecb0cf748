/**
 * Nesting checks on the parsed value: YAML anchors can make a value nest
 * itself (`&a [*a]` parses to a circular array) and aliases can stack
 * nesting beyond what the text shows. Everything downstream walks the value,
 * so it must be finite and shallow.
 */
import type { DocPath } from '../../diagnostics/diagnostic.js';

export type DepthProblem = { readonly kind: 'too-deep' | 'cycle'; readonly path: DocPath };

/** The first place the value nests deeper than `limit`, or contains itself. */
export function findDepthProblem(value: unknown, limit: number): DepthProblem | undefined {
  const ancestors: object[] = [];
  const path: (string | number)[] = [];
  // Recursion is bounded by `limit`, so it cannot exhaust the stack.
  const visit = (node: unknown): DepthProblem | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    if (ancestors.includes(node)) return { kind: 'cycle', path: [...path] };
    if (ancestors.length >= limit) return { kind: 'too-deep', path: [...path] };
    ancestors.push(node);
    const entries: Iterable<[string | number, unknown]> = Array.isArray(node) ? node.entries() : Object.entries(node);
    for (const [key, child] of entries) {
      path.push(key);
      const problem = visit(child);
      path.pop();
      if (problem) return problem;
    }
    ancestors.pop();
    return undefined;
  };
  return visit(value);
}
