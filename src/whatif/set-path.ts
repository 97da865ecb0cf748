/**
 * `--set PATH=VALUE`: one edit of the parsed topology document, made before
 * validation so the schema, normalisation and the semantic checks judge the
 * result exactly as they judge a file.
 *
 * Paths are dot-separated keys; a list item is picked by its name
 * (`nodes.node-03.subnet`), by `namespace/name` (`services.default/web`), or
 * by `[N]` / `[name]` (brackets keep dots inside a name:
 * `nodes[node-1.example.com].subnet`); `[+]` appends a new item. Values are
 * YAML: `8472` is a number, `true` a boolean, `"1.10"` a string,
 * `{name: node-04, ip: 10.234.2.14, subnet: rack-1}` a mapping, and `null`
 * removes the key or the list item.
 *
 * Pure: a document in, a new document out (copied along the edited path
 * only, so a 150,000-pod document is not cloned), or a problem in words.
 */
import type { DocPath } from '../diagnostics/diagnostic.js';
import { closestMatch, knownList } from '../diagnostics/did-you-mean.js';
import { formatPath } from '../topology/doc-path.js';
import { parseYamlValue } from '../topology/parse/yaml-value.js';

export interface Assignment {
  /** As given: `nodes.node-03.subnet=rack-2`. */
  readonly text: string;
  readonly tokens: readonly PathToken[];
  readonly value: unknown;
}

/** A path token before it meets the document: a bare word, or a bracketed selector. */
export type PathToken = { readonly kind: 'word'; readonly text: string } | { readonly kind: 'bracket'; readonly text: string };

export interface SetProblem {
  readonly message: string;
  readonly hint?: string;
}

/** What the schema says about the mapping at a path: its keys, and whether it takes any key (labels). */
export interface FieldInfo {
  readonly known: readonly string[];
  readonly open: boolean;
}

/** The schema's view of the document, so unknown keys can be refused with a did-you-mean. */
export type FieldLookup = (path: DocPath, document: unknown) => FieldInfo | undefined;

export interface Applied {
  readonly document: Record<string, unknown>;
  /** The document path the assignment resolved to (for attributing diagnostics). */
  readonly path: DocPath;
}

/** Splits `PATH=VALUE` and parses both; the value as YAML. */
export function parseAssignment(text: string): Assignment | SetProblem {
  const eq = text.indexOf('=');
  if (eq <= 0) return { message: `--set takes PATH=VALUE, not "${text}"`, hint: 'e.g. --set network.cni.backend=host-gw' };
  const tokens = tokenizePath(text.slice(0, eq));
  if ('message' in tokens) return tokens;
  const value = parseValue(text.slice(eq + 1));
  if (value !== undefined && typeof value === 'object' && value !== null && 'problem' in value)
    return (value as { problem: SetProblem }).problem;
  return { text, tokens, value };
}

export function tokenizePath(path: string): PathToken[] | SetProblem {
  const tokens: PathToken[] = [];
  let i = 0;
  let word = '';
  const bad = (why: string): SetProblem => ({
    message: `--set path "${path}" ${why}`,
    hint: 'paths look like network.cni.backend, nodes.node-03.subnet or nodes[0].subnet',
  });
  const flush = (): void => {
    if (word !== '') tokens.push({ kind: 'word', text: word });
    word = '';
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      if (word === '' && tokens[tokens.length - 1]?.kind !== 'bracket') return bad('has an empty part');
      flush();
      i++;
      if (i === path.length) return bad('ends with a dot');
    } else if (c === '[') {
      flush();
      const end = path.indexOf(']', i);
      if (end < 0) return bad("has a '[' without its ']'");
      const inner = path.slice(i + 1, end);
      if (inner === '') return bad('has empty brackets');
      tokens.push({ kind: 'bracket', text: inner });
      i = end + 1;
      if (i < path.length && path[i] !== '.' && path[i] !== '[') return bad(`needs a dot after [${inner}]`);
    } else {
      word += c;
      i++;
    }
  }
  flush();
  if (tokens.length === 0) return bad('is empty');
  return tokens;
}

