/**
 * How any string reaches a generated bash script: as a word (shellWord),
 * inside a comment (shellComment), or as the body of a quoted here-document
 * (hereDocument). Nothing else is ever pasted into a script, so a hostile
 * file name, interface name or rule comment is data, never code. What bash
 * cannot carry at all (a NUL byte; a lone UTF-16 surrogate, which has no
 * UTF-8 form) is refused with UnquotableError.
 *
 * Quoting keeps the script readable: a word of safe characters stays bare,
 * a printable one is single-quoted, and one with control characters (a
 * newline in a file name) becomes $'...' with each such byte as \xHH, so a
 * word is always one line.
 */

/** A string that no bash script can carry; the export refuses it. */
export class UnquotableError extends Error {
  constructor(
    readonly what: string,
    readonly value: string,
  ) {
    super(`${what} ${JSON.stringify(value)} cannot be written into a bash script`);
  }
}

const BARE = /^[A-Za-z0-9_./:=@%+,-]+$/;
/** Characters bash (or a terminal showing the script) would not keep as they are on one line. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function refuseUncarriable(value: string, what: string): void {
  if (value.includes('\0')) throw new UnquotableError(`${what} with a NUL byte`, value);
  if (LONE_SURROGATE.test(value)) throw new UnquotableError(`${what} that is not valid Unicode`, value);
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** `\n`, `\t`, `\r`, else `\xHH` for each UTF-8 byte of a character (as $'...' reads them). */
function hexBytes(ch: string): string {
  const named = NAMED_ESCAPES[ch];
  if (named !== undefined) return named;
  return [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

/** A word as bash reads it back unchanged: bare when it is made of safe characters, else quoted. */
export function shellWord(word: string): string {
  refuseUncarriable(word, 'a word');
  if (BARE.test(word)) return word;
  if (!UNPRINTABLE.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  let quoted = '';
  for (const ch of word) {
    if (ch === '\\' || ch === "'") quoted += `\\${ch}`;
    else if (UNPRINTABLE.test(ch)) quoted += hexBytes(ch);
    else quoted += ch;
  }
  return `$'${quoted}'`;
}

export function shellLine(words: readonly (string | number)[]): string {
  return words.map((w) => shellWord(String(w))).join(' ');
}

/**
 * One comment line: `# ` and the text, with what would end the line or
 * disturb a terminal shown as \xHH (a comment ends at a newline, and a
 * script is read with cat). Values inside the text should be shellWord()s,
 * so a reader can copy them.
 */
export function shellComment(text: string): string {
  let line = '';
  for (const ch of text) {
    if (LONE_SURROGATE.test(ch)) line += `\\u${ch.charCodeAt(0).toString(16)}`;
    else if (UNPRINTABLE.test(ch)) line += hexBytes(ch);
    else line += ch;
  }
  return `# ${line}`.trimEnd();
}

/**
 * `command <<'DELIMITER'`, the body, the delimiter: a quoted here-document,
 * so bash expands nothing in the body, with a delimiter that no line of the
 * body equals (lines are counted after splitting at every newline, since a
 * line of the body may itself hold one).
 */
export function hereDocument(command: string, body: readonly string[], base: string): string[] {
  for (const line of body) refuseUncarriable(line, 'a here-document line');
  const lines = body.flatMap((l) => l.split('\n'));
  const delimiter = heredocDelimiter(lines, base);
  return [`${command} <<'${delimiter}'`, ...lines, delimiter];
}

/** A here-document delimiter that no line of the body equals. */
export function heredocDelimiter(body: readonly string[], base = 'NETLAB_EOF'): string {
  const lines = new Set(body.flatMap((l) => l.split('\n')));
  let delimiter = base;
  for (let i = 1; lines.has(delimiter); i++) delimiter = `${base}_${i}`;
  return delimiter;
}
