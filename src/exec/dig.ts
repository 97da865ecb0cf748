/**
 * `dig [@SERVER] [-t TYPE] [-x ADDR] [+OPTIONS] NAME [TYPE]` in a pod, as
 * bind9-dnsutils 9.18 does it: one question (A unless told: AAAA, SRV, PTR),
 * the name as typed (absolute: dig does not use the search list unless
 * `+search`), walked to the server like nslookup's (src/exec/dns.ts), and
 * CoreDNS's reply (src/model/coredns-reply.ts) printed whole or in part.
 *
 * What the real exchange randomises is derived, so output is stable: the
 * message id from a hash of the server, name and type; dig's client cookie
 * (which CoreDNS echoes) from a hash of the server, as dig keeps one per
 * server; the date (WHEN, and CoreDNS's SOA serial) from the exec clock
 * (SOURCE_DATE_EPOCH through the CLI, else a fixed date); the query time
 * 0 msec, like ping's fixed times.
 */
import type { NetNs } from '../kernel/netns.js';
import { fnv1a32, mulberry32 } from '../net/hash.js';
import { parseIPv4 } from '../net/ipv4.js';
import { EDNS_OPTION, type Edns } from '../net/dns-wire.js';
import { reverseName } from '../model/dns.js';
import { coreDnsQuery, replyMessage, scrub, type DnsQuery, type DnsResponse, type QueryType } from '../model/coredns-reply.js';
import { DIG_DEFAULT_DISPLAY, renderDig, type DigDisplay, type DigReply } from '../render/dig.js';
import { bindCandidates, reachServer, soaSerial, target, toResult } from './dns.js';
import { notEmulated } from './not-emulated.js';
import { execClock, type ExecContext, type ExecResult } from './types.js';

/** dig 9.18's default EDNS buffer size (+bufsize). */
const DIG_UDP_SIZE = 1232;

const SUPPORTED_TYPES: readonly QueryType[] = ['A', 'AAAA', 'SRV', 'PTR'];
/** Types dig knows that netlab does not answer: they are refused rather than taken for a name. */
const OTHER_TYPES = new Set([
  'ANY',
  'AXFR',
  'CAA',
  'CNAME',
  'DNSKEY',
  'DS',
  'HINFO',
  'IXFR',
  'MX',
  'NAPTR',
  'NS',
  'NSEC',
  'RRSIG',
  'SOA',
  'SSHFP',
  'TLSA',
  'TXT',
]);

/** The display switches `+[no]NAME` sets; `all` sets them all, and +cmd with them. */
const SWITCHES = ['cmd', 'comments', 'question', 'answer', 'authority', 'additional', 'stats'] as const;
type Switch = (typeof SWITCHES)[number];

interface DigOptions {
  server?: string;
  name?: string;
  type?: QueryType;
  reverse: boolean;
  search: boolean;
  display: { -readonly [K in keyof DigDisplay]: DigDisplay[K] };
}

const USAGE =
  'dig [@SERVER] [-t A|AAAA|SRV|PTR] [-x ADDR] [+short] [+[no]search] [+[no]cmd|comments|question|answer|authority|additional|stats|all] NAME [TYPE]';

function parseDigArgs(argv: readonly string[]): DigOptions | ExecResult {
  const o: DigOptions = { reverse: false, search: false, display: { ...DIG_DEFAULT_DISPLAY } };
  const setType = (word: string): ExecResult | undefined => {
    const upper = word.toUpperCase();
    if (!SUPPORTED_TYPES.includes(upper as QueryType))
      return notEmulated(argv, `query type ${upper} is not emulated (${SUPPORTED_TYPES.join(', ')})`);
    o.type = upper as QueryType;
    return undefined;
  };
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('@')) o.server = arg.slice(1);
    else if (arg.startsWith('+')) {
      const failed = plusOption(o, arg.slice(1));
      if (failed) return notEmulated(argv, `dig option ${arg} is not emulated: ${USAGE}`);
    } else if (arg === '-x') {
      const address = parseIPv4(args[++i] ?? '');
      if (address === undefined) return notEmulated(argv, 'dig -x takes an IPv4 address');
      o.name = `${reverseName(address)}.`;
      o.type = 'PTR';
      o.reverse = true;
    } else if (arg === '-t' || (arg.startsWith('-t') && arg.length > 2)) {
      const failed = setType(arg === '-t' ? (args[++i] ?? '') : arg.slice(2));
      if (failed) return failed;
    } else if (arg.startsWith('-')) return notEmulated(argv, `dig option ${arg} is not emulated: ${USAGE}`);
    else if (/^in$/i.test(arg)) continue;
    else if (SUPPORTED_TYPES.includes(arg.toUpperCase() as QueryType) || OTHER_TYPES.has(arg.toUpperCase())) {
      // dig takes any word that parses as a type for the type, wherever it stands.
      const failed = setType(arg);
      if (failed) return failed;
    } else if (o.name === undefined) o.name = arg;
    else return notEmulated(argv, `only one question is emulated: ${arg}`);
  }
  return o;
}

