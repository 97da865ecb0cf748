/**
 * Text to a plain JavaScript value, with every way that can fail turned into
 * findings: size and nesting limits, YAML syntax, duplicate keys, several
 * documents, alias bombs, a top level that is not a mapping.
 *
 * JSON is a fast path (JSON.parse is ~50x faster than the yaml package):
 * taken for *.json files and text starting with `{`. When JSON.parse refuses
 * the text, it is read as YAML instead (YAML 1.2 flow style is a superset of
 * JSON, and `{apiVersion: netlab/v1, ...}` is valid YAML but not JSON).
 */
import { parseDocument, isMap, isSeq, isScalar, visit, type Document, type YAMLError } from 'yaml';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import { Code } from '../codes.js';
import { error, warning, type Finding } from '../finding.js';
import { MAX_ALIAS_EXPANSION, MAX_DEPTH, MAX_EXPANDED_VALUES, MAX_JSON_CHARS, MAX_YAML_CHARS } from '../limits.js';
import { SourceText } from '../source-text.js';
import { findDepthProblem } from './depth.js';
import { findExcessiveFlowNesting } from './flow-depth.js';
import { findJsonStructureProblems, JsonPathLocator } from './json-text.js';
import { YamlPathLocator } from './locate-yaml.js';
import { measureExpansion, toData } from './yaml-expansion.js';

export type InputFormat = 'yaml' | 'json';

export interface ParsedText {
  /** The document as plain data: present only when it parsed cleanly and is a mapping. */
  readonly document?: Record<string, unknown>;
  readonly findings: Finding[];
  readonly source: SourceText;
  readonly format: InputFormat;
}

export function looksLikeJson(text: string, file: string): boolean {
  if (/\.json$/i.test(file)) return true;
  const first = /[^\s\ufeff]/.exec(text);
  return first?.[0] === '{';
}

export function parseText(text: string, file: string): ParsedText {
  const control = firstNonPrintable(text);
  if (control !== undefined) return notText(text, file, control);
  if (looksLikeJson(text, file)) {
    if (text.length > MAX_JSON_CHARS) return tooLarge(text, file, 'json');
    const parsed = parseJson(text, file);
    if (parsed !== undefined) return parsed;
    // Not JSON after all: YAML gives positioned errors, or accepts it.
    if (text.length > MAX_YAML_CHARS) return jsonSyntaxOnly(text, file);
    return parseYaml(text, file, 'json');
  }
  if (text.length > MAX_YAML_CHARS) return tooLarge(text, file, 'yaml');
  return parseYaml(text, file, 'yaml');
}

/** undefined when JSON.parse refuses the text. */
function parseJson(text: string, file: string): ParsedText | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
  const located = new SourceText(file, text, () => new JsonPathLocator(text));
  const netlab = value === null || typeof value !== 'object' || Array.isArray(value) || isNetlabDocument(Object.keys(value));
  const source = netlab ? located : located.unquotable();
  const findings: Finding[] = [];
  for (const problem of findJsonStructureProblems(text, MAX_DEPTH)) {
    if (problem.kind === 'too-deep') {
      findings.push(tooDeep({ offset: problem.offset }));
    } else if (netlab) {
      const first = source.position(problem.firstOffset);
      findings.push(
        error(Code.DuplicateKey, `duplicate key '${problem.key}'`, undefined, {
          offset: problem.offset,
          hint: `'${problem.key}' is already set at line ${first.line}, column ${first.col}; a mapping holds each key once`,
        }),
      );
    }
  }
  if (findings.length === 0 && !netlab) return notNetlab(source, 'json');
  if (findings.length > 0) return { findings, source, format: 'json' };
  return withRoot(value, findings, source, 'json');
}

/** JSON too big to re-read as YAML for a better message: report what JSON.parse said. */
function jsonSyntaxOnly(text: string, file: string): ParsedText {
  let message = 'invalid JSON';
  let offset: number | undefined;
  try {
    JSON.parse(text);
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    const position = / at position (\d+)/.exec(raw);
    offset = position ? Number(position[1]) : undefined;
    message = lowerFirst(raw.replace(/ in JSON at position \d+.*$/s, '').replace(/ at position \d+.*$/s, ''));
  }
  const source = new SourceText(file, text, () => new JsonPathLocator(text));
  return { findings: [error(Code.JsonSyntax, message, undefined, offset === undefined ? {} : { offset })], source, format: 'json' };
}

