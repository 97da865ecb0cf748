/**
 * "Did you mean" suggestions for enum values, unknown keys and unknown names.
 *
 * Distance is Damerau-Levenshtein in its optimal-string-alignment form:
 * insertions, deletions, substitutions and swaps of adjacent characters
 * ("bakcend" -> "backend") each cost 1, which matches how people mistype.
 */

/** Edit distance with adjacent transpositions; stops early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  // Three rolling rows: the transposition looks two rows back.
  let previous2 = new Array<number>(cols).fill(0);
  let previous = Array.from({ length: cols }, (_, j) => j);
  let current = new Array<number>(cols).fill(0);
  for (let i = 1; i < rows; i++) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previous2[j - 2]! + 1);
      }
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [previous2, previous, current] = [previous, current, previous2];
  }
  return previous[cols - 1]!;
}

/**
 * The candidate closest to `word`, when it is close enough to be a plausible
 * typo: at most a third of the word's length (at least 1, at most 3) edits
 * away, or the same ignoring case. Ties go to the earliest candidate, so
 * suggestions are deterministic.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const budget = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `did you mean 'x'?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, candidates);
  return match === undefined ? undefined : `did you mean '${match}'?`;
}

/** `known subnets: rack-1, rack-2`, shortened for long lists; for hints when nothing is close. */
export function knownList(what: string, names: readonly string[]): string {
  if (names.length === 0) return `no ${what} are defined`;
  const shown = names.slice(0, 8).join(', ');
  return `known ${what}: ${shown}${names.length > 8 ? `, ... (${names.length} in all)` : ''}`;
}
