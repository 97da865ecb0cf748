/** What every step of an import shares: the objects, the command line, the notes and the problems found. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ObjectMeta } from '../kube/meta.js';
import type { ClusterConfiguration } from './configuration.js';
import type { ClusterObjects, Decoded } from './decode.js';
import type { ImportNotes } from './notes.js';
import type { ImportOptions } from './options.js';

export interface ImportContext {
  readonly objects: ClusterObjects;
  readonly config: ClusterConfiguration;
  readonly options: ImportOptions;
  readonly notes: ImportNotes;
  readonly diagnostics: Diagnostic[];
}

/** `namespace/name` (or the name of a cluster-scoped object). */
export function keyOf(meta: ObjectMeta): string {
  return meta.namespace !== undefined ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? '');
}

/**
 * Objects in the order the cluster created them: by creationTimestamp, then
 * in input order (a List is sorted by namespace and name; manifests have no
 * timestamps and keep the order they were written in).
 */
export function inCreationOrder<T extends { readonly metadata: ObjectMeta }>(list: readonly Decoded<T>[]): Decoded<T>[] {
  return list
    .map((d, i) => ({ d, i, t: d.object.metadata.creationTimestamp ?? '' }))
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i))
    .map((x) => x.d);
}

/** "1 pod", "3 pods". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
