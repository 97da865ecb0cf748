/**
 * Findings -> Diagnostics: positions resolved through the source text,
 * `{related}` in hints replaced by the related place's line, duplicates
 * removed, sorted by position (file-level problems first), and capped so a
 * file with thousands of problems still prints something readable.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { Code } from './codes.js';
import { formatPath } from './doc-path.js';
import type { Finding } from './finding.js';
import { MAX_DIAGNOSTICS } from './limits.js';
import type { SourceText } from './source-text.js';

export function toDiagnostics(findings: readonly Finding[], source: SourceText, limit = MAX_DIAGNOSTICS): Diagnostic[] {
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const finding of findings) {
    const diagnostic = resolve(finding, source);
    const key = [diagnostic.code, diagnostic.severity, diagnostic.message, diagnostic.line, diagnostic.col, diagnostic.hint].join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.push(diagnostic);
  }
  diagnostics.sort(byPosition);
  if (diagnostics.length <= limit) return diagnostics;
  const dropped = diagnostics.slice(limit);
  const errors = dropped.filter((d) => d.severity === 'error').length;
  const warnings = dropped.length - errors;
  const counts = [
    errors ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return [
    ...diagnostics.slice(0, limit),
    {
      code: Code.DiagnosticsTruncated,
      severity: errors > 0 ? 'error' : 'warning',
      message: `${counts} more not shown`,
      file: source.file,
      hint: 'fix the problems above first; many of the rest often share their cause',
    },
  ];
}

function resolve(finding: Finding, source: SourceText): Diagnostic {
  const position =
    finding.offset !== undefined
      ? source.position(finding.offset)
      : finding.path !== undefined
        ? source.locate(finding.path, finding.target ?? 'value')
        : undefined;
  let hint = finding.hint;
  if (hint?.includes('{related}')) {
    const related = finding.related === undefined ? undefined : source.locate(finding.related, 'value');
    hint = hint.replace('{related}', related ? `line ${related.line}` : finding.related ? formatPath(finding.related) : 'another place');
  }
  if (hint?.includes('{written|')) {
    const written = position ? writtenAt(source, position.line, position.col) : undefined;
    hint = hint.replace(/\{written\|([^}]*)\}/, (_, fallback: string) => written ?? fallback);
  }
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    file: source.file,
    ...(finding.path !== undefined ? { path: finding.path } : {}),
    ...(position ? { line: position.line, col: position.col } : {}),
    ...(hint !== undefined ? { hint } : {}),
  };
}

/** The plain scalar written at a position (`1.10` in `version: 1.10}`). */
function writtenAt(source: SourceText, line: number, col: number): string | undefined {
  const text = source.line(line)?.slice(col - 1);
  const token = text === undefined ? undefined : /^[^,}\]#\r\n]*/.exec(text)?.[0].trim();
  return token === undefined || token === '' ? undefined : token;
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.col ?? 0) - (b.col ?? 0) ||
    (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
    compare(a.code, b.code) ||
    compare(a.message, b.message)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
