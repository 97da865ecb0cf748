import { UsageError } from '../diagnostics/diagnostic.js';

/** A whole-number option (--port, --seed, ...): undefined when not given, else in [min, max] or a UsageError naming the option. */
export function intOption(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}
