/**
 * The topology schema's answer to "which keys may this mapping have?", for
 * --set: a key the file does not write but the schema knows is created; an
 * unknown one is refused with a did-you-mean before anything is validated.
 */
import type { DocPath } from '../diagnostics/diagnostic.js';
import { deref, knownKeys, schemaForPath, type SchemaNode } from '../topology/schema/schema-index.js';
import type { FieldInfo } from './set-path.js';

export function topologyFields(path: DocPath, document: unknown): FieldInfo | undefined {
  const resolved = schemaForPath(path, document);
  if (resolved === undefined) return undefined;
  const node = resolved.node;
  const known = new Set(knownKeys(node));
  // A mapping whose shape depends on its data (cni: flannel or calico) may take
  // either branch's keys here; the schema then judges the combination with its own hints.
  for (const entry of (node['allOf'] as readonly SchemaNode[] | undefined) ?? []) {
    const then = entry['then'] as SchemaNode | undefined;
    if (then) for (const key of knownKeys(deref(then).node)) known.add(key);
  }
  const additional = node['additionalProperties'];
  const open = additional !== undefined && additional !== false && (known.size === 0 || typeof additional === 'object');
  return { known: [...known], open };
}
