/**
 * iputils ping (20221126) output for a PingRun. Round-trip times are not
 * measured: they are a fixed function of the hops crossed, so the output is
 * deterministic and still grows with the path.
 */
import { formatIPv4 } from '../net/ipv4.js';
import type { PingProbe, PingRun } from '../dataplane/probes.js';

/** strerror() of the errnos a send or connect can fail with. */
export const CONNECT_ERRORS = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EINVAL: 'Invalid argument',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
} as const;

export function rttOf(hops: number): number {
  return 0.04 + 0.012 * hops;
}

function ms(value: number): string {
  return value.toFixed(3);
}

function icmpText(type: number, code: number, mtu?: number): string {
  if (type === 11) return 'Time to live exceeded';
  if (type === 3) {
    switch (code) {
      case 0:
        return 'Destination Net Unreachable';
      case 1:
        return 'Destination Host Unreachable';
      case 3:
        return 'Destination Port Unreachable';
      case 4:
        return `Frag needed and DF set (mtu = ${mtu ?? 0})`;
      case 13:
        return 'Packet filtered';
      default:
        return `Dest Unreachable, Bad Code: ${code}`;
    }
  }
  return `Bad ICMP type: ${type}`;
}

/** How ping names hosts: the name it was given (canonical), and reverse lookups for replies. */
export interface PingNames {
  readonly target: string;
  readonly reverse: (ip: number) => string | undefined;
}

function probeLine(probe: PingProbe, names?: PingNames): string | undefined {
  switch (probe.kind) {
    case 'reply': {
      // Given a name, ping looks the replying address up (its PTR, else the address itself).
      const from = names ? `${names.reverse(probe.from) ?? formatIPv4(probe.from)} (${formatIPv4(probe.from)})` : formatIPv4(probe.from);
      return `${probe.bytes} bytes from ${from}: icmp_seq=${probe.seq} ttl=${probe.ttl} time=${ms(rttOf(probe.hops))} ms`;
    }
    case 'lost':
      return undefined;
    case 'error': {
      const n = probe.notice;
      if (n.kind === 'local-error') {
        return n.errno === 'EMSGSIZE'
          ? `ping: local error: message too long, mtu=${n.mtu ?? 0}`
          : `ping: sendmsg: ${CONNECT_ERRORS[n.errno as keyof typeof CONNECT_ERRORS] ?? n.errno}`;
      }
      if (n.kind === 'icmp') return `From ${formatIPv4(n.from)} icmp_seq=${probe.seq} ${icmpText(n.type, n.code, n.mtu)}`;
      return undefined;
    }
  }
}

export interface PingOutput {
  readonly stdout: string[];
  readonly stderr: string[];
  /** 0 some reply, 1 none, 2 other errors (as iputils). */
  readonly exitCode: number;
}

export function renderPing(run: PingRun, names?: PingNames): PingOutput {
  if (run.connectError === 'EACCES') {
    // iputils answers a refused send with its broadcast hint, not the errno (a prohibit route, seen on this kernel).
    return { stdout: [], stderr: ['ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules'], exitCode: 2 };
  }
  if (run.connectError) return { stdout: [], stderr: [`ping: connect: ${CONNECT_ERRORS[run.connectError]}`], exitCode: 2 };
  const dst = formatIPv4(run.dst);
  const stdout = [`PING ${names?.target ?? dst} (${dst}) ${run.size}(${run.size + 28}) bytes of data.`];
  const stderr: string[] = [];
  for (const probe of run.probes) {
    const line = probeLine(probe, names);
    if (line === undefined) continue;
    // Local errors go to stderr in iputils; ICMP reports and replies to stdout.
    (probe.kind === 'error' && probe.notice.kind === 'local-error' ? stderr : stdout).push(line);
  }
  const sent = run.probes.length;
  const replies = run.probes.filter((p): p is Extract<PingProbe, { kind: 'reply' }> => p.kind === 'reply');
  const errors = run.probes.filter((p) => p.kind === 'error').length;
  const loss = sent === 0 ? 0 : Math.round(((sent - replies.length) * 100) / sent);
  const time = Math.max(0, sent - 1) * 1001 + (sent > 0 ? 2 : 0);
  stdout.push('', `--- ${names?.target ?? dst} ping statistics ---`);
  stdout.push(
    `${sent} packets transmitted, ${replies.length} received,${errors ? ` +${errors} errors,` : ''} ${loss}% packet loss, time ${time}ms`,
  );
  if (replies.length > 0) {
    const rtts = replies.map((r) => rttOf(r.hops));
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / rtts.length);
    stdout.push(`rtt min/avg/max/mdev = ${ms(Math.min(...rtts))}/${ms(avg)}/${ms(Math.max(...rtts))}/${ms(mdev)} ms`);
  } else {
    // iputils' finish() always ends with a newline: after the rtt line, or alone when nothing came back.
    stdout.push('');
  }
  return { stdout, stderr, exitCode: replies.length > 0 ? 0 : 1 };
}
