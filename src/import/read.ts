/**
 * The input of `netlab import` as parsed objects, each with where it came
 * from: a `kubectl get -o json` (or -o yaml) List, a single object, or a
 * stream of YAML documents (`---`), in one or several files. Parsing is the
 * topology loader's (same limits, same syntax messages); what differs is that
 * a file may hold several documents and each must be a Kubernetes object.
 */
import { isScalar, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic, DocPath } from '../diagnostics/diagnostic.js';
import { toDiagnostics } from '../topology/diagnostics.js';
import { error, type Finding } from '../topology/finding.js';
import { MAX_DEPTH, MAX_YAML_CHARS } from '../topology/limits.js';
import { findExcessiveFlowNesting } from '../topology/parse/flow-depth.js';
import { YamlPathLocator } from '../topology/parse/locate-yaml.js';
import { looksLikeJson, parseText, tooDeep, yamlDocumentData, yamlProblem } from '../topology/parse/parse-text.js';
import { SourceText } from '../topology/source-text.js';
import { Code } from '../topology/codes.js';
import { ImportCode } from './codes.js';

/** One file of input, as read by the caller (the CLI reads files, directories and stdin). */
export interface InputFile {
  /** As the user named it (`-` is stdin). */
  readonly file: string;
  readonly text: string;
}

/** Where an object is: its file's text and its path there (the first segment is the document's index). */
export interface Where {
  readonly source: SourceText;
  readonly path: DocPath;
}

/** A mapping read from the input: a candidate Kubernetes object. */
export interface RawObject {
  readonly value: Record<string, unknown>;
  readonly at: Where;
}

export interface ReadResult {
  readonly objects: RawObject[];
  readonly diagnostics: Diagnostic[];
  /** Every file's text, for code frames. */
  readonly sources: ReadonlyMap<string, SourceText>;
}

const IMPORT_HINT =
  'netlab import reads Kubernetes objects: `kubectl get nodes,pods,services,endpointslices,networkpolicies -A -o json` prints them as a List';

export function readInputs(inputs: readonly InputFile[]): ReadResult {
  const objects: RawObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceText>();
  for (const input of inputs) {
    const parsed = parseFile(input);
    sources.set(input.file, parsed.source);
    diagnostics.push(...toDiagnostics(parsed.findings, parsed.source).map(withImportHints));
    parsed.documents.forEach((document, index) => {
      if (document === null) return; // an empty document (a stray `---`)
      const at: Where = { source: parsed.source, path: [index] };
      if (typeof document !== 'object' || Array.isArray(document)) {
        diagnostics.push(
          problemAt(
            at,
            ImportCode.NotAnObject,
            `expected a Kubernetes object (a mapping with apiVersion and kind), found ${Array.isArray(document) ? 'a list' : 'a single value'}`,
            IMPORT_HINT,
          ),
        );
        return;
      }
      flatten(document as Record<string, unknown>, at, objects, diagnostics);
    });
  }
  return { objects, diagnostics, sources };
}

/** A List's items become objects of their own (kubectl prints a List for several kinds). */
function flatten(value: Record<string, unknown>, at: Where, objects: RawObject[], diagnostics: Diagnostic[]): void {
  const kind = value['kind'];
  if (typeof kind === 'string' && /List$/.test(kind) && Array.isArray(value['items'])) {
    (value['items'] as unknown[]).forEach((item, i) => {
      const itemAt: Where = { source: at.source, path: [...at.path, 'items', i] };
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        diagnostics.push(problemAt(itemAt, ImportCode.NotAnObject, "expected a Kubernetes object in the List's items", IMPORT_HINT));
        return;
      }
      // A typed list (`kubectl get pods -o json` prints kind: PodList) gives items without kind.
      const typed = item as Record<string, unknown>;
      const itemKind = typed['kind'] ?? (kind !== 'List' ? kind.slice(0, -'List'.length) : undefined);
      const apiVersion = typed['apiVersion'] ?? value['apiVersion'];
      flatten(
        { ...typed, ...(itemKind !== undefined ? { kind: itemKind } : {}), ...(apiVersion !== undefined ? { apiVersion } : {}) },
        itemAt,
        objects,
        diagnostics,
      );
    });
    return;
  }
  objects.push({ value, at });
}