function parseYaml(text: string, file: string, format: InputFormat): ParsedText {
  const deepAt = findExcessiveFlowNesting(text, MAX_DEPTH);
  if (deepAt !== undefined) return { findings: [tooDeep({ offset: deepAt })], source: unlocatedSource(file, text), format };

  const doc = parseDocument(text, { prettyErrors: false, merge: true, uniqueKeys: true, keepSourceTokens: false });
  // Only a netlab document is quoted in code frames and messages: text that did not get as far as a mapping,
  // or a mapping none of whose keys netlab knows, is someone else's file (a config, /etc/shadow), not a topology with a mistake.
  const netlab =
    isMap(doc.contents) &&
    isNetlabDocument((doc.contents.items as { key: unknown }[]).map((pair) => (isScalar(pair.key) ? String(pair.key.value) : '')));
  const located = new SourceText(file, text, () => new YamlPathLocator(doc));
  const source = netlab ? located : located.unquotable();
  const findings: Finding[] = [
    ...doc.errors.map((e) => yamlProblem(e, text, format, 'error', netlab)),
    ...doc.warnings.map((e) => yamlProblem(e, text, format, 'warning', netlab)),
  ];
  if (doc.errors.length > 0) return { findings, source, format };

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    findings.push(emptyFileError());
    return { findings, source: located, format };
  }
  if (!isMap(root)) {
    const found = isSeq(root) ? 'a list' : 'a single value';
    findings.push(rootError(found, root.range?.[0] ?? 0));
    return { findings, source, format };
  }

  const data = yamlDocumentData(doc, text);
  findings.push(...data.findings);
  if (data.findings.some((f) => f.severity === 'error')) return { findings, source, format };
  const value = data.value;
  if (!netlab) return notNetlab(source, format);
  return withRoot(value, findings, source, format);
}

const startHint = 'a topology starts with apiVersion: netlab/v1 and kind: Cluster (see docs/topology.md)';

/**
 * The top-level keys of a topology and of a lab (schemas/*.schema.json; a
 * test keeps this list complete), and the `x-` keys that hold anchors.
 */
export const NETLAB_KEYS: ReadonlySet<string> = new Set([
  '$schema',
  'apiVersion',
  'kind',
  'metadata',
  'network',
  'subnets',
  'nodes',
  'nodePools',
  'namespaces',
  'pods',
  'deployments',
  'deploymentSets',
  'services',
  'serviceSets',
  'networkPolicies',
  'faults',
  'topology',
  'set',
  'steps',
]);

/** A mapping with a key netlab knows, or with none at all (`{}`: the schema says what is missing). */
function isNetlabDocument(keys: readonly string[]): boolean {
  return keys.length === 0 || keys.some((key) => NETLAB_KEYS.has(key) || key.startsWith('x-'));
}

function notNetlab(source: SourceText, format: InputFormat = 'yaml'): ParsedText {
  return {
    findings: [
      error(Code.DocumentRoot, 'this is not a netlab file: none of its top-level keys is one netlab knows', undefined, {
        offset: 0,
        hint: startHint,
      }),
    ],
    source: source.unquotable(),
    format,
  };
}

function withRoot(value: unknown, findings: Finding[], source: SourceText, format: InputFormat): ParsedText {
  if (value === null || value === undefined) {
    findings.push(emptyFileError());
    return { findings, source, format };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    findings.push(rootError(Array.isArray(value) ? 'a list' : 'a single value', 0));
    return { findings, source: source.unquotable(), format };
  }
  return { document: value as Record<string, unknown>, findings, source, format };
}

function emptyFileError(): Finding {
  return error(Code.DocumentRoot, 'the file is empty', undefined, { offset: 0, hint: startHint });
}

function rootError(found: string, offset: number): Finding {
  return error(Code.DocumentRoot, `expected a mapping at the top level, found ${found}`, undefined, { offset, hint: startHint });
}

