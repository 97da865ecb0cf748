/**
 * Read access to schemas/topology.schema.json at run time, through the copy
 * the build embeds in the generated validator module (no JSON import from
 * outside src/, no file system). The error mapper uses it for the known keys
 * of an object (did-you-mean), the bounds of a number and the description of
 * a missing field; the semantic checks use the same name patterns as the
 * schema so the two can never disagree.
 */
import { topologySchema } from '../generated/validate-topology.js';

export interface SchemaNode {
  readonly description?: string;
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly default?: unknown;
  readonly [keyword: string]: unknown;
}

const root = topologySchema as unknown as SchemaNode;

/** The subschema at a JSON pointer such as `#/$defs/node`. */
export function schemaAt(pointer: string): SchemaNode | undefined {
  const parts = pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '');
  let node: unknown = root;
  for (const part of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node as SchemaNode | undefined;
}

/** A subschema with `$ref` followed, and the name of the last definition reached (`dnsLabel`). */
export interface Resolved {
  readonly node: SchemaNode;
  readonly definition?: string;
}

export function deref(node: SchemaNode, definition?: string): Resolved {
  let current: Resolved = definition === undefined ? { node } : { node, definition };
  for (let hops = 0; current.node.$ref !== undefined && hops < 8; hops++) {
    const target = schemaAt(current.node.$ref);
    if (target === undefined) break;
    current = { node: target, definition: /^#\/\$defs\/([^/]+)$/.exec(current.node.$ref)?.[1] ?? current.definition };
  }
  return current;
}

/**
 * The schema that applies to the value at `path` of `document`. ajv's own
 * schemaPath cannot be used for this: for a $ref compiled as a separate
 * function it is relative to that definition ("#/required"), without saying
 * which one. Walking the schema along the data is exact for this schema,
 * including the cni if/then branches chosen by `plugin`.
 */
export function schemaForPath(path: readonly (string | number)[], document: unknown): Resolved | undefined {
  let current: Resolved | undefined = effective(deref(root), document);
  let data: unknown = document;
  for (const segment of path) {
    if (current === undefined) return undefined;
    const node: SchemaNode = current.node;
    let child: SchemaNode | undefined;
    if (typeof segment === 'number') child = node['items'] as SchemaNode | undefined;
    else
      child =
        node.properties?.[segment] ?? (isSchema(node['additionalProperties']) ? (node['additionalProperties'] as SchemaNode) : undefined);
    data = data !== null && typeof data === 'object' ? (data as Record<string | number, unknown>)[segment] : undefined;
    current = child === undefined ? undefined : effective(deref(child), data);
  }
  return current;
}

/** The schema for a mapping's keys (propertyNames), for label key errors. */
export function propertyNamesSchema(objectSchema: Resolved): Resolved | undefined {
  const names = objectSchema.node['propertyNames'];
  return isSchema(names) ? deref(names as SchemaNode) : undefined;
}

function isSchema(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

/** The `then` branch of the first allOf if/then whose condition holds for `data` (how cni picks flannel or calico). */
function effective(resolved: Resolved, data: unknown): Resolved {
  const allOf = resolved.node['allOf'] as readonly SchemaNode[] | undefined;
  for (const entry of allOf ?? []) {
    const condition = entry['if'] as SchemaNode | undefined;
    const then = entry['then'] as SchemaNode | undefined;
    if (condition !== undefined && then !== undefined && conditionHolds(condition, data)) return deref(then);
  }
  return resolved;
}

/** Enough of JSON Schema for the schema's own if conditions: required keys and const properties. */
function conditionHolds(condition: SchemaNode, data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const record = data as Record<string, unknown>;
  if ((condition.required ?? []).some((key) => !(key in record))) return false;
  return Object.entries(condition.properties ?? {}).every(
    ([key, property]) => !(key in record) || property.const === undefined || record[key] === property.const,
  );
}

/** The property names an object schema allows, in schema order. */
export function knownKeys(objectSchema: SchemaNode | undefined): string[] {
  return Object.keys(objectSchema?.properties ?? {});
}

/** A property's description, from the property itself or the definition it refers to. */
export function propertyDescription(objectSchema: SchemaNode | undefined, key: string): string | undefined {
  const property = objectSchema?.properties?.[key];
  return property === undefined ? undefined : (property.description ?? deref(property).node.description);
}

/** A definition's pattern, compiled as ajv compiles it. */
export function definitionPattern(name: string): RegExp {
  const pattern = schemaAt(`#/$defs/${name}`)?.pattern;
  if (pattern === undefined) throw new Error(`schema has no pattern definition ${name}`);
  return new RegExp(pattern, 'u');
}