export function problemAt(
  at: Where,
  code: string,
  message: string,
  hint?: string,
  severity: 'error' | 'warning' = 'error',
  target: 'key' | 'value' = 'value',
): Diagnostic {
  const position = at.source.locate(at.path, target);
  return {
    code,
    severity,
    message,
    file: at.source.file,
    path: at.path,
    ...(position ? { line: position.line, col: position.col } : {}),
    ...(hint !== undefined ? { hint } : {}),
  };
}

interface ParsedFile {
  readonly documents: readonly unknown[];
  readonly findings: Finding[];
  readonly source: SourceText;
}

/** JSON, or YAML with one document: the topology loader's parser. Several YAML documents: each parsed alike. */
function parseFile({ file, text }: InputFile): ParsedFile {
  if (looksLikeJson(text, file) || !/^(---|\.\.\.)/m.test(text)) {
    const parsed = parseText(text, file);
    const findings = parsed.findings.filter((f) => f.code !== Code.DocumentRoot);
    const root = parsed.findings.find((f) => f.code === Code.DocumentRoot);
    if (root !== undefined && parsed.document === undefined) {
      findings.push({
        ...root,
        code: ImportCode.NotAnObject as never,
        message: root.message.replace('the file is empty', 'the input is empty'),
        hint: IMPORT_HINT,
      });
    }
    return { documents: parsed.document !== undefined ? [parsed.document] : [], findings, source: new FirstDocument(parsed.source) };
  }
  return parseStream(file, text);
}

/** A single document's text, addressed like a stream's: paths start with the document index, 0. */
class FirstDocument extends SourceText {
  constructor(private readonly inner: SourceText) {
    super(inner.file, inner.text, () => ({ locate: () => undefined }));
  }

  override locate(path: DocPath, target: 'key' | 'value' = 'value'): ReturnType<SourceText['locate']> {
    return this.inner.locate(path.slice(1), target);
  }
}

function parseStream(file: string, text: string): ParsedFile {
  const findings: Finding[] = [];
  if (text.length > MAX_YAML_CHARS) {
    const message = `the input is ${(text.length / 1048576).toFixed(1)} MiB; YAML input is limited to 16 MiB`;
    return {
      documents: [],
      findings: [
        error(Code.InputTooLarge, message, undefined, { hint: 'collect with `kubectl get ... -o json`: JSON is read up to 256 MiB' }),
      ],
      source: new SourceText(file, text, () => ({ locate: () => undefined })),
    };
  }
  const deepAt = findExcessiveFlowNesting(text, MAX_DEPTH);
  if (deepAt !== undefined)
    return {
      documents: [],
      findings: [tooDeep({ offset: deepAt })],
      source: new SourceText(file, text, () => ({ locate: () => undefined })),
    };
  const parsed = parseAllDocuments(text, { prettyErrors: false, merge: true, uniqueKeys: true });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  const source = new SourceText(file, text, () => ({
    locate: (path, target) => {
      const doc = docs[path[0] as number];
      return doc === undefined ? undefined : new YamlPathLocator(doc).locate(path.slice(1), target);
    },
  }));
  const documents: unknown[] = [];
  docs.forEach((doc, index) => {
    for (const e of doc.errors) findings.push(yamlProblem(e, text, 'yaml', 'error'));
    for (const w of doc.warnings) findings.push(yamlProblem(w, text, 'yaml', 'warning'));
    if (doc.errors.length > 0) return void documents.push(null);
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return void documents.push(null);
    // Aliases measured before they are expanded, merge keys checked, nesting bounded: as a topology's YAML.
    const data = yamlDocumentData(doc, text);
    for (const f of data.findings) findings.push(f.path !== undefined ? { ...f, path: [index, ...f.path] } : f);
    documents.push(data.findings.some((f) => f.severity === 'error') ? null : data.value);
  });
  return { documents, findings, source };
}

/** The loader's hints speak of topologies; for import, speak of kubectl's output. */
function withImportHints(d: Diagnostic): Diagnostic {
  return d.code === Code.InputTooLarge ? { ...d, hint: 'collect with `kubectl get ... -o json`: JSON is read up to 256 MiB' } : d;
}
