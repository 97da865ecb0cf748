/**
 * Errors are data: every problem with user input is a Diagnostic with a
 * stable code, a position in the source file and a hint. Validation collects
 * all of them; `throw` is kept for bugs.
 */
export type Severity = 'error' | 'warning';

/** A path into the parsed document: keys and list indexes, as ajv's instancePath splits it. */
export type DocPath = ReadonlyArray<string | number>;

export interface SourcePosition {
  /** 1-based, as editors count. */
  readonly line: number;
  readonly col: number;
}

export interface Diagnostic {
  /** Stable, documented code, e.g. `NL-SCHEMA-TYPE`, `NL-CIDR-OVERLAP`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** The file the problem is in (absent for command-line problems). */
  readonly file?: string;
  /** Where in the document; resolved to line/col by the loader's source map. */
  readonly path?: DocPath;
  readonly line?: number;
  readonly col?: number;
  /** One short sentence on how to fix it (often a did-you-mean). */
  readonly hint?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * A user mistake found outside the topology file (command line arguments,
 * unknown names). The CLI turns it into exit code 2; it is not a bug.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
