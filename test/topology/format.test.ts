import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostic, formatDiagnostics } from '../../src/diagnostics/format.js';
import { loadTopology } from '../../src/topology/load.js';
import { SourceText } from '../../src/topology/source-text.js';

const text = [
  'apiVersion: netlab/v1',
  'kind: Cluster',
  'metadata: {name: t}',
  'network:',
  '  cni: {plugin: flannel, backend: vxlam}',
  '',
].join('\n');
const source = new SourceText('lab.yaml', text, () => ({ locate: () => undefined }));
const enumError: Diagnostic = {
  code: 'NL-SCHEMA-ENUM',
  severity: 'error',
  message: "expected one of vxlan, host-gw, udp, got 'vxlam'",
  file: 'lab.yaml',
  line: 5,
  col: 35,
  hint: "did you mean 'vxlan'?",
};

describe('formatDiagnostic', () => {
  it('prints the location, a code frame with two lines of context and a caret, and the hint', () => {
    expect(formatDiagnostic(enumError, source)).toBe(
      [
        "lab.yaml:5:35  error NL-SCHEMA-ENUM  expected one of vxlan, host-gw, udp, got 'vxlam'",
        '  3 | metadata: {name: t}',
        '  4 | network:',
        '  5 |   cni: {plugin: flannel, backend: vxlam}',
        '    |                                   ^',
        "  hint: did you mean 'vxlan'?",
      ].join('\n'),
    );
  });

  it('prints just the header and hint without a source or a line', () => {
    expect(formatDiagnostic(enumError)).toBe(
      "lab.yaml:5:35  error NL-SCHEMA-ENUM  expected one of vxlan, host-gw, udp, got 'vxlam'\n  hint: did you mean 'vxlan'?",
    );
    expect(formatDiagnostic({ code: 'NL-INPUT-TOO-LARGE', severity: 'error', message: 'too big', file: 'x.yaml' }, source)).toBe(
      'x.yaml  error NL-INPUT-TOO-LARGE  too big',
    );
    expect(formatDiagnostic({ code: 'NL-X', severity: 'warning', message: 'no file' })).toBe('warning NL-X  no file');
  });

  it('shows fewer context lines at the top of the file', () => {
    const out = formatDiagnostic({ ...enumError, line: 1, col: 13, hint: undefined }, source);
    expect(out.split('\n').slice(1)).toEqual(['  1 | apiVersion: netlab/v1', '    |             ^']);
  });

  it('applies the style functions it is given, and only those', () => {
    const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
    const out = formatDiagnostic(enumError, source, { error: tag('e'), code: tag('c'), caret: tag('^'), hint: tag('h') });
    expect(out.split('\n')[0]).toBe("lab.yaml:5:35  <e>error</e> <c>NL-SCHEMA-ENUM</c>  expected one of vxlan, host-gw, udp, got 'vxlam'");
    expect(out.split('\n')[4]).toBe('    |                                   <^>^</^>');
    expect(out.split('\n')[5]).toBe("  <h>hint: did you mean 'vxlan'?</h>");
  });

  it('keeps the caret under the column when tabs precede it', () => {
    const tabbed = new SourceText('t.yaml', 'a:\n\tb: x\n', () => ({ locate: () => undefined }));
    const out = formatDiagnostic(
      { code: 'NL-X', severity: 'error', message: 'm', file: 't.yaml', line: 2, col: 5 },
      tabbed,
      {},
      { contextLines: 0 },
    );
    expect(out.split('\n').slice(1)).toEqual(['  2 | \tb: x', '    | \t   ^']);
  });

  it('cuts long lines (minified JSON) to a window around the column', () => {
    const line = `{"a": "${'x'.repeat(300)}", "bad": 1}`;
    const long = new SourceText('m.json', line, () => ({ locate: () => undefined }));
    const col = line.indexOf('"bad"') + 1;
    const out = formatDiagnostic(
      { code: 'NL-X', severity: 'error', message: 'm', file: 'm.json', line: 1, col },
      long,
      {},
      { maxLineWidth: 40 },
    );
    const [, frame, caret] = out.split('\n');
    expect(frame!.length).toBeLessThan(60);
    // The caret sits under the `"` of "bad" in the cut line.
    expect(frame![caret!.indexOf('^')]).toBe('"');
    expect(frame!.slice(caret!.indexOf('^'), caret!.indexOf('^') + 5)).toBe('"bad"');
  });

  it('formats a real load result end to end', () => {
    const result = loadTopology(text, 'lab.yaml');
    expect(formatDiagnostics(result.diagnostics, result.source)).toBe(formatDiagnostic(enumError, source));
  });
});
