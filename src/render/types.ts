/**
 * What every renderer returns: the tool's stdout as lines, without the
 * trailing newline, produced lazily. A 400,000-line iptables-save is a
 * generator walking the rule arrays, never one string in memory.
 */
export type Lines = Iterable<string>;

/** Joins lines the way a terminal would show them (each followed by a newline). */
export function toText(lines: Lines): string {
  let out = '';
  for (const line of lines) out += `${line}\n`;
  return out;
}
