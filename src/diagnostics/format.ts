/**
 * Diagnostics as people read them in a terminal:
 *
 *     labs/x.yaml:12:14  error NL-SCHEMA-ENUM  expected one of vxlan, host-gw, udp, got 'vxlam'
 *        10 | network:
 *        11 |   cni:
 *        12 |     backend: vxlam
 *           |              ^
 *       hint: did you mean 'vxlan'?
 *
 * Pure: no colour decisions, no I/O. Colour comes in through a style object
 * of string functions (the CLI passes chalk-based ones); the default is
 * plain text.
 */
import type { Diagnostic } from './diagnostic.js';

/** Where code frames read lines from (src/topology/source-text.ts implements it). */
export interface CodeFrameSource {
  /** The text of a 1-based line without its line break, or undefined past the end. */
  line(line: number): string | undefined;
  /** false: never quote this text (it is not a topology: a binary file, /etc/shadow). */
  readonly quotable?: boolean;
}

export interface DiagnosticStyle {
  readonly location: (text: string) => string;
  readonly error: (text: string) => string;
  readonly warning: (text: string) => string;
  readonly code: (text: string) => string;
  readonly message: (text: string) => string;
  readonly gutter: (text: string) => string;
  readonly caret: (text: string) => string;
  readonly hint: (text: string) => string;
}

const plain = (text: string): string => text;

export const plainStyle: DiagnosticStyle = {
  location: plain,
  error: plain,
  warning: plain,
  code: plain,
  message: plain,
  gutter: plain,
  caret: plain,
  hint: plain,
};

export interface FormatOptions {
  /** Lines shown above the offending one (default 2). */
  readonly contextLines?: number;
  /** Longest stretch of a line shown; longer lines (minified JSON) are cut around the column. */
  readonly maxLineWidth?: number;
}

/**
 * The diagnostic as lines of text (no trailing newline). `style` may give
 * only some of the functions; the others leave text plain.
 */
export function formatDiagnostic(
  d: Diagnostic,
  source?: CodeFrameSource,
  partialStyle: Partial<DiagnosticStyle> = {},
  options: FormatOptions = {},
): string {
  const style: DiagnosticStyle = { ...plainStyle, ...partialStyle };
  const lines = [headerLine(d, style)];
  if (source !== undefined && source.quotable !== false && d.line !== undefined)
    lines.push(...codeFrame(source, d.line, d.col ?? 1, style, options));
  if (d.hint !== undefined) lines.push(`  ${style.hint(`hint: ${escapeControls(d.hint)}`)}`);
  return lines.join('\n');
}

/**
 * Text from outside (a file name, a value given on the command line, a line
 * of a file) made safe for one line of a terminal: line breaks, other
 * control characters and the bidirectional overrides are written as escapes
 * (`\n`, `\x1b`, `\u202e`), so nothing splits a diagnostic line, moves the
 * cursor or reorders what is shown. Tabs stay in code frames (for alignment).
 */
export function escapeControls(text: string, keepTabs = false): string {
  return text.replace(CONTROLS, (c) => {
    if (c === '\t' && keepTabs) return c;
    const named = NAMED_ESCAPES[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex -- control characters are the ones to escape
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `file:line:col  error CODE  message`. */
function headerLine(d: Diagnostic, style: DiagnosticStyle): string {
  const where = [d.file === undefined ? undefined : escapeControls(d.file), d.line, d.line !== undefined ? d.col : undefined]
    .filter((part) => part !== undefined)
    .join(':');
  const severity = d.severity === 'error' ? style.error('error') : style.warning('warning');
  const head = `${severity} ${style.code(d.code)}  ${style.message(escapeControls(d.message))}`;
  return where === '' ? head : `${style.location(where)}  ${head}`;
}

function codeFrame(source: CodeFrameSource, line: number, col: number, style: DiagnosticStyle, options: FormatOptions): string[] {
  const context = options.contextLines ?? 2;
  const width = options.maxLineWidth ?? 120;
  const target = source.line(line);
  if (target === undefined) return [];
  const first = Math.max(1, line - context);
  const numberWidth = String(line).length;
  const out: string[] = [];
  // Every line of the frame is cut to the same window so the caret stays aligned.
  const window = lineWindow(target.length, col, width);
  for (let n = first; n <= line; n++) {
    const text = source.line(n) ?? '';
    out.push(`  ${style.gutter(`${String(n).padStart(numberWidth)} |`)} ${escapeControls(cut(text, window), true)}`.trimEnd());
  }
  const before = escapeControls(cut(target, window).slice(0, Math.max(0, col - 1 - window.start + (window.start > 0 ? 1 : 0))), true);
  // Copy tabs so the caret lines up however wide the terminal draws them.
  const padding = before.replace(/[^\t]/g, ' ');
  out.push(`  ${style.gutter(`${' '.repeat(numberWidth)} |`)} ${padding}${style.caret('^')}`);
  return out;
}

interface Window {
  readonly start: number;
  readonly end: number;
}

function lineWindow(length: number, col: number, width: number): Window {
  if (length <= width) return { start: 0, end: width };
  const start = Math.max(0, Math.min(col - 1 - Math.floor(width / 2), length - width));
  return { start, end: start + width };
}

/** The window of a line, with an ellipsis where text was cut. */
function cut(text: string, window: Window): string {
  if (window.start === 0 && text.length <= window.end) return text;
  const middle = text.slice(window.start, window.end);
  return `${window.start > 0 ? '…' : ''}${middle}${text.length > window.end ? '…' : ''}`;
}

/** Several diagnostics, separated by blank lines. */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  source?: CodeFrameSource,
  style: Partial<DiagnosticStyle> = {},
  options: FormatOptions = {},
): string {
  return diagnostics.map((d) => formatDiagnostic(d, source, style, options)).join('\n\n');
}