function tooLarge(text: string, file: string, format: InputFormat): ParsedText {
  const { message, hint } = inputTooLargeMessage(text.length, format);
  return { findings: [error(Code.InputTooLarge, message, undefined, { hint })], source: unlocatedSource(file, text), format };
}

/** The words for input over the size limit of its format; `size` (characters or bytes) when known. */
export function inputTooLargeMessage(size: number | undefined, format: InputFormat): { message: string; hint: string } {
  const limit = format === 'json' ? MAX_JSON_CHARS : MAX_YAML_CHARS;
  const hint =
    format === 'json'
      ? 'generate the cluster with nodePools, deploymentSets and serviceSets instead of listing it'
      : `write large clusters with nodePools, deploymentSets and serviceSets, or as JSON (up to ${mib(MAX_JSON_CHARS)})`;
  const is = size === undefined ? `more than ${mib(limit)}` : mib(size);
  return { message: `the file is ${is}; ${format.toUpperCase()} input is limited to ${mib(limit)}`, hint };
}

/**
 * Characters YAML does not allow in a stream (YAML 1.2, 5.1: C0 controls but
 * tab, LF and CR; DEL; C1 controls but NEL; U+FFFE, U+FFFF; unpaired
 * surrogates). JSON text cannot hold them unescaped either, except DEL and C1
 * inside strings, which no topology needs. A NUL byte means a binary file.
 */
/* eslint-disable no-control-regex -- control characters are what it finds (a block: the line is too long to stay one) */
const NON_PRINTABLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/* eslint-enable no-control-regex */

function firstNonPrintable(text: string): number | undefined {
  const match = NON_PRINTABLE.exec(text);
  return match === null ? undefined : match.index;
}

/** Not text: where the first offending character is and which it is, never the text around it. */
function notText(text: string, file: string, offset: number): ParsedText {
  const code = text.charCodeAt(offset);
  const what =
    code === 0
      ? 'a NUL byte'
      : code >= 0xd800 && code <= 0xdfff
        ? 'an unpaired surrogate'
        : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    findings: [
      error(Code.InputNotText, `the file is not a text file: it holds ${what}`, undefined, {
        offset,
        hint: 'a topology is YAML or JSON text',
      }),
    ],
    source: unlocatedSource(file, text).unquotable(),
    format: 'yaml',
  };
}

/** The text of a file that was not parsed: positions by offset only, no document paths. */
function unlocatedSource(file: string, text: string): SourceText {
  return new SourceText(file, text, () => ({ locate: () => undefined }));
}

export function tooDeep(at: { offset?: number; path?: DocPath }): Finding {
  return error(Code.InputTooDeep, `the document nests more than ${MAX_DEPTH} levels deep`, at.path, {
    ...(at.offset !== undefined ? { offset: at.offset } : {}),
    hint: 'a topology nests about 10 levels; this looks like a generated or hostile file',
  });
}

/** Hints for the yaml package's error codes people meet most. */
const YAML_HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: 'YAML indents with spaces only',
  BAD_INDENT: 'check the indentation: items of one list or mapping line up',
  MISSING_CHAR: 'a flow collection ([...] or {...}) is not closed',
  BLOCK_AS_IMPLICIT_KEY: 'is a ": " missing, or a value wrapped onto the next line?',
  MULTILINE_IMPLICIT_KEY: 'is a ": " missing, or a value wrapped onto the next line?',
  BAD_ALIAS: 'an alias (*name) needs an anchor (&name) defined before it',
  TAG_RESOLVE_FAILED: 'netlab uses plain YAML: drop the tag',
};

/** `quote`: whether the message may repeat text of the file (a duplicate key's name). */
export function yamlProblem(e: YAMLError, text: string, format: InputFormat, severity: 'error' | 'warning', quote = true): Finding {
  const offset = e.pos[0];
  const make = severity === 'error' ? error : warning;
  switch (e.code) {
    case 'DUPLICATE_KEY': {
      const key = quote ? ` '${keyTextAt(text, offset)}'` : '';
      return make(Code.DuplicateKey, `duplicate key${key}`, undefined, {
        offset,
        hint: 'a mapping holds each key once: remove or rename one of them',
      });
    }
    case 'MULTIPLE_DOCS':
      return make(Code.YamlMultipleDocuments, 'the file holds more than one YAML document', undefined, {
        offset,
        hint: "netlab reads one cluster per file: remove the '---' line, or split the file",
      });
    case 'RESOURCE_EXHAUSTION':
      return tooDeep({ offset });
    default:
      return make(
        format === 'json' ? Code.JsonSyntax : Code.YamlSyntax,
        lowerFirst(e.message.replace(/ at line \d+, column \d+.*$/s, '')),
        undefined,
        {
          offset,
          hint: YAML_HINTS[e.code],
        },
      );
  }
}

