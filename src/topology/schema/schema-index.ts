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

/** The subschema at a JSON pointer such as `#/$defs/node` (ajv's schemaPath form). */
export function schemaAt(pointer: string): SchemaNode | undefined {
  const parts = pointer.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  let node: unknown = root;
  for (const part of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node as SchemaNode | undefined;
}

/** Follows `$ref` (local refs only: the schema has no others). */
export function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  let current = node;
  for (let hops = 0; current?.$ref !== undefined && hops < 8; hops++) current = schemaAt(current.$ref);
  return current;
}

/** The property names an object schema allows, in schema order. */
export function knownKeys(objectSchema: SchemaNode | undefined): string[] {
  return Object.keys(deref(objectSchema)?.properties ?? {});
}

/** A property's description, from the property itself or the definition it refers to. */
export function propertyDescription(objectSchema: SchemaNode | undefined, key: string): string | undefined {
  const property = deref(objectSchema)?.properties?.[key];
  return property?.description ?? deref(property)?.description;
}

/** A definition's pattern, compiled as ajv compiles it. */
export function definitionPattern(name: string): RegExp {
  const pattern = schemaAt(`#/$defs/${name}`)?.pattern;
  if (pattern === undefined) throw new Error(`schema has no pattern definition ${name}`);
  return new RegExp(pattern, 'u');
}
