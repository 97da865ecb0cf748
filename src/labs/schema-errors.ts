/**
 * ajv's errors for schemas/lab.schema.json in words, with the same codes as
 * the topology's schema errors (NL-SCHEMA-*) and a did-you-mean on keys and
 * enum values. Lab files are small and their schema has no conditional
 * parts, so the schema is walked along the error's path directly.
 */
import type { Diagnostic, DocPath } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import { formatPath, valueAt, wherePath } from '../topology/doc-path.js';
import { describeValue, pointerToPath, typeWords } from '../topology/schema/validate-document.js';
import { labSchema, validateLabSchema } from './generated/validate-lab.js';

interface SchemaNode {
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly description?: string;
  readonly [key: string]: unknown;
}

interface AjvError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

const root = labSchema as unknown as SchemaNode;

function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  for (let i = 0; node?.$ref !== undefined && i < 8; i++) {
    const name = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
    node = name === undefined ? undefined : (root['$defs'] as Record<string, SchemaNode>)[name];
  }
  return node;
}

function schemaAt(path: DocPath): SchemaNode | undefined {
  let node = deref(root);
  for (const segment of path) {
    if (!node) return undefined;
    node = deref(typeof segment === 'number' ? node.items : node.properties?.[segment]);
  }
  return node;
}

/** Schema problems of a lab document, each with a document path (and `target` key/value). */
export function labSchemaProblems(document: unknown): (Diagnostic & { target?: 'key' | 'value' })[] {
  const validate = validateLabSchema as unknown as { (data: unknown): boolean; errors?: AjvError[] | null };
  if (validate(document)) return [];
  const out: (Diagnostic & { target?: 'key' | 'value' })[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const path = pointerToPath(e.instancePath, document);
    const value = valueAt(document, path);
    const problem = describe(e, path, value);
    if (!problem) continue;
    const key = `${problem.code}|${formatPath(problem.path ?? [])}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function describe(e: AjvError, path: DocPath, value: unknown): (Diagnostic & { target?: 'key' | 'value' }) | undefined {
  const error = (code: string, message: string, at: DocPath, hint?: string, target?: 'key' | 'value') => ({
    code,
    severity: 'error' as const,
    message,
    path: at,
    ...(hint !== undefined ? { hint } : {}),
    ...(target ? { target } : {}),
  });
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params['missingProperty']);
      const description = deref(schemaAt(path)?.properties?.[missing])?.description ?? schemaAt(path)?.properties?.[missing]?.description;
      return error(
        'NL-SCHEMA-REQUIRED',
        `missing required field '${missing}'${wherePath(path)}`,
        path,
        description ? `${missing}: ${description}` : undefined,
      );
    }
    case 'additionalProperties': {
      const key = String(e.params['additionalProperty']);
      const known = Object.keys(schemaAt(path)?.properties ?? {});
      return error(
        'NL-SCHEMA-UNKNOWN-KEY',
        `unknown field '${key}'${wherePath(path)}`,
        [...path, key],
        didYouMean(key, known) ?? `known fields: ${known.join(', ')}`,
        'key',
      );
    }
    case 'type':
      return error('NL-SCHEMA-TYPE', `expected ${typeWords(String(e.params['type']))}, got ${describeValue(value)}`, path);
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[]).map(String);
      return error(
        'NL-SCHEMA-ENUM',
        `expected one of ${allowed.join(', ')}, got ${describeValue(value)}`,
        path,
        typeof value === 'string' ? didYouMean(value, allowed) : undefined,
      );
    }
    case 'const': {
      const allowed = String(e.params['allowedValue']);
      return error(
        'NL-SCHEMA-ENUM',
        `expected ${allowed}, got ${describeValue(value)}`,
        path,
        typeof value === 'string' ? didYouMean(value, [allowed]) : undefined,
      );
    }
    case 'pattern':
      return error(
        'NL-NAME-INVALID',
        `'${String(value)}' is not a valid name`,
        path,
        'at most 63 lowercase letters, digits and -, starting and ending with a letter or digit',
      );
    case 'minimum':
    case 'maximum':
      return error(
        'NL-SCHEMA-RANGE',
        `${describeValue(value)} is ${e.keyword === 'minimum' ? 'below' : 'above'} the ${e.keyword} ${String(e.params['limit'])}`,
        path,
      );
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const limit = Number(e.params['limit']);
      const what = e.keyword.endsWith('Items') ? 'item' : 'key';
      const bound = e.keyword.startsWith('min') ? 'at least' : 'at most';
      const hint = e.keyword === 'maxProperties' && path[path.length - 2] === 'faults' ? 'one fault per entry: {fail: node-03}' : undefined;
      return error('NL-SCHEMA-RANGE', `expected ${bound} ${limit} ${what}${limit === 1 ? '' : 's'}${wherePath(path)}`, path, hint);
    }
    default:
      return error('NL-SCHEMA-INVALID', `${e.message ?? 'invalid value'}${wherePath(path)}`, path);
  }
}