/**
 * The value as YAML: scalars as YAML reads them, flow collections when the
 * text starts with `{` or `[`. Anything else that YAML would read as a
 * mapping (`a: b`) stays the literal string, as a shell user meant it.
 */
export function parseValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  const parsed = parseYamlValue(trimmed);
  if (parsed.error !== undefined) {
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      return {
        problem: {
          message: `--set value ${shorten(trimmed)} is not valid YAML: ${parsed.error}`,
          hint: 'flow mappings look like {name: node-04, ip: 10.234.2.14}',
        },
      };
    }
    return text;
  }
  const value = parsed.value;
  if (value !== null && typeof value === 'object' && !trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  return value;
}

/** The names a list item answers to: `name`, and `namespace/name` for namespaced kinds. */
function itemNames(item: unknown, namespaced: boolean): string[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
  const record = item as Record<string, unknown>;
  const names: string[] = [];
  const name = record['name'];
  if (typeof name === 'string') {
    names.push(name);
    if (namespaced) names.push(`${typeof record['namespace'] === 'string' ? record['namespace'] : 'default'}/${name}`);
  }
  return names;
}

/** Lists whose items live in a namespace (`services.default/web`). */
const NAMESPACED_LISTS = new Set(['pods', 'services', 'deployments', 'networkPolicies']);

type Container = Record<string, unknown> | unknown[];

/**
 * Applies one assignment. `fields` answers which keys a mapping may have;
 * a key the document lacks but the schema knows is created.
 */
export function applyAssignment(document: Record<string, unknown>, assignment: Assignment, fields: FieldLookup): Applied | SetProblem {
  const tokens = assignment.tokens;
  const path: (string | number)[] = [];
  // The chain of containers from the root, to copy on the way back.
  const chain: Container[] = [document];
  let i = 0;
  let appendAt: number | undefined;
  while (i < tokens.length) {
    const here = chain[chain.length - 1]!;
    const last = (consumed: number): boolean => i + consumed === tokens.length;
    if (Array.isArray(here)) {
      const picked = pickItem(here, tokens, i, path);
      if ('message' in picked) return picked;
      if (picked.index === here.length) appendAt = picked.index;
      path.push(picked.index);
      i += picked.consumed;
      if (last(0)) break;
      const next = here[picked.index];
      if (next === null || typeof next !== 'object') return notAContainer(path, next, tokens[i]!);
      chain.push(next as Container);
      continue;
    }
    const token = tokens[i]!;
    const key = token.text;
    const info = fields(path, document);
    if (!(key in here)) {
      if (info && !info.open && !info.known.includes(key)) return unknownKey(key, path, info.known);
    }
    path.push(key);
    i++;
    if (last(0)) break;
    let next = here[key];
    if (next === undefined || next === null) {
      // A key the schema knows but the file does not write: create it on the way.
      const nextToken = tokens[i]!;
      next = nextToken.kind === 'bracket' ? [] : {};
    } else if (typeof next !== 'object') {
      return notAContainer(path, next, tokens[i]!);
    }
    chain.push(next as Container);
  }
  const updated = write(chain, path, assignment.value, appendAt !== undefined);
  return { document: updated as Record<string, unknown>, path };
}

