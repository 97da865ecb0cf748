/**
 * Loading a topology: text in, result out, nothing else (no file system, no
 * console, no exceptions for user mistakes). The stages stop at the first one
 * that finds errors, since later stages need what earlier ones guarantee:
 *
 *   parse (YAML or JSON, limits)  ->  schema  ->  normalise (defaults,
 *   compact forms)  ->  semantic checks (addresses, names, references)
 *
 * Within a stage every problem is reported at once. Warnings never stop
 * anything; `topology` is present exactly when there is no error.
 */
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { toDiagnostics } from './diagnostics.js';
import type { TopologyDocument } from './document.js';
import type { Finding } from './finding.js';
import { normaliseDocument } from './normalise/normalise.js';
import { parseText } from './parse/parse-text.js';
import { validateDocument } from './schema/validate-document.js';
import { checkTopology } from './semantic/check-topology.js';
import type { SourceText } from './source-text.js';
import type { Topology } from './types.js';

export interface LoadResult {
  /** Present when there are no errors (warnings allowed). */
  readonly topology?: Topology;
  /** Errors and warnings, sorted by position, with file, line and column. */
  readonly diagnostics: Diagnostic[];
  /** The text, for code frames and for positions of later diagnostics (e.g. from src/model). */
  readonly source: SourceText;
}

/** Loads a topology from the text of `file` (the name is used in diagnostics and to spot *.json). */
export function loadTopology(text: string, file: string): LoadResult {
  const parsed = parseText(text, file);
  if (parsed.document === undefined || hasErrors(parsed.findings)) {
    return { diagnostics: toDiagnostics(parsed.findings, parsed.source), source: parsed.source };
  }
  return topologyFromDocument(parsed.document, parsed.source, parsed.findings);
}

/**
 * Validates, normalises and checks an already parsed document: the entry
 * point for callers that change the document before building (the CLI's
 * --set overrides). `source` resolves positions; paths that no longer exist
 * in the text resolve to their nearest written ancestor.
 */
export function topologyFromDocument(document: unknown, source: SourceText, earlier: readonly Finding[] = []): LoadResult {
  const findings: Finding[] = [...earlier];
  const finish = (topology?: Topology): LoadResult => {
    const diagnostics = toDiagnostics(findings, source);
    return topology !== undefined && !hasErrors(diagnostics) ? { topology, diagnostics, source } : { diagnostics, source };
  };

  findings.push(...validateDocument(document));
  if (hasErrors(findings)) return finish();

  const doc = document as TopologyDocument;
  const normalised = normaliseDocument(doc);
  findings.push(...normalised.findings);
  if (normalised.topology === undefined) return finish();

  for (const finding of checkTopology(normalised.topology, doc)) findings.push(finding);
  return finish(normalised.topology);
}
