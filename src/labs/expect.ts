/**
 * Expectations against what a step produced. Each unmet expectation is a
 * Failure with the expected and the actual value in words, as the runner
 * prints them and JUnit carries them.
 */
import type { Trace } from '../flow/trace.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { NetNs } from '../kernel/netns.js';
import { traceFacts } from '../whatif/diff/pair.js';
import type { Expectations } from './types.js';

export interface Failure {
  /** Which expectation: `disposition`, `ttl`, `contains`, ... */
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
}

function lines(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

/** What a trace passed: hop names (node-02, default/pod-a, pod-a, router), devices (flannel.1, node-02:flannel.1). */
export function passedThrough(trace: Trace): Set<string> {
  const seen = new Set<string>();
  for (const hop of trace.hops) {
    const short = hop.name.includes('/') ? hop.name.slice(hop.name.lastIndexOf('/') + 1) : hop.name;
    seen.add(hop.name);
    seen.add(short);
    seen.add(hop.where);
    const devices = new Set<string>();
    for (const dev of [hop.inDev, hop.outDev]) for (const d of dev?.split(' → ') ?? []) devices.add(d);
    for (const step of hop.steps) {
      if (step.kind === 'bridge') devices.add(step.bridge);
      if (step.kind === 'encap' || step.kind === 'decap' || step.kind === 'xmit') devices.add(step.dev);
      if (step.kind === 'route' && step.decision !== 'local' && step.route.dev !== undefined) devices.add(step.route.dev);
    }
    for (const d of devices) {
      seen.add(d);
      seen.add(`${short}:${d}`);
      seen.add(`${hop.name}:${d}`);
    }
  }
  return seen;
}

export function checkTrace(trace: Trace, expect: Expectations, netns: (id: string) => NetNs | undefined): Failure[] {
  const failures: Failure[] = [];
  const facts = traceFacts(trace, netns);
  const fail = (what: string, expected: unknown, actual: unknown): void => {
    failures.push({ what, expected: String(expected), actual: String(actual) });
  };
  const outcome = `${trace.disposition}: ${trace.summary}`;
  if (expect.disposition !== undefined && trace.disposition !== expect.disposition) fail('disposition', expect.disposition, outcome);
  if (expect.reason !== undefined && !trace.summary.includes(expect.reason))
    fail('reason', `a summary containing "${expect.reason}"`, outcome);
  const passed = passedThrough(trace);
  const route = trace.hops.map((h) => h.name).join(' → ');
  for (const thing of expect.through ?? []) if (!passed.has(thing)) fail('through', `the packet passes ${thing}`, `it went ${route}`);
  for (const thing of expect.notThrough ?? [])
    if (passed.has(thing)) fail('notThrough', `the packet does not pass ${thing}`, `it went ${route}`);
  if (expect.ttl !== undefined && facts.ttl !== expect.ttl)
    fail('ttl', `ttl ${expect.ttl} at arrival`, facts.ttl === undefined ? `not delivered (${outcome})` : `ttl ${facts.ttl}`);
  if (expect.hops !== undefined && facts.hops !== expect.hops) fail('hops', `${expect.hops} hops`, `${facts.hops} hops: ${route}`);
  const tunnels = trace.hops.flatMap((h) => h.steps.flatMap((s) => (s.kind === 'encap' ? [s] : [])));
  if (expect.encap !== undefined) {
    const wanted = lines(expect.encap).filter((t) => t !== 'none');
    const actual = tunnels.map((t) => t.tunnel);
    if (wanted.join(',') !== actual.join(','))
      fail('encap', wanted.length ? wanted.join(', ') : 'no tunnel', actual.length ? actual.join(', ') : 'no tunnel');
  }
  if (expect.outerPort !== undefined) {
    const port = tunnels[0]?.outer.dport;
    if (port !== expect.outerPort)
      fail('outerPort', `outer UDP port ${expect.outerPort}`, port === undefined ? 'no tunnel' : `port ${port}`);
  }
  if (expect.mtu !== undefined && facts.pathMtu !== expect.mtu) fail('mtu', `mtu ${expect.mtu} on the way`, `mtu ${facts.pathMtu ?? '-'}`);
  if (expect.source !== undefined && formatIPv4(trace.flow.src) !== expect.source)
    fail('source', `source address ${expect.source}`, formatIPv4(trace.flow.src));
  if (expect.seenSource !== undefined) {
    const seen = trace.delivered && formatIPv4(trace.delivered.src);
    if (seen !== expect.seenSource)
      fail('seenSource', `the receiver sees source ${expect.seenSource}`, seen === undefined ? `not delivered (${outcome})` : seen);
  }
  const rules = expect.rulesEvaluated;
  if (
    rules !== undefined &&
    ((rules.atMost !== undefined && facts.rulesEvaluated > rules.atMost) ||
      (rules.atLeast !== undefined && facts.rulesEvaluated < rules.atLeast))
  ) {
    const bounds = [
      rules.atLeast !== undefined ? `at least ${rules.atLeast}` : '',
      rules.atMost !== undefined ? `at most ${rules.atMost}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    fail('rulesEvaluated', `${bounds} rules evaluated`, `${facts.rulesEvaluated} rules evaluated`);
  }
  return failures;
}

/** Output lines compare without trailing blanks (`ip route` ends its lines with a space). */
function clean(line: string): string {
  return line.trimEnd();
}

export function checkOutput(
  stdout: readonly string[],
  stderr: readonly string[],
  exitCode: number | undefined,
  expect: Expectations,
): Failure[] {
  const failures: Failure[] = [];
  const out = stdout.map(clean);
  const all = [...out, ...stderr.map(clean)];
  const shown = (list: readonly string[]): string => (list.length ? list.join('\n') : '(no output)');
  for (const want of lines(expect.contains)) {
    if (!all.some((line) => line.includes(clean(want))))
      failures.push({ what: 'contains', expected: `a line containing: ${want}`, actual: shown(all) });
  }
  for (const unwanted of lines(expect.notContains)) {
    const hit = all.find((line) => line.includes(clean(unwanted)));
    if (hit !== undefined) failures.push({ what: 'notContains', expected: `no line containing: ${unwanted}`, actual: hit });
  }
  if (expect.equals !== undefined) {
    const want = lines(expect.equals).map(clean);
    if (want.join('\n') !== out.join('\n')) failures.push({ what: 'equals', expected: shown(want), actual: shown(out) });
  }
  if (expect.exitCode !== undefined && exitCode !== expect.exitCode)
    failures.push({
      what: 'exitCode',
      expected: `exit ${expect.exitCode}`,
      actual: `exit ${exitCode}${stderr.length ? `: ${stderr.join(' ')}` : ''}`,
    });
  return failures;
}
