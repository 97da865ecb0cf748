/**
 * dig's output, as bind9-dnsutils 9.18 (Debian 12) prints it: the full
 * answer, `+short`, and the display switches (+[no]cmd, comments, question,
 * answer, authority, additional, stats, all). Pure: the reply message and
 * what dig knows of the exchange in, lines out. Checked byte for byte
 * against the real dig (test/exec/fixtures/bind9-dig-captures.txt); the
 * format rules, from the captures and BIND's sources:
 *
 * - records print as BIND's masterfile style does, each field indented to
 *   the next column stop (TTL 24, class 32, type 40, data 48) with tabs of
 *   8 and spaces, at least one space (lib/dns/masterdump.c indent); the
 *   question line starts with `;` and is laid out as if it were not there;
 * - a question under `local.` gets the mDNS warning (dig.c isdotlocal), a
 *   reply without `ra` to a query with `rd` the recursion warning;
 * - each printed section is followed by an empty line when comments are on;
 *   the OPT pseudo-section is not;
 * - a failed exchange prints dighost's messages (three attempts), and only a
 *   failure after sending prints the banner (`;; no servers could be
 *   reached` after it).
 */
import { formatIPv4 } from '../net/ipv4.js';
import { EDNS_OPTION, FLAG, type WireMessage, type WireRecord } from '../net/dns-wire.js';
import { transportFailure, type DnsTransport, type ToolOutput } from './dns-tools.js';
import { utcDateWords } from './format.js';

/** The bind9-dnsutils package the captures came from. */
export const DIG_VERSION = '9.18.49-1~deb12u3-Debian';

/** Which parts dig prints (`+[no]cmd` ... `+[no]stats`; `+short` prints the answers' data only). */
export interface DigDisplay {
  readonly cmd: boolean;
  readonly comments: boolean;
  readonly question: boolean;
  readonly answer: boolean;
  readonly authority: boolean;
  readonly additional: boolean;
  readonly stats: boolean;
  readonly short: boolean;
}

export const DIG_DEFAULT_DISPLAY: DigDisplay = {
  cmd: true,
  comments: true,
  question: true,
  answer: true,
  authority: true,
  additional: true,
  stats: true,
  short: false,
};

export interface DigReply {
  readonly message: WireMessage;
  /** Bytes received: what `MSG SIZE  rcvd` prints. */
  readonly size: number;
  /** The UDP answer was truncated (TC) and this one came over TCP. */
  readonly overTcp: boolean;
}

export interface DigRun {
  /** The command line after `dig`, as typed (the banner repeats it). */
  readonly args: readonly string[];
  /** `@SERVER` was given: the banner says `; (1 server found)`. */
  readonly serverNamed: boolean;
  readonly server: string;
  readonly transport: DnsTransport;
  /** The name as sent (a reverse lookup's in-addr.arpa name), for setup errors. */
  readonly queryName: string;
  readonly reply?: DigReply;
  readonly when: Date;
  readonly queryTimeMs: number;
  readonly display: DigDisplay;
}

const RCODE_TEXT: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
};

/** masterdump.c indent(): tabs to the last tab stop before `to`, spaces for the rest; always at least one blank. */
function indent(column: number, to: number): { text: string; column: number } {
  const target = Math.max(to, column + 1);
  const tabs = Math.floor(target / 8) - Math.floor(column / 8);
  const from = tabs > 0 ? Math.floor(target / 8) * 8 : column;
  return { text: '\t'.repeat(Math.max(tabs, 0)) + ' '.repeat(target - from), column: target };
}

/** Fields laid out at BIND's column stops, starting at column 0. */
function columns(fields: readonly { readonly text: string; readonly stop?: number }[]): string {
  let line = '';
  let column = 0;
  for (const f of fields) {
    if (f.stop !== undefined) {
      const pad = indent(column, f.stop);
      line += pad.text;
      column = pad.column;
    }
    line += f.text;
    column += f.text.length;
  }
  return line;
}

const absolute = (name: string): string => (name.endsWith('.') ? name : `${name}.`);

export function rdataText(rr: WireRecord): string {
  switch (rr.type) {
    case 'A':
      return formatIPv4(rr.address);
    case 'PTR':
      return absolute(rr.target);
    case 'SRV':
      return `${rr.priority} ${rr.weight} ${rr.port} ${absolute(rr.target)}`;
    case 'SOA':
      return `${absolute(rr.mname)} ${absolute(rr.rname)} ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`;
  }
}

export function recordText(rr: WireRecord): string {
  return columns([
    { text: absolute(rr.name) },
    { text: String(rr.ttl), stop: 24 },
    { text: 'IN', stop: 32 },
    { text: rr.type, stop: 40 },
    { text: rdataText(rr), stop: 48 },
  ]);
}

function questionText(message: WireMessage): string {
  return `;${columns([{ text: absolute(message.question.name) }, { text: 'IN', stop: 32 }, { text: message.question.type, stop: 40 }])}`;
}

