/**
 * Name patterns of the compact forms: `{index}` is replaced by the item's
 * number, `{index:0N}` by the number zero-padded to N digits
 * (`node-{index:04}` -> node-0001). Compiled once per generator, since a
 * pattern may be applied 150,000 times.
 */

const PLACEHOLDER = /\{index(?::0([1-9]))?\}/g;

export type IndexTemplate = (index: number) => string;

export function compileTemplate(pattern: string): IndexTemplate {
  const literals: string[] = [];
  const widths: number[] = [];
  let last = 0;
  for (const match of pattern.matchAll(PLACEHOLDER)) {
    literals.push(pattern.slice(last, match.index));
    widths.push(match[1] === undefined ? 0 : Number(match[1]));
    last = match.index + match[0].length;
  }
  const tail = pattern.slice(last);
  if (widths.length === 0) return () => pattern;
  return (index) => {
    const number = String(index);
    let out = '';
    for (let i = 0; i < widths.length; i++) out += literals[i]! + number.padStart(widths[i]!, '0');
    return out + tail;
  };
}

/** Applies a template to every value of a label map (values without placeholders stay shared strings). */
export function compileLabelsTemplate(labels: Readonly<Record<string, string>>): (index: number) => Record<string, string> {
  const entries = Object.entries(labels).map(([key, value]) => [key, compileTemplate(value)] as const);
  return (index) => Object.fromEntries(entries.map(([key, template]) => [key, template(index)]));
}
