/**
 * JUnit XML for CI: one <testsuite> per lab, one <testcase> per step, a
 * <failure> with the expected and the actual text for each unmet step, an
 * <error> for a step (or a whole lab) that could not run. The shape is the
 * common denominator Jenkins, GitLab and GitHub reporters read.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnostic } from '../diagnostics/format.js';
import type { LabResult, StepResult } from './run.js';

export interface UnloadableLab {
  /** The lab file that could not be loaded, and why. */
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
}

// XML 1.0 cannot carry most control characters at all: escapeXml drops them.
// eslint-disable-next-line no-control-regex -- they are the characters to drop
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_IN_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const seconds = (s: number): string => Math.max(0, s).toFixed(3);

function testcase(lab: LabResult, step: StepResult): string[] {
  const name = escapeXml(`${step.step.number}. ${step.step.name}`);
  const head = `    <testcase name="${name}" classname="${escapeXml(`netlab.lab.${lab.lab.name}`)}" time="${seconds(step.seconds)}"`;
  if (step.status === 'pass') return [`${head}/>`];
  const out = [`${head}>`];
  if (step.status === 'error') {
    const text = step.diagnostics.map((d) => formatDiagnostic(d)).join('\n');
    out.push(
      `      <error message="${escapeXml(step.diagnostics[0]?.message ?? 'error')}" type="${escapeXml(step.diagnostics[0]?.code ?? 'error')}">${escapeXml(text)}</error>`,
    );
  } else {
    const first = step.failures[0]!;
    const text = step.failures.map((f) => `${f.what}\n  expected: ${f.expected}\n  actual:   ${f.actual}`).join('\n');
    out.push(
      `      <failure message="${escapeXml(`${first.what}: expected ${first.expected}`)}" type="${escapeXml(first.what)}">${escapeXml(text)}</failure>`,
    );
  }
  out.push('    </testcase>');
  return out;
}

export function junitXml(results: readonly LabResult[], unloadable: readonly UnloadableLab[] = []): string {
  const steps = results.flatMap((r) => r.steps);
  const tests = steps.length + results.filter((r) => r.steps.length === 0).length + unloadable.length;
  const failures = steps.filter((s) => s.status === 'fail').length;
  const errors =
    steps.filter((s) => s.status === 'error').length +
    results.filter((r) => r.steps.length === 0 && r.status === 'error').length +
    unloadable.length;
  const time = results.reduce((t, r) => t + r.seconds, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netlab labs" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(time)}">`,
  ];
  for (const r of results) {
    const f = r.steps.filter((s) => s.status === 'fail').length;
    const e = r.steps.filter((s) => s.status === 'error').length;
    const attrs = `name="${escapeXml(r.lab.name)}" tests="${Math.max(1, r.steps.length)}" failures="${f}" errors="${r.steps.length === 0 ? 1 : e}" time="${seconds(r.seconds)}" file="${escapeXml(r.lab.file)}"`;
    out.push(`  <testsuite ${attrs}>`);
    out.push(`    <properties><property name="title" value="${escapeXml(r.lab.title)}"/></properties>`);
    if (r.steps.length === 0) {
      const text = r.diagnostics.map((d) => formatDiagnostic(d)).join('\n');
      out.push(`    <testcase name="build" classname="${escapeXml(`netlab.lab.${r.lab.name}`)}" time="${seconds(r.seconds)}">`);
      out.push(
        `      <error message="${escapeXml(r.diagnostics[0]?.message ?? 'the topology does not build')}" type="${escapeXml(r.diagnostics[0]?.code ?? 'error')}">${escapeXml(text)}</error>`,
      );
      out.push('    </testcase>');
    }
    for (const s of r.steps) out.push(...testcase(r, s));
    out.push('  </testsuite>');
  }
  for (const u of unloadable) {
    out.push(`  <testsuite name="${escapeXml(u.file)}" tests="1" failures="0" errors="1" time="0.000" file="${escapeXml(u.file)}">`);
    out.push(`    <testcase name="load" classname="netlab.lab" time="0.000">`);
    out.push(
      `      <error message="${escapeXml(u.diagnostics[0]?.message ?? 'invalid lab file')}" type="${escapeXml(u.diagnostics[0]?.code ?? 'error')}">${escapeXml(u.diagnostics.map((d) => formatDiagnostic(d)).join('\n'))}</error>`,
    );
    out.push('    </testcase>');
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
