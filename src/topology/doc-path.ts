import type { DocPath } from '../diagnostics/diagnostic.js';

/** `nodes[2].name`: a document path in the notation of --set and of messages. */
export function formatPath(path: DocPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** The value at a document path, or undefined when the path leaves the document. */
export function valueAt(document: unknown, path: DocPath): unknown {
  let node = document;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** ` in nodes[2]`: where a field is missing or unknown, in the notation --set uses. */
export function wherePath(path: DocPath): string {
  return path.length === 0 ? ' at the top level' : ` in ${formatPath(path)}`;
}
