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