function pickItem(
  list: readonly unknown[],
  tokens: readonly PathToken[],
  at: number,
  path: DocPath,
): { index: number; consumed: number } | SetProblem {
  const listKey = path[path.length - 1];
  const namespaced = typeof listKey === 'string' && NAMESPACED_LISTS.has(listKey) && path.length === 1;
  const token = tokens[at]!;
  if (token.kind === 'bracket') {
    if (token.text === '+') return { index: list.length, consumed: 1 };
    if (/^\d+$/.test(token.text)) {
      const index = Number(token.text);
      if (index >= list.length)
        return {
          message: `${formatPath(path)} has ${list.length} item${list.length === 1 ? '' : 's'}; there is no [${index}]`,
          hint: list.length > 0 ? `indexes run from 0 to ${list.length - 1}, or use [+] to append` : 'use [+] to append an item',
        };
      return { index, consumed: 1 };
    }
    const found = findByName(list, token.text, namespaced);
    if (typeof found === 'number') return { index: found, consumed: 1 };
    return found ?? noItem(list, token.text, path, namespaced);
  }
  // Greedy: `nodes.node-1.example.com.subnet` names the item node-1.example.com when it exists.
  for (let end = tokens.length; end > at; end--) {
    const slice = tokens.slice(at, end);
    if (slice.some((t) => t.kind === 'bracket')) continue;
    const name = slice.map((t) => t.text).join('.');
    const found = findByName(list, name, namespaced);
    if (typeof found === 'number') return { index: found, consumed: end - at };
    if (found) return found;
  }
  if (/^\d+$/.test(token.text) && Number(token.text) < list.length) return { index: Number(token.text), consumed: 1 };
  return noItem(list, token.text, path, namespaced);
}

function findByName(list: readonly unknown[], name: string, namespaced: boolean): number | SetProblem | undefined {
  const matches: number[] = [];
  list.forEach((item, index) => {
    if (itemNames(item, namespaced).includes(name)) matches.push(index);
  });
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    // A bare name in several namespaces: `default` wins, as kubectl's default namespace does.
    const inDefault = matches.find((m) => itemNames(list[m], namespaced).includes(`default/${name}`));
    if (inDefault !== undefined) return inDefault;
    return {
      message: `"${name}" names ${matches.length} items`,
      hint: `say which with namespace/name: ${matches.map((m) => itemNames(list[m], namespaced)[1]).join(', ')}`,
    };
  }
  return undefined;
}

function noItem(list: readonly unknown[], name: string, path: DocPath, namespaced: boolean): SetProblem {
  const names = list.flatMap((item) => itemNames(item, namespaced));
  const where = formatPath(path);
  if (names.length === 0) {
    return {
      message: `${where} has no item named "${name}"`,
      hint:
        list.length > 0
          ? `its items have no names: pick one by index, ${where}[0] to ${where}[${list.length - 1}]`
          : 'the list is empty: use [+] to append an item',
    };
  }
  const close = closestMatch(name, names);
  return {
    message: `${where} has no item named "${name}"`,
    hint:
      close !== undefined
        ? `did you mean '${close}'?`
        : knownList(
            where,
            names.filter((n) => !n.includes('/') || !namespaced),
          ),
  };
}

function unknownKey(key: string, path: DocPath, known: readonly string[]): SetProblem {
  const where = path.length === 0 ? 'the top level' : formatPath(path);
  const close = closestMatch(key, known);
  return {
    message: `${where} has no field '${key}'`,
    hint: close !== undefined ? `did you mean '${close}'?` : known.length > 0 ? `its fields: ${known.join(', ')}` : undefined,
  } as SetProblem;
}

function notAContainer(path: DocPath, value: unknown, next: PathToken): SetProblem {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return {
    message: `${formatPath(path)} is a value (${shown}), so it has no '${next.text}'`,
    hint: `set it whole: --set ${formatPath(path)}=VALUE`,
  };
}

/** Writes the value at the end of the chain, copying every container on the way up. */
function write(chain: readonly Container[], path: DocPath, value: unknown, append: boolean): Container {
  let child: unknown = value;
  let remove = value === null;
  for (let level = path.length - 1; level >= 0; level--) {
    const original = chain[level]!;
    const segment = path[level]!;
    if (Array.isArray(original)) {
      const copy = original.slice();
      if (remove) copy.splice(segment as number, 1);
      else if (append && level === path.length - 1) copy.push(child);
      else copy[segment as number] = child;
      child = copy;
    } else {
      const copy: Record<string, unknown> = { ...original };
      if (remove) delete copy[segment as string];
      else copy[segment as string] = child;
      child = copy;
    }
    remove = false;
  }
  return child as Container;
}

/** A value as messages show it: long ones cut in the middle, so a diagnostic stays readable. */
export function shorten(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max / 2 - 1)}…${text.slice(text.length - max / 2 + 1)}`;
}
