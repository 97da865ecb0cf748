/**
 * Names and label values the compact forms generate must be as valid as
 * written ones. They are checked at both ends of the index range: only the
 * width of the number varies in between, and it only grows.
 */
import { error, type Finding } from '../finding.js';
import { explainFormat, matchesFormat, type FormatRule } from '../schema/explain.js';
import type { IndexTemplate } from './name-pattern.js';

export interface GeneratedNames {
  readonly count: number;
  readonly start: number;
  readonly name: IndexTemplate;
  readonly nameRule: FormatRule;
  /** Where the name comes from in the generator entry (namePattern, or name for a pool's default). */
  readonly nameField: string;
  readonly labels?: ((index: number) => Record<string, string>) | undefined;
  /** labels or selector. */
  readonly labelsField?: string;
  readonly path: readonly (string | number)[];
}

export function invalidGeneratedName(g: GeneratedNames): Finding | undefined {
  if (g.count === 0) return undefined;
  for (const index of [g.start, g.start + g.count - 1]) {
    const generated = g.name(index);
    if (!matchesFormat(g.nameRule, generated)) {
      const explained = explainFormat(g.nameRule, generated);
      return error(explained.code, `${g.nameField} generates an ${explained.message}`, [...g.path, g.nameField], { hint: explained.hint });
    }
    for (const [key, value] of Object.entries(g.labels?.(index) ?? {})) {
      if (!matchesFormat('labelValue', value)) {
        const explained = explainFormat('labelValue', value);
        return error(
          explained.code,
          `${g.labelsField}.${key} generates an ${explained.message}`,
          [...g.path, g.labelsField ?? 'labels', key],
          {
            hint: explained.hint,
          },
        );
      }
    }
  }
  return undefined;
}