/** `+short`, `+[no]search`, `+[no]SWITCH`, `+[no]all`; false when netlab does not know the option. */
function plusOption(o: DigOptions, option: string): boolean {
  const on = !option.startsWith('no');
  const word = on ? option : option.slice(2);
  if (word === 'short' && on) {
    // dig.c: +short prints the answer section's data and nothing else.
    Object.assign(o.display, {
      cmd: false,
      comments: false,
      question: false,
      answer: true,
      authority: false,
      additional: false,
      stats: false,
      short: true,
    });
  } else if (word === 'search') o.search = on;
  else if (word === 'all') for (const s of SWITCHES) o.display[s] = on;
  else if ((SWITCHES as readonly string[]).includes(word)) o.display[word as Switch] = on;
  else return true;
  return false;
}

/** Eight bytes that stand for dig's client cookie: one per server, as dig keeps them. */
function clientCookie(server: string): Uint8Array {
  const next = mulberry32(fnv1a32(`dig client cookie ${server}`));
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, next());
  view.setUint32(4, next());
  return bytes;
}

function digQuery(server: string, name: string, type: QueryType): DnsQuery {
  const edns: Edns = {
    udpSize: DIG_UDP_SIZE,
    version: 0,
    dnssecOk: false,
    options: [{ code: EDNS_OPTION.COOKIE, data: clientCookie(server) }],
  };
  return { id: fnv1a32(`dig ${server} ${name} ${type}`) & 0xffff, name, type, recursionDesired: true, edns };
}

/** The reply dig prints: over UDP, or (truncated there) again over TCP. */
function received(query: DnsQuery, response: DnsResponse): DigReply {
  const message = replyMessage(query, response);
  const udp = scrub(message, query, false);
  if (!udp.truncated) return { message, size: udp.size, overTcp: false };
  return { message, size: scrub(message, query, true).size, overTcp: true };
}

export function runDig(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  if (!ctx.dataplane) return notEmulated(argv, 'dig needs the dataplane; run it through netlab exec');
  const o = parseDigArgs(argv);
  if (!('display' in o)) return o;
  if (o.name === undefined) return notEmulated(argv, 'dig without a name asks for the root servers');
  const where = target(ns, argv, o.server);
  if (!('server' in where)) return where;
  const type = o.type ?? 'A';
  const typed = o.name;
  const clock = execClock(ctx);
  const transport = reachServer(ctx.dataplane, ns, where.address);
  const base = {
    args: argv.slice(1),
    serverNamed: o.server !== undefined,
    server: where.server,
    transport,
    when: clock,
    queryTimeMs: 0,
    display: o.display,
  };
  if (transport.kind !== 'answered') return toResult(renderDig({ ...base, queryName: o.reverse ? typed : typed.replace(/\.$/, '') }));
  // Without +search the name is asked as written (made absolute); with it, each search domain first
  // while the answer is NXDOMAIN, as dighost's next_origin does.
  const candidates = o.search && !o.reverse ? bindCandidates(typed, where.conf) : [typed.replace(/\.$/, '')];
  let reply: DigReply | undefined;
  for (const candidate of candidates) {
    const query = digQuery(where.server, `${candidate}.`, type);
    reply = received(query, coreDnsQuery(ctx.dataplane.cluster, candidate, type, soaSerial(clock)));
    if ((reply.message.flags & 0xf) !== 3) break;
  }
  return toResult(renderDig({ ...base, queryName: typed, reply: reply! }));
}