/** The key written at `offset` (yaml reports only where a duplicate key starts). */
function keyTextAt(text: string, offset: number): string {
  const quote = text[offset];
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, offset + 1);
    return text.slice(offset + 1, end < 0 ? undefined : end);
  }
  return /^[^\n]*?(?=:(?:\s|$)|[,}\]\n]|$)/.exec(text.slice(offset, offset + 1024))?.[0].trim() ?? '';
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function lowerFirst(message: string): string {
  return message.length > 1 && /^[A-Z][a-z]/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message;
}

function mib(chars: number): string {
  const value = chars / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/**
 * A parsed YAML document (without errors) as plain data, with the guards
 * every YAML input gets: nesting, merge keys and alias expansion measured
 * before anything is expanded, collection keys as warnings, cycles and depth
 * checked after. `value` is present when no finding is an error. Paths in
 * findings are the document's own.
 */
export function yamlDocumentData(doc: Document, text: string): { value?: unknown; findings: Finding[] } {
  const findings: Finding[] = [];
  const expansion = measureExpansion(doc, MAX_DEPTH);
  if (expansion.problem?.kind === 'too-deep') {
    findings.push(tooDeep({ offset: expansion.problem.offset }));
    return { findings };
  }
  if (expansion.problem?.kind === 'merge-cycle') {
    findings.push(
      error(Code.InputTooDeep, 'a merge key refers to the mapping that contains it, so the document would be infinitely deep', undefined, {
        offset: expansion.problem.offset,
        hint: 'an alias (*name) cannot be used inside the node its anchor (&name) marks',
      }),
    );
    return { findings };
  }
  if (expansion.problem?.kind === 'bad-merge') {
    findings.push(
      error(Code.YamlMerge, 'a merge key (<<) takes a mapping, an alias of one, or a list of those', undefined, {
        offset: expansion.problem.offset,
        hint: 'e.g. <<: *worker, where worker is an anchor (&worker) on a mapping',
      }),
    );
    return { findings };
  }
  // Expanding is refused only beyond the written size: a big file without aliases is the size limit's business.
  const allowed = Math.min(MAX_ALIAS_EXPANSION * expansion.written, Math.max(expansion.written, MAX_EXPANDED_VALUES));
  if (expansion.expanded > allowed) {
    const fold = expansion.expanded > MAX_ALIAS_EXPANSION * expansion.written;
    findings.push(
      error(
        Code.YamlAliasLimit,
        fold
          ? `aliases expand the document too much (more than ${MAX_ALIAS_EXPANSION}-fold)`
          : `aliases expand the document to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values`,
        undefined,
        {
          offset: firstAliasOffset(doc),
          hint: 'this looks like an alias bomb ("billion laughs"); write the data out or use the compact forms',
        },
      ),
    );
    return { findings };
  }

  const converted = toData(doc, text, expansion.targets);
  for (const key of converted.collectionKeys) {
    findings.push(
      warning(Code.YamlSyntax, `a mapping key that is a list or a mapping is read as the text '${key.text}'`, undefined, {
        offset: key.offset,
        hint: 'netlab reads keys as text: write the key as a plain word',
      }),
    );
  }
  const value = converted.value;
  const problem = findDepthProblem(value, MAX_DEPTH);
  if (problem?.kind === 'cycle') {
    findings.push(
      error(Code.InputTooDeep, 'an alias refers to a collection that contains it, so the document would be infinitely deep', problem.path, {
        hint: 'an alias (*name) cannot be used inside the node its anchor (&name) marks',
      }),
    );
    return { findings };
  }
  if (problem) {
    findings.push(tooDeep({ path: problem.path }));
    return { findings };
  }
  return { value, findings };
}
