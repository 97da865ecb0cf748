/**
 * Validates the parsed document against the topology schema with the
 * validator generated at build time (scripts/build-validators.mjs), and turns
 * ajv's errors into findings people can act on: a stable code, a message in
 * words ("expected one of vxlan, host-gw, udp, got 'vxlam'"), the key or
 * value to point at, and a hint (did-you-mean on enum values and keys, the
 * description of a missing field).
 */
import type { DocPath } from '../../diagnostics/diagnostic.js';
import { Code } from '../codes.js';
import { didYouMean } from '../../diagnostics/did-you-mean.js';
import { valueAt, wherePath } from '../doc-path.js';
import { error, type Finding } from '../finding.js';
import { validateTopologySchema } from '../generated/validate-topology.js';
import { explainFormat } from './explain.js';
import { knownKeys, propertyDescription, propertyNamesSchema, schemaAt, schemaForPath, type Resolved } from './schema-index.js';

/** The part of ajv's ErrorObject the mapper reads. */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly propertyName?: string;
  readonly message?: string;
}

interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** Schema findings for the document; empty when it conforms. */
export function validateDocument(document: unknown): Finding[] {
  const validate = validateTopologySchema as unknown as StandaloneValidator;
  if (validate(document)) return [];
  const findings: Finding[] = [];
  for (const e of validate.errors ?? []) {
    const finding = describeSchemaError(e, document);
    if (finding) findings.push(finding);
  }
  return findings;
}

/** One ajv error in words; undefined for errors that only echo others. */
export function describeSchemaError(e: SchemaError, document: unknown): Finding | undefined {
  const path = pointerToPath(e.instancePath, document);
  const value = valueAt(document, path);
  const schema = (): Resolved | undefined => schemaForPath(path, document);
  switch (e.keyword) {
    // `if` says "must match then" and `propertyNames` repeats its inner error.
    case 'if':
    case 'propertyNames':
      return undefined;
    case 'required': {
      const missing = String(e.params['missingProperty']);
      return error(Code.SchemaRequired, `missing required field '${missing}'${wherePath(path)}`, path, {
        hint: withSubject(missing, propertyDescription(schema()?.node, missing)),
      });
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(e.params['additionalProperty'] ?? e.params['unevaluatedProperty']);
      const objectSchema = schema();
      return error(Code.SchemaUnknownKey, `unknown field '${key}'${wherePath(path)}`, [...path, key], {
        target: 'key',
        hint: unknownKeyHint(key, knownKeys(objectSchema?.node), objectSchema?.definition),
      });
    }
    case 'type':
      return error(Code.SchemaType, `expected ${typeWords(String(e.params['type']))}, got ${describeValue(value)}`, path, {
        hint: typeHint(String(e.params['type']), value),
      });
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[]).map(String);
      return error(Code.SchemaEnum, `expected one of ${allowed.join(', ')}, got ${describeValue(value)}`, path, {
        hint: typeof value === 'string' ? didYouMean(value, allowed) : undefined,
      });
    }
    case 'const': {
      const allowed = String(e.params['allowedValue']);
      return error(Code.SchemaEnum, `expected ${allowed}, got ${describeValue(value)}`, path, {
        hint: typeof value === 'string' ? didYouMean(value, [allowed]) : undefined,
      });
    }
    case 'pattern': {
      // A label key (propertyNames) is checked as a value but sits at its key.
      if (e.propertyName !== undefined) {
        const objectSchema = schema();
        const rule = (objectSchema && propertyNamesSchema(objectSchema)?.definition) ?? definitionIn(e.schemaPath);
        const explained = explainFormat(rule, e.propertyName);
        return error(explained.code, explained.message, [...path, e.propertyName], { target: 'key', hint: explained.hint });
      }
      const explained = explainFormat(schema()?.definition ?? definitionIn(e.schemaPath), String(value));
      return error(explained.code, explained.message, path, { hint: explained.hint });
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const bounds = schema()?.node;
      return error(Code.SchemaRange, `expected ${rangeWords(bounds?.minimum, bounds?.maximum)}, got ${describeValue(value)}`, path);
    }
    case 'minItems': {
      const limit = Number(e.params['limit']);
      return error(
        Code.SchemaRange,
        `expected at least ${limit} item${limit === 1 ? '' : 's'}, got ${Array.isArray(value) ? value.length : 0}`,
        path,
      );
    }
    case 'maxItems': {
      const limit = Number(e.params['limit']);
      return error(
        Code.SchemaRange,
        `expected at most ${limit} item${limit === 1 ? '' : 's'}, got ${Array.isArray(value) ? value.length : 0}`,
        path,
      );
    }
    default:
      return error(Code.SchemaInvalid, `${e.message ?? 'invalid value'}${wherePath(path)}`, path);
  }
}

