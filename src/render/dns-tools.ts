/**
 * nslookup output, as bind9-dnsutils 9.18 (Debian 12, the
 * dnsutils images people debug cluster DNS with) prints it. Captured from the
 * real tools against a server answering like CoreDNS's kubernetes plugin
 * (flags qr aa rd: authoritative, no recursion available):
 *
 * - everything goes to stdout, comments included;
 * - with the server from /etc/resolv.conf, nslookup prints `;; Got recursion
 *   not available from S` for every answer without RA (CoreDNS never sets it
 *   for its own zone), and `;; Got SERVFAIL reply from S` for a SERVFAIL,
 *   whichever way the server was named;
 * - the A lookup walks the search list and stops at the first NOERROR; then,
 *   unless -type=a, the AAAA lookup of the name that answered (one more
 *   comment line, no record in an IPv4 cluster); a failed A lookup ends it;
 * - `Server:` / `Address:` head the answer of a name lookup, not of a
 *   reverse lookup (`nslookup ADDR`);
 * - unreachable server: three attempts, then `;; no servers could be
 *   reached`; a failure when the socket is set up (no route) repeats the
 *   pair three times; exit 1 (dig: 9);
 * - dig (src/render/dig.ts) shares the failure messages.
 */
import { formatIPv4 } from '../net/ipv4.js';
import type { DnsResponse } from '../model/coredns-reply.js';

/** How the server was reached, as bind's dispatch reports it. */
export type DnsTransport =
  | { readonly kind: 'answered' }
  /** Sent, and an error came back (`connection refused`) or nothing did (`timed out`). */
  | { readonly kind: 'error'; readonly reason: 'timed out' | 'connection refused' }
  /** The socket could not be set up (connect() failed: no route, unreachable or prohibit route...). */
  | { readonly kind: 'setup'; readonly reason: string };

export interface DnsQuestion {
  /** The name as sent (search domain appended, the user's case kept). */
  readonly name: string;
  readonly response: DnsResponse;
}

export interface NslookupRun {
  /** The server as named (command line or resolv.conf). */
  readonly server: string;
  /** Whether the server came from /etc/resolv.conf: only then the "recursion not available" comments. */
  readonly fromResolvConf: boolean;
  readonly transport: DnsTransport;
  /** The name as typed. */
  readonly textname: string;
  /** The name setup errors print: as typed, or a reverse lookup's in-addr.arpa name with its root dot. */
  readonly queryName: string;
  readonly reverse: boolean;
  /** -type=a: no AAAA lookup. */
  readonly onlyA: boolean;
  /** The A (or PTR) questions in the order asked, up to the one that ended the lookup. */
  readonly questions: readonly DnsQuestion[];
  /** The AAAA question that follows a successful (NOERROR) A lookup, without -type=a. */
  readonly aaaa?: DnsQuestion;
}

export interface ToolOutput {
  readonly stdout: string[];
  readonly exitCode: number;
}

/** What dighost prints when the exchange fails: three attempts, then the verdict (a set-up failure: the pair, three times). */
export function transportFailure(server: string, queryName: string, transport: Exclude<DnsTransport, { kind: 'answered' }>): string[] {
  if (transport.kind === 'error') {
    return [
      ...Array.from({ length: 3 }, () => `;; communications error to ${server}#53: ${transport.reason}`),
      ';; no servers could be reached',
    ];
  }
  return Array.from({ length: 3 }, () => [
    `;; UDP setup with ${server}#53(${server}) for ${queryName} failed: ${transport.reason}.`,
    ';; no servers could be reached',
  ]).flat();
}

function comment(run: Pick<NslookupRun, 'server' | 'fromResolvConf'>, response: DnsResponse): string[] {
  if (response.rcode === 'SERVFAIL') return [`;; Got SERVFAIL reply from ${run.server}`];
  return run.fromResolvConf ? [`;; Got recursion not available from ${run.server}`] : [];
}

export function renderNslookup(run: NslookupRun): ToolOutput {
  if (run.transport.kind !== 'answered') {
    return { stdout: [...transportFailure(run.server, run.queryName, run.transport), ''], exitCode: 1 };
  }
  const out: string[] = [];
  for (const q of run.questions) out.push(...comment(run, q.response));
  const last = run.questions[run.questions.length - 1]!;
  const header = run.reverse ? [] : [`Server:\t\t${run.server}`, `Address:\t${run.server}#53`, ''];
  if (last.response.rcode !== 'NOERROR') {
    out.push(...header, `** server can't find ${last.name}: ${last.response.rcode}`, '');
    return { stdout: out, exitCode: 1 };
  }
  out.push(...header);
  for (const record of last.response.answers) {
    if (record.type === 'A') out.push(`Name:\t${record.name}`, `Address: ${formatIPv4(record.address)}`);
    else if (record.type === 'PTR') out.push(`${record.name}\tname = ${record.target}`);
  }
  if (run.aaaa) out.push(...comment(run, run.aaaa.response));
  if (last.response.answers.length === 0) out.push(`*** Can't find ${run.aaaa ? run.aaaa.name : run.textname}: No answer`);
  out.push('');
  return { stdout: out, exitCode: 0 };
}
