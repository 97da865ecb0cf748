/**
 * traceroute 2.1.2 (`traceroute -n`) output for a TracerouteRun: three
 * probes per hop (or `-q N`), fixed times derived from the path length so
 * the output is deterministic.
 */
import { formatIPv4 } from '../net/ipv4.js';
import type { TracerouteRun } from '../dataplane/probes.js';
import { CONNECT_ERRORS, rttOf } from './ping.js';

/**
 * `probes`: probes per hop (`-q`, default 3), each printed with its own
 * time, or `*` when unanswered. Without -n traceroute looks names up;
 * cluster addresses have no reverse DNS, so it prints `ip (ip)`.
 */
export function renderTraceroute(
  run: TracerouteRun,
  options: { numeric?: boolean; probes?: number; target?: string } = {},
): { stdout: string[]; stderr: string[]; exitCode: number; unterminated?: boolean } {
  const probes = options.probes ?? 3;
  const dst = formatIPv4(run.dst);
  const header = `traceroute to ${options.target ?? dst} (${dst}), ${run.maxHops} hops max, ${run.packetLength} byte packets`;
  // traceroute 2.1.2 prints its header without the newline, then connect() fails: the newline goes to stderr with the error.
  if (run.connectError)
    return { stdout: [header], stderr: ['', `connect: ${CONNECT_ERRORS[run.connectError]}`], exitCode: 1, unterminated: true };
  const stdout = [header];
  for (const hop of run.hops) {
    const n = String(hop.ttl).padStart(2, ' ');
    if (hop.from === undefined) {
      stdout.push(`${n}  ${Array.from({ length: probes }, () => '*').join(' ')}`);
      continue;
    }
    const base = rttOf(hop.hops);
    // Slightly different, fixed times per probe (the first is the slowest, as caches warm).
    const times = Array.from({ length: probes }, (_, i) => (i === 0 ? base + 0.011 : base - 0.002 * (i - 1))).map(
      (t) => `${t.toFixed(3)} ms${hop.annotation ? ` ${hop.annotation}` : ''}`,
    );
    const from = formatIPv4(hop.from);
    stdout.push(`${n}  ${options.numeric === false ? `${from} (${from})` : from}  ${times.join('  ')}`);
  }
  return { stdout, stderr: [], exitCode: 0 };
}
