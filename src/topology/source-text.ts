/**
 * The text of a topology file, and the way from a problem's location (a text
 * offset or a document path) to the 1-based line and column people see.
 *
 * Resolving document paths needs a parse that keeps positions. For YAML that
 * is the yaml Document the loader already has; for JSON read through the fast
 * path nothing was kept, so the locator is built lazily, the first time a
 * diagnostic needs a position: files without problems never pay for it.
 */
import type { DocPath, SourcePosition } from '../diagnostics/diagnostic.js';
import type { CodeFrameSource } from '../diagnostics/format.js';
import type { PathTarget } from './finding.js';

/** Finds the text offset of the key or value a document path names. */
export interface PathLocator {
  /**
   * The offset of the node at `path` (its key, when `target` is 'key' and the
   * last segment is a mapping key). When the path only partly exists (a
   * required key that is missing, a default that was never written), the
   * offset of the deepest part that exists.
   */
  locate(path: DocPath, target: PathTarget): number | undefined;
}

export class SourceText implements CodeFrameSource {
  private lineStarts: number[] | undefined;
  private locator: PathLocator | undefined;

  /**
   * `quotable`: whether code frames may show the text. Not for a file that is
   * not text, nor for one that did not parse as far as a mapping: that is
   * someone else's file (/etc/shadow), not a topology with a mistake in it.
   */
  constructor(
    readonly file: string,
    readonly text: string,
    private readonly makeLocator: () => PathLocator,
    readonly quotable = true,
  ) {}

  /** The same text and positions, never shown in code frames. */
  unquotable(): SourceText {
    return new SourceText(this.file, this.text, this.makeLocator, false);
  }

  /** The number of lines (a final newline does not start a new line). */
  get lineCount(): number {
    const starts = this.starts();
    const last = starts[starts.length - 1]!;
    return last === this.text.length && starts.length > 1 ? starts.length - 1 : starts.length;
  }

  /** The text of a 1-based line, without its line break; undefined past the end. */
  line(line: number): string | undefined {
    const starts = this.starts();
    if (line < 1 || line > starts.length) return undefined;
    const start = starts[line - 1]!;
    let end = line < starts.length ? starts[line]! - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end -= 1; // CRLF
    return this.text.slice(start, end);
  }

  /** 1-based line and column (in UTF-16 code units, as editors count) of a text offset. */
  position(offset: number): SourcePosition {
    const starts = this.starts();
    const clamped = Math.max(starts[0]!, Math.min(offset, this.text.length));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: clamped - starts[low]! + 1 };
  }

  /** Line and column of the key or value at a document path (see PathLocator.locate). */
  locate(path: DocPath, target: PathTarget = 'value'): SourcePosition | undefined {
    this.locator ??= this.makeLocator();
    const offset = this.locator.locate(path, target);
    return offset === undefined ? undefined : this.position(offset);
  }

  private starts(): number[] {
    if (this.lineStarts === undefined) {
      // A byte-order mark is not part of the first line: columns start after it.
      const starts = [this.text.charCodeAt(0) === 0xfeff ? 1 : 0];
      let at = this.text.indexOf('\n');
      while (at >= 0) {
        starts.push(at + 1);
        at = this.text.indexOf('\n', at + 1);
      }
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }
}
