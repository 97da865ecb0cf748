/**
 * A problem found while loading, before it has a line and column. Stages
 * report either a document path (schema and semantic checks) or a text
 * offset (the parsers); load.ts resolves both through SourceText once, at the
 * end, so positions are only computed for files that have problems.
 */
import type { DocPath, Severity } from '../diagnostics/diagnostic.js';
import type { Code } from './codes.js';

/** Which part of a `key: value` pair a path-based finding points at. */
export type PathTarget = 'key' | 'value';

export interface Finding {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
  /** Where in the document; resolved to the key or the value (default) of the last segment. */
  readonly path?: DocPath;
  readonly target?: PathTarget;
  /** Where in the text, for problems found before there is a document (syntax errors). */
  readonly offset?: number;
  /**
   * Another place the problem involves (the first of two duplicates). `{related}`
   * in the hint is replaced by its line ("line 12") when positions are resolved.
   */
  readonly related?: DocPath;
}

interface FindingOptions {
  readonly hint?: string | undefined;
  readonly target?: PathTarget;
  readonly offset?: number;
  readonly related?: DocPath;
}

function make(severity: Finding['severity'], code: Code, message: string, path: DocPath | undefined, options: FindingOptions): Finding {
  return {
    code,
    severity,
    message,
    ...(options.hint !== undefined ? { hint: options.hint } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    ...(options.related !== undefined ? { related: options.related } : {}),
  };
}

export function error(code: Code, message: string, path?: DocPath, options: FindingOptions = {}): Finding {
  return make('error', code, message, path, options);
}

export function warning(code: Code, message: string, path?: DocPath, options: FindingOptions = {}): Finding {
  return make('warning', code, message, path, options);
}