/** ajv's JSON-pointer instancePath as a DocPath, list indexes as numbers. */
export function pointerToPath(pointer: string, document: unknown): DocPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function withSubject(key: string, description: string | undefined): string | undefined {
  return description === undefined ? undefined : `${key}: ${description}`;
}

/** Keys one CNI plugin has and the other does not: "mode is a calico setting". */
const PLUGIN_OF_KEY: Readonly<Record<string, string>> = Object.fromEntries([
  ...knownKeys(schemaAt('#/$defs/calicoCni')).map((k) => [k, 'calico']),
  ...knownKeys(schemaAt('#/$defs/flannelCni')).map((k) => [k, 'flannel']),
]);

/** The definition named in an inlined schemaPath (`#/$defs/dnsLabel/pattern`), a fallback only. */
function definitionIn(schemaPath: string): string {
  return /#\/\$defs\/([^/]+)\/[^/]+$/.exec(schemaPath)?.[1] ?? '';
}

function unknownKeyHint(key: string, known: readonly string[], definition: string | undefined): string | undefined {
  const suggestion = didYouMean(key, known);
  if (suggestion) return suggestion;
  if (definition === 'flannelCni' || definition === 'calicoCni') {
    const plugin = PLUGIN_OF_KEY[key];
    if (plugin) return `${key} is a ${plugin} setting (plugin: ${plugin}); this plugin's settings are ${known.join(', ')}`;
  }
  if (definition === 'serviceSetPort' && key === 'nodePort') return 'generated services get their node ports allocated';
  if (definition === 'serviceSet' && ['clusterIP', 'externalIPs', 'loadBalancerIP', 'name'].includes(key)) {
    return key === 'name'
      ? 'generated services are named by namePattern'
      : `generated services cannot pin ${key}; write that service under services`;
  }
  if (definition === 'deploymentSet' && key === 'name') return 'generated deployments are named by namePattern';
  if (definition === undefined && known.includes('apiVersion'))
    return `known fields: ${known.join(', ')}; keys starting with x- are free for YAML anchors`;
  return known.length > 0 ? `known fields: ${known.join(', ')}` : undefined;
}

/** ajv's type names (`string,integer`) in words: `a string or an integer`. */
export function typeWords(types: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    null: 'nothing',
  };
  return types
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return value instanceof Uint8Array ? 'binary data' : 'a mapping';
  return String(value);
}

function typeHint(expected: string, value: unknown): string | undefined {
  if (expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    // {written|...}: the text as written (1.10, not the number 1.1), filled in with positions.
    return `quote it ("{written|${String(value)}}") so YAML reads it as text`;
  }
  if (expected === 'array' && value === null) return 'write [] for an empty list, or remove the line';
  if (expected === 'object' && value === null) return 'write {} for an empty mapping, or remove the line';
  if (expected === 'array' && value !== null && typeof value === 'object') return "a list's items start with '- ' (or write [a, b])";
  if (expected === 'object' && Array.isArray(value)) return "drop the '- ': this field is a mapping, not a list";
  if (expected === 'integer' && typeof value === 'string' && /^\d+$/.test(value)) return `remove the quotes: ${value}`;
  if (expected === 'boolean' && typeof value === 'string') return 'write true or false, without quotes';
  return undefined;
}

function rangeWords(minimum: number | undefined, maximum: number | undefined): string {
  if (minimum !== undefined && maximum !== undefined) return `a number from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return `a number of at least ${minimum}`;
  if (maximum !== undefined) return `a number of at most ${maximum}`;
  return 'a number in range';
}
