/**
 * traceroute 2.1.2 (`traceroute -n`) output for a TracerouteRun: three
 * probes per hop, fixed times derived from the path length so the output is
 * deterministic.
 */
import { formatIPv4 } from '../net/ipv4.js';
import type { TracerouteRun } from '../dataplane/probes.js';
import { rttOf } from './ping.js';

/** Without -n traceroute looks names up; cluster addresses have no reverse DNS, so it prints `ip (ip)`. */
export function renderTraceroute(run: TracerouteRun, options: { numeric?: boolean } = {}): { stdout: string[]; stderr: string[]; exitCode: number } {
  const dst = formatIPv4(run.dst);
  if (run.connectError) return { stdout: [], stderr: [`connect: Network is unreachable`], exitCode: 1 };
  const stdout = [`traceroute to ${dst} (${dst}), ${run.maxHops} hops max, ${run.packetLength} byte packets`];
  for (const hop of run.hops) {
    const n = String(hop.ttl).padStart(2, ' ');
    if (hop.from === undefined) {
      stdout.push(`${n}  * * *`);
      continue;
    }
    const base = rttOf(hop.hops);
    // Three probes: slightly different, fixed times (the first is the slowest, as caches warm).
    const times = [base + 0.011, base, base - 0.002].map((t) => `${t.toFixed(3)} ms${hop.annotation ? ` ${hop.annotation}` : ''}`);
    const from = formatIPv4(hop.from);
    stdout.push(`${n}  ${options.numeric === false ? `${from} (${from})` : from}  ${times.join('  ')}`);
  }
  return { stdout, stderr: [], exitCode: 0 };
}
