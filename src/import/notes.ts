/**
 * What an import had to decide without being told, and what it left out:
 * written at the top of the topology as comments and summed up on stderr.
 * Items of one kind are gathered under one line ("3 Ingresses: a, b, c"),
 * so a cluster with 500 ingresses gives one line, not 500.
 */
export type NoteKind = 'inferred' | 'assumed' | 'notExpressible' | 'skipped';

interface Group {
  readonly kind: NoteKind;
  readonly title: string;
  readonly items: string[];
}

/** At most this many examples are named per line. */
const EXAMPLES = 5;

export class ImportNotes {
  private readonly groups = new Map<string, Group>();

  /** What the objects showed, and from where (a line of its own). */
  inferred(text: string): void {
    this.add('inferred', text);
  }

  /** What netlab could not know and chose (a line of its own; say which flag changes it). */
  assumed(text: string): void {
    this.add('assumed', text);
  }

  /** Something real clusters have that the topology cannot say yet: left out, counted under `title`. */
  notExpressible(title: string, item?: string): void {
    this.add('notExpressible', title, item);
  }

  /** Objects not imported (unknown kinds, pods that do not run), counted under `title`. */
  skipped(title: string, item?: string): void {
    this.add('skipped', title, item);
  }

  private add(kind: NoteKind, title: string, item?: string): void {
    const key = `${kind}\u0000${title}`;
    let group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, (group = { kind, title, items: [] }));
    if (item !== undefined) group.items.push(item);
  }

  count(kind: NoteKind): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.kind === kind) n += Math.max(1, g.items.length);
    return n;
  }

  /** The lines of one kind, in the order they were first noted. */
  lines(kind: NoteKind): string[] {
    const out: string[] = [];
    for (const g of this.groups.values()) {
      if (g.kind !== kind) continue;
      if (g.items.length === 0) {
        out.push(g.title);
        continue;
      }
      const shown = g.items.slice(0, EXAMPLES).join(', ');
      const more = g.items.length > EXAMPLES ? `, and ${g.items.length - EXAMPLES} more` : '';
      out.push(`${g.title}${g.items.length === 1 ? '' : ` (${g.items.length})`}: ${shown}${more}`);
    }
    return out;
  }
}
