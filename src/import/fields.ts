/**
 * Reading the fields netlab needs from an object of unknown shape: each
 * read checks the type and reports a positioned error when it is wrong
 * (or missing, for the required ones), so a hand-edited manifest gets
 * file:line:col instead of a crash. Unknown fields are left alone: an
 * object has many fields netlab does not read.
 */
import type { Diagnostic, DocPath } from '../diagnostics/diagnostic.js';
import { ImportCode } from './codes.js';
import { problemAt, type Where } from './read.js';

type Json = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

export class Fields {
  constructor(
    readonly value: Json,
    readonly at: Where,
    private readonly problems: Diagnostic[],
    /** How much of `at.path` leads to the object itself: field names in messages start after it. */
    private readonly rootLength = at.path.length,
  ) {}

  /** The place of a field of this object (for messages about its value). */
  where(...keys: (string | number)[]): Where {
    return { source: this.at.source, path: [...this.at.path, ...keys] };
  }

  /** Dotted name of a field, relative to the object's root (`spec.ports[0].port`), for messages. */
  private name(key: string): string {
    const path: DocPath = [...this.at.path.slice(this.rootLength), key];
    return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  }

  problem(key: string | undefined, code: string, message: string, hint?: string): void {
    this.problems.push(problemAt(key === undefined ? this.at : this.where(key), code, message, hint));
  }

  private typed<T>(key: string, check: (v: unknown) => v is T, expected: string, required: boolean): T | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) {
      if (required) this.problem(undefined, ImportCode.FieldMissing, `${this.name(key)} is missing`, `a ${expected} is expected here`);
      return undefined;
    }
    if (check(v)) return v;
    this.problem(key, ImportCode.FieldType, `${this.name(key)}: expected ${expected}, found ${describe(v)}`);
    return undefined;
  }

  string(key: string, required = false): string | undefined {
    return this.typed(key, (v): v is string => typeof v === 'string', 'a string', required);
  }

  integer(key: string, required = false): number | undefined {
    return this.typed(key, (v): v is number => typeof v === 'number' && Number.isInteger(v), 'an integer', required);
  }

  boolean(key: string): boolean | undefined {
    return this.typed(key, (v): v is boolean => typeof v === 'boolean', 'true or false', false);
  }

  /** A port or a port name (intstr). */
  intOrString(key: string): number | string | undefined {
    return this.typed(
      key,
      (v): v is number | string => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)),
      'a number or a name',
      false,
    );
  }

  object(key: string, required = false): Fields | undefined {
    const v = this.typed(key, (x): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x), 'a mapping', required);
    return v === undefined ? undefined : new Fields(v, this.where(key), this.problems, this.rootLength);
  }

  /** A list of mappings; items of another type are reported and left out. */
  objects(key: string, required = false): Fields[] {
    const list = this.typed(key, (x): x is unknown[] => Array.isArray(x), 'a list', required);
    if (list === undefined) return [];
    const out: Fields[] = [];
    list.forEach((item, i) => {
      if (typeof item === 'object' && item !== null && !Array.isArray(item))
        out.push(new Fields(item as Json, this.where(key, i), this.problems, this.rootLength));
      else
        this.problems.push(
          problemAt(this.where(key, i), ImportCode.FieldType, `${this.name(key)}[${i}]: expected a mapping, found ${describe(item)}`),
        );
    });
    return out;
  }

  strings(key: string): string[] | undefined {
    const list = this.typed(key, (x): x is unknown[] => Array.isArray(x), 'a list of strings', false);
    if (list === undefined) return undefined;
    const out: string[] = [];
    list.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else
        this.problems.push(
          problemAt(this.where(key, i), ImportCode.FieldType, `${this.name(key)}[${i}]: expected a string, found ${describe(item)}`),
        );
    });
    return out;
  }

  /** Labels, annotations, a selector: a mapping of strings to strings. */
  record(key: string): Record<string, string> | undefined {
    const map = this.object(key);
    if (map === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(map.value)) {
      if (typeof v === 'string') out[k] = v;
      else
        map.problem(
          k,
          ImportCode.FieldType,
          `${this.name(key)}.${k}: expected a string, found ${describe(v)}`,
          'label and annotation values are strings: quote numbers and booleans',
        );
    }
    return out;
  }
}
