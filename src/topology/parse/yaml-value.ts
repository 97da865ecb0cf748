/**
 * One YAML value given on the command line (`--set PATH=VALUE`), read with
 * the same guards as a file: flow nesting checked before the parser sees
 * it (the yaml parser aborts the process a few thousand levels down),
 * aliases measured before they are expanded, collection keys and the
 * parser's warnings kept out of the process's stderr. Pure.
 */
import { parseDocument } from 'yaml';
import { MAX_ALIAS_EXPANSION, MAX_DEPTH } from '../limits.js';
import { findDepthProblem } from './depth.js';
import { findExcessiveFlowNesting } from './flow-depth.js';
import { measureExpansion, toData } from './yaml-expansion.js';

export type YamlValue = { readonly value: unknown; readonly error?: undefined } | { readonly error: string; readonly value?: undefined };

export function parseYamlValue(text: string): YamlValue {
  if (findExcessiveFlowNesting(text, MAX_DEPTH) !== undefined) return { error: `it nests more than ${MAX_DEPTH} levels deep` };
  const doc = parseDocument(text, { prettyErrors: false, merge: false, uniqueKeys: true, keepSourceTokens: false });
  const first = doc.errors[0];
  if (first !== undefined) return { error: first.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '') };
  const expansion = measureExpansion(doc, MAX_DEPTH);
  if (expansion.problem !== undefined)
    return {
      error: expansion.problem.kind === 'too-deep' ? `it nests more than ${MAX_DEPTH} levels deep` : 'a merge key there is not a mapping',
    };
  if (expansion.expanded > Math.max(expansion.written, MAX_ALIAS_EXPANSION * expansion.written))
    return { error: `aliases expand it more than ${MAX_ALIAS_EXPANSION}-fold` };
  const converted = toData(doc, text, expansion.targets);
  if (converted.collectionKeys.length > 0) return { error: `a key is a list or a mapping ('${converted.collectionKeys[0]!.text}')` };
  const depth = findDepthProblem(converted.value, MAX_DEPTH);
  if (depth !== undefined)
    return {
      error: depth.kind === 'cycle' ? 'an alias refers to a collection that contains it' : `it nests more than ${MAX_DEPTH} levels deep`,
    };
  return { value: converted.value };
}
