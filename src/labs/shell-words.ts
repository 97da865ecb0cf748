/**
 * A command written as one string in a lab (`ip route show table local`,
 * `iptables -t nat -S "KUBE-SERVICES"`), split into words the way a POSIX
 * shell would for these simple cases: blanks separate, single and double
 * quotes group, a backslash escapes the next character. No expansion.
 */
export function splitCommand(text: string): string[] | string {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return `the command has an unclosed ${quote === '"' ? 'double' : 'single'} quote`;
  if (inWord) words.push(word);
  return words;
}