/** dns_name_issubdomain(qname, "local."). */
function isDotLocal(name: string): boolean {
  const lower = absolute(name).toLowerCase();
  return lower === 'local.' || lower.endsWith('.local.');
}

function flagsText(flags: number): string {
  const names: [number, string][] = [
    [FLAG.QR, 'qr'],
    [FLAG.AA, 'aa'],
    [FLAG.TC, 'tc'],
    [FLAG.RD, 'rd'],
    [FLAG.RA, 'ra'],
    [FLAG.AD, 'ad'],
    [FLAG.CD, 'cd'],
  ];
  return names
    .filter(([bit]) => (flags & bit) !== 0)
    .map(([, name]) => ` ${name}`)
    .join('');
}

function hex(data: Uint8Array): string {
  return [...data].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The OPT pseudo-section (dns_message_pseudosectiontotext): version, flags, UDP size, a cookie only echoed back. */
function optLines(message: WireMessage): string[] {
  const edns = message.edns;
  if (!edns) return [];
  const lines = [';; OPT PSEUDOSECTION:', `; EDNS: version: ${edns.version}, flags:${edns.dnssecOk ? ' do' : ''}; udp: ${edns.udpSize}`];
  for (const o of edns.options) {
    if (o.code === EDNS_OPTION.COOKIE) lines.push(`; COOKIE: ${hex(o.data)}${o.data.length < 16 ? ' (echoed)' : ' (good)'}`);
  }
  return lines;
}

/** strftime("%a %b %d %H:%M:%S %Z %Y") in UTC, a pod's time zone. */
export function digWhen(date: Date): string {
  const { weekday, month, time } = utcDateWords(date);
  return `${weekday} ${month} ${String(date.getUTCDate()).padStart(2, '0')} ${time} UTC ${date.getUTCFullYear()}`;
}

function banner(run: DigRun): string[] {
  if (!run.display.cmd) return [];
  return [
    '',
    `; <<>> DiG ${DIG_VERSION} <<>> ${run.args.join(' ')}`,
    ...(run.serverNamed ? ['; (1 server found)'] : []),
    ';; global options: +cmd',
  ];
}

function section(run: DigRun, title: string, records: readonly WireRecord[], shown: boolean): string[] {
  if (!shown || records.length === 0) return [];
  const c = run.display.comments;
  return [...(c ? [`;; ${title} SECTION:`] : []), ...records.map(recordText), ...(c ? [''] : [])];
}

export function renderDig(run: DigRun): ToolOutput {
  if (run.transport.kind === 'setup') return { stdout: transportFailure(run.server, run.queryName, run.transport), exitCode: 9 };
  if (run.transport.kind === 'error') {
    const attempts = transportFailure(run.server, run.queryName, run.transport);
    // The three attempts, then (with +cmd) the banner, then the verdict.
    return { stdout: [...attempts.slice(0, -1), ...banner(run), attempts[attempts.length - 1]!], exitCode: 9 };
  }
  const reply = run.reply!;
  const m = reply.message;
  const d = run.display;
  if (d.short) return { stdout: m.answer.map(rdataText), exitCode: 0 };
  const out: string[] = [];
  if (reply.overTcp && d.comments) out.push(';; Truncated, retrying in TCP mode.');
  out.push(...banner(run));
  if (d.comments) {
    out.push(';; Got answer:');
    if (isDotLocal(m.question.name))
      out.push(
        ';; WARNING: .local is reserved for Multicast DNS',
        ';; You are currently testing what happens when an mDNS query is leaked to DNS',
      );
    const additional = m.additional.length + (m.edns ? 1 : 0);
    out.push(`;; ->>HEADER<<- opcode: QUERY, status: ${RCODE_TEXT[m.flags & 0xf] ?? String(m.flags & 0xf)}, id: ${m.id}`);
    out.push(
      `;; flags:${flagsText(m.flags)}; QUERY: 1, ANSWER: ${m.answer.length}, AUTHORITY: ${m.authority.length}, ADDITIONAL: ${additional}`,
    );
    if ((m.flags & FLAG.RD) !== 0 && (m.flags & FLAG.RA) === 0) out.push(';; WARNING: recursion requested but not available');
    out.push('', ...optLines(m));
  }
  if (d.question) out.push(...(d.comments ? [';; QUESTION SECTION:'] : []), questionText(m), ...(d.comments ? [''] : []));
  out.push(
    ...section(run, 'ANSWER', m.answer, d.answer),
    ...section(run, 'AUTHORITY', m.authority, d.authority),
    ...section(run, 'ADDITIONAL', m.additional, d.additional),
  );
  if (d.stats) {
    out.push(
      `;; Query time: ${run.queryTimeMs} msec`,
      `;; SERVER: ${run.server}#53(${run.server}) (${reply.overTcp ? 'TCP' : 'UDP'})`,
      `;; WHEN: ${digWhen(run.when)}`,
      `;; MSG SIZE  rcvd: ${reply.size}`,
      '',
    );
  }
  return { stdout: out, exitCode: 0 };
}
