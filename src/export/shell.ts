/** Bash words: quoting only what needs it, so the generated script stays readable. */

/** A word as bash reads it back unchanged: bare when it is made of safe characters, else single-quoted. */
export function shellWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(words: readonly (string | number)[]): string {
  return words.map((w) => shellWord(String(w))).join(' ');
}

/** A here-document delimiter that no line of the body equals. */
export function heredocDelimiter(body: readonly string[], base = 'NETLAB_EOF'): string {
  let delimiter = base;
  for (let i = 1; body.includes(delimiter); i++) delimiter = `${base}_${i}`;
  return delimiter;
}
