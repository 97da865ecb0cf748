/**
 * `ip` as iproute2 6.1 parses it: global options (matched by prefix, in
 * ip.c's order, so `-d` is -details and `-b` is -batch), an object matched
 * by prefix in ip.c's table order (`ip a` is address, `ip r` route, `ip ru`
 * rule, `ip n` neighbour, `ip l` link, `ip m` maddress), a sub-command
 * matched the same way (`ip link s` is *set*, as in the real tool), then
 * the object's arguments.
 */
import type { CountersOf, Link } from '../kernel/link.js';
import { linkByName, type NetNs } from '../kernel/netns.js';
import { parseCidrText, cidr, type Cidr } from '../net/cidr.js';
import { parseIPv4 } from '../net/ipv4.js';
import { renderIpAddr, renderIpAddrOneline, type AddressFamily } from '../render/ip-addr.js';
import { renderIpBriefAddr, renderIpBriefLink } from '../render/ip-brief.js';
import { renderIpLink } from '../render/ip-link.js';
import { renderIpMaddr } from '../render/ip-maddr.js';
import { renderIpNeigh } from '../render/ip-neigh.js';
import { renderIpRoute, tableId, type PrefixSelector, type RouteTableSelector } from '../render/ip-route.js';
import { renderRouteGet, routeGetErrorText } from '../render/ip-route-get.js';
import { renderIpRule } from '../render/ip-rule.js';
import { notEmulated, notEmulatedSubcommand } from './not-emulated.js';
import { countersIn, fail, iproute2Subcommand, matches, ok, type ExecContext, type ExecResult } from './types.js';

interface IpOptions {
  family?: AddressFamily;
  details: boolean;
  stats: boolean;
  brief: boolean;
  oneline: boolean;
}

/** ip.c's objects, in the order prefix matching tries them. */
const OBJECTS = [
  'address',
  'addrlabel',
  'maddress',
  'route',
  'rule',
  'neighbor',
  'neighbour',
  'ntable',
  'link',
  'l2tp',
  'fou',
  'ila',
  'macsec',
  'tunnel',
  'tuntap',
  'token',
  'tcpmetrics',
  'monitor',
  'xfrm',
  'mroute',
  'mrule',
  'netns',
  'netconf',
  'vrf',
  'sr',
  'nexthop',
  'mptcp',
  'ioam',
  'help',
  'stats',
] as const;

/** `Error: argument "X" is wrong: MSG` — iproute2's message text ends in "\n", hence the empty line. */
function invarg(message: string, arg: string): ExecResult {
  return fail(255, `Error: argument "${arg}" is wrong: ${message}`, '');
}

export function runIp(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  const options: IpOptions = { details: false, stats: false, brief: false, oneline: false };
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '-'; i++) {
    let opt = argv[i]!;
    if (opt === '--') {
      i++;
      break;
    }
    if (opt.startsWith('--')) opt = opt.slice(1);
    if (opt === '-4') options.family = 'inet';
    else if (opt === '-6') options.family = 'inet6';
    else if (matches(opt, '-family')) {
      const value = argv[++i];
      if (value === 'inet') options.family = 'inet';
      else if (value === 'inet6') options.family = 'inet6';
      else return notEmulated(argv, `family ${value ?? ''}`);
    } else if (matches(opt, '-human') || matches(opt, '-human-readable') || matches(opt, '-iec')) {
      return notEmulated(argv, 'human-readable counters');
    } else if (matches(opt, '-stats') || matches(opt, '-statistics')) options.stats = true;
    else if (matches(opt, '-details')) options.details = true;
    else if (matches(opt, '-resolve')) continue;
    else if (matches(opt, '-oneline')) options.oneline = true;
    else if (matches(opt, '-Version')) return ok(['ip utility, iproute2-6.1.0, libbpf 1.1.2']);
    else if (matches(opt, '-color') || matches(opt, '-colour')) return notEmulated(argv, 'colour output');
    else if (matches(opt, '-netns')) return notEmulated(argv, 'pick the namespace with the netlab exec target instead');
    else if (matches(opt, '-brief')) options.brief = true;
    else if (matches(opt, '-json') || matches(opt, '-pretty')) return notEmulated(argv, 'JSON output; use netlab -o json');
    else if (
      matches(opt, '-timestamp') ||
      matches(opt, '-batch') ||
      matches(opt, '-force') ||
      matches(opt, '-all') ||
      matches(opt, '-Numeric') ||
      matches(opt, '-loops') ||
      matches(opt, '-rcvbuf') ||
      opt === '-0' ||
      opt === '-M' ||
      opt === '-B' ||
      opt === '-echo'
    ) {
      return notEmulated(argv, `option ${argv[i]}`);
    } else if (matches(opt, '-help')) return ipUsage();
    else return fail(255, `Option "${argv[i]}" is unknown, try "ip -help".`);
  }
  const rest = argv.slice(i);
  if (rest.length === 0) return ipUsage();
  const object = OBJECTS.find((o) => matches(rest[0]!, o));
  const args = rest.slice(1);
  switch (object) {
    case 'address':
      return ipAddress(ns, argv, args, options, countersIn(ctx, ns));
    case 'link':
      return ipLink(ns, argv, args, options, countersIn(ctx, ns));
    case 'route':
      return ipRoute(ns, argv, args, options, ctx);
    case 'rule':
      return ipRule(ns, argv, args, options);
    case 'neighbor':
    case 'neighbour':
      return ipNeigh(ns, argv, args, options);
    case 'maddress':
      return ipMaddr(ns, argv, args, options);
    case undefined:
      return fail(1, `Object "${rest[0]}" is unknown, try "ip help".`);
    default:
      return notEmulated(argv, `ip ${object}`);
  }
}

function ipUsage(): ExecResult {
  return fail(
    255,
    'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }',
    '       ip [ -force ] -batch filename',
    'where  OBJECT := { address | addrlabel | fou | help | ila | ioam | l2tp | link |',
    '                   macsec | maddress | monitor | mptcp | mroute | mrule |',
    '                   neighbor | neighbour | netconf | netns | nexthop | ntable |',
    '                   ntbl | route | rule | sr | tap | tcpmetrics |',
    '                   token | tunnel | tuntap | vrf | xfrm }',
  );
}

/** Which sub-command a word names, trying them in the tool's order; `show` when there are no words. */
interface LinkFilter {
  dev?: string;
  up: boolean;
  master?: string;
  kind?: string;
}

/** ipaddr_list_flush_or_save's arguments, shared by `ip link show` and `ip addr show`. */
function parseLinkFilter(ns: NetNs, args: readonly string[]): LinkFilter | ExecResult {
  const filter: LinkFilter = { up: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === 'up') filter.up = true;
    else if (arg === 'master') {
      const name = args[++i];
      if (name === undefined) return fail(255, 'Command line is not complete. Try option "help"');
      if (!linkByName(ns, name)) return invarg('Device does not exist', name);
      filter.master = name;
    } else if (arg === 'type') {
      const kind = args[++i];
      if (kind === undefined) return fail(255, 'Command line is not complete. Try option "help"');
      filter.kind = kind;
    } else if (
      arg === 'to' ||
      arg === 'scope' ||
      arg === 'label' ||
      arg === 'group' ||
      arg === 'vrf' ||
      arg === 'nomaster' ||
      arg === 'permanent' ||
      arg === 'dynamic'
    ) {
      return { stdout: [], stderr: [`netlab: ip ... ${arg} filter is not emulated.`], exitCode: 2 };
    } else {
      let name = arg;
      if (arg === 'dev') {
        const next = args[++i];
        if (next === undefined) return fail(255, 'Command line is not complete. Try option "help"');
        name = next;
      }
      if (filter.dev !== undefined) return fail(255, `Error: either "dev" is duplicate, or "${name}" is a garbage.`);
      filter.dev = name;
    }
  }
  if (filter.dev !== undefined && !linkByName(ns, filter.dev)) {
    return fail(1, `Device "${filter.dev}" does not exist.`);
  }
  return filter;
}

function isResult(value: unknown): value is ExecResult {
  return typeof value === 'object' && value !== null && 'exitCode' in value;
}

function kindOf(link: Link): string | undefined {
  return link.info.kind === 'ether' || link.info.kind === 'loopback' ? undefined : link.info.kind;
}

function filteredLinks(ns: NetNs, filter: LinkFilter): Link[] {
  return ns.links.filter((l) => {
    if (filter.dev !== undefined && l.name !== filter.dev) return false;
    if (filter.up && !l.state.up) return false;
    if (filter.master !== undefined && l.bridgePort?.bridge !== filter.master) return false;
    if (filter.kind !== undefined) {
      const slave = filter.kind.endsWith('_slave');
      if (slave ? filter.kind !== 'bridge_slave' || !l.bridgePort : kindOf(l) !== filter.kind) return false;
    }
    return true;
  });
}

const ADDRESS_SUBCOMMANDS = ['add', 'change', 'replace', 'delete', 'list', 'show', 'lst', 'flush', 'save', 'showdump', 'restore', 'help'];
const LINK_SUBCOMMANDS = ['add', 'set', 'change', 'replace', 'delete', 'show', 'lst', 'list', 'xstats', 'afstats', 'property', 'help'];

function ipAddress(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions, counters: CountersOf): ExecResult {
  const sub = iproute2Subcommand(args[0], ADDRESS_SUBCOMMANDS);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "ip address help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'ip address', sub, ['save', 'showdump']);
  const filter = parseLinkFilter(ns, args.slice(1));
  if (isResult(filter)) return filter;
  const links = filteredLinks(ns, filter);
  const family = options.family !== undefined ? { family: options.family } : {};
  if (options.brief) return ok(renderIpBriefAddr(ns, family, links));
  if (options.oneline) return ok(renderIpAddrOneline(ns, family, links));
  return ok(renderIpAddr(ns, { ...family, details: options.details, stats: options.stats, counters }, links));
}

function ipLink(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions, counters: CountersOf): ExecResult {
  const sub = iproute2Subcommand(args[0], LINK_SUBCOMMANDS);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "ip link help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'ip link', sub, ['xstats', 'afstats', 'property']);
  const filter = parseLinkFilter(ns, args.slice(1));
  if (isResult(filter)) return filter;
  const links = filteredLinks(ns, filter);
  if (options.brief) return ok(renderIpBriefLink(ns, links));
  return ok(renderIpLink(ns, { details: options.details, stats: options.stats, oneline: options.oneline, counters }, links));
}

const ROUTE_SUBCOMMANDS = [
  'add',
  'change',
  'replace',
  'prepend',
  'append',
  'test',
  'delete',
  'list',
  'show',
  'lst',
  'get',
  'flush',
  'save',
  'restore',
  'showdump',
  'help',
];
const TABLE_NAMES: Record<string, RouteTableSelector> = { local: 'local', main: 'main', default: 'default', all: 'all' };
const PROTO_NUMBERS: Record<string, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, bird: 12, dhcp: 16, bgp: 186 };

/** get_prefix: `10.0.0.0/8`, a bare address (/32), or `default`/`all`/`any` (0/0). */
function parsePrefix(text: string): Cidr | undefined {
  if (text === 'default' || text === 'all' || text === 'any') return { addr: 0, len: 0 };
  if (text.includes('/')) {
    const parsed = parseCidrText(text);
    return parsed && cidr(parsed.ip, parsed.len);
  }
  const ip = parseIPv4(text);
  return ip === undefined ? undefined : { addr: ip, len: 32 };
}

function badPrefix(text: string, family: AddressFamily | undefined): ExecResult {
  const name = family === 'inet' ? 'inet' : family === 'inet6' ? 'inet6' : 'any valid';
  return fail(1, `Error: ${name} prefix is expected rather than "${text}".`);
}

function ipRoute(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions, ctx: ExecContext): ExecResult {
  const sub = iproute2Subcommand(args[0], ROUTE_SUBCOMMANDS);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "ip route help".`);
  if (sub === 'get') return ipRouteGet(ns, argv, args.slice(1), options, ctx);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'ip route', sub, ['save', 'showdump']);
  let table: RouteTableSelector | undefined;
  let dev: string | undefined;
  let prefix: PrefixSelector | undefined;
  let proto: number | undefined;
  const rest = args.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (matches(arg, 'table')) {
      const value = rest[++i];
      if (value === undefined) return fail(255, 'Command line is not complete. Try option "help"');
      if (value in TABLE_NAMES) table = TABLE_NAMES[value]!;
      else if (/^\d+$/.test(value)) table = Number(value);
      else return invarg('table id value is invalid', value);
    } else if (arg === 'dev' || arg === 'oif') {
      dev = rest[++i];
      if (dev === undefined) return fail(255, 'Command line is not complete. Try option "help"');
    } else if (matches(arg, 'protocol')) {
      const value = rest[++i] ?? '';
      proto = PROTO_NUMBERS[value] ?? (/^\d+$/.test(value) ? Number(value) : undefined);
      if (proto === undefined) return invarg('invalid "protocol"', value);
    } else if (
      [
        'tos',
        'dsfield',
        'scope',
        'type',
        'iif',
        'mark',
        'metric',
        'priority',
        'preference',
        'via',
        'src',
        'realms',
        'from',
        'vrf',
        'cached',
        'cloned',
      ].some((k) => k === arg || matches(arg, k))
    ) {
      return notEmulated(argv, `the ${arg} selector`);
    } else {
      let word = arg;
      let mode: PrefixSelector['mode'] = 'exact';
      if (matches(word, 'to')) word = rest[++i] ?? '';
      if (matches(word, 'root')) {
        mode = 'root';
        word = rest[++i] ?? '';
      } else if (matches(word, 'match')) {
        mode = 'match';
        word = rest[++i] ?? '';
      } else if (matches(word, 'exact')) {
        word = rest[++i] ?? '';
      }
      const parsed = parsePrefix(word);
      if (!parsed) return badPrefix(word, options.family);
      prefix = { cidr: parsed, mode };
    }
  }
  if (dev !== undefined && !linkByName(ns, dev)) return fail(1, `Cannot find device "${dev}"`);
  return ok(
    renderIpRoute(ns, {
      ...(table !== undefined ? { table } : {}),
      ...(dev !== undefined ? { dev } : {}),
      ...(prefix ? { prefix } : {}),
      ...(proto !== undefined ? { protocol: proto } : {}),
      ...(options.family ? { family: options.family } : {}),
      details: options.details,
    }),
  );
}

function ipRouteGet(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions, ctx: ExecContext): ExecResult {
  let dst: number | undefined;
  let from: number | undefined;
  let iif: string | undefined;
  let mark: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (matches(arg, 'from')) {
      const text = args[++i] ?? '';
      const prefix = parsePrefix(text);
      if (!prefix) return badPrefix(text, options.family);
      from = prefix.addr;
    } else if (matches(arg, 'iif')) {
      iif = args[++i];
    } else if (matches(arg, 'mark')) {
      const text = args[++i] ?? '';
      const value = Number(text);
      if (!Number.isInteger(value) || value < 0) return invarg('invalid mark value', text);
      mark = value;
    } else if (
      ['tos', 'dsfield', 'oif', 'dev', 'notify', 'connected', 'vrf', 'uid', 'fibmatch', 'as', 'sport', 'dport', 'ipproto'].some(
        (k) => k === arg || matches(arg, k),
      )
    ) {
      return notEmulated(argv, `the ${arg} option`);
    } else {
      const text = arg === 'to' ? (args[++i] ?? '') : arg;
      const prefix = parsePrefix(text);
      if (!prefix) return badPrefix(text, options.family);
      dst = prefix.addr;
    }
  }
  if (dst === undefined) return fail(1, 'need at least a destination address');
  if (iif !== undefined && !linkByName(ns, iif)) return fail(1, `Cannot find device "${iif}"`);
  if (!ctx.routeGet) return notEmulated(argv, 'the route lookup needs the dataplane; run it through netlab exec');
  const answer = ctx.routeGet(ns, {
    dst,
    ...(from !== undefined ? { from } : {}),
    ...(iif !== undefined ? { iif } : {}),
    ...(mark !== undefined ? { mark } : {}),
  });
  if (answer.kind === 'error') return fail(2, routeGetErrorText(answer));
  return ok(renderRouteGet(answer));
}

function ipRule(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions): ExecResult {
  const sub = iproute2Subcommand(args[0], ['list', 'show', 'lst', 'add', 'delete', 'flush', 'save', 'restore', 'help']);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "ip rule help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'ip rule', sub, ['save']);
  let table: number | undefined;
  const rest = args.slice(1);
  for (let i = 0; i < rest.length; i++) {
    if (matches(rest[i]!, 'table') || rest[i] === 'lookup') {
      const value = rest[++i] ?? '';
      const named = TABLE_NAMES[value];
      if (named !== undefined && named !== 'all') table = tableId(named);
      else if (/^\d+$/.test(value)) table = Number(value);
      else return invarg('invalid table ID', value);
    } else return notEmulated(argv, `the ${rest[i]} selector`);
  }
  return ok(renderIpRule(ns, { ...(options.family ? { family: options.family } : {}), ...(table !== undefined ? { table } : {}) }));
}

function ipNeigh(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions): ExecResult {
  const sub = iproute2Subcommand(args[0], ['add', 'change', 'replace', 'delete', 'get', 'show', 'lst', 'list', 'flush', 'help']);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "ip neigh help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'ip neigh', sub, ['get']);
  let dev: string | undefined;
  const rest = args.slice(1);
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === 'dev') dev = rest[++i];
    else return notEmulated(argv, `the ${rest[i]} selector`);
  }
  if (dev !== undefined && !linkByName(ns, dev)) return fail(1, `Cannot find device "${dev}"`);
  // netlab keeps no IPv6 neighbours.
  if (options.family === 'inet6') return ok([]);
  return ok(renderIpNeigh(ns, dev !== undefined ? { dev } : {}));
}

function ipMaddr(ns: NetNs, argv: readonly string[], args: readonly string[], options: IpOptions): ExecResult {
  const sub = iproute2Subcommand(args[0], ['add', 'delete', 'list', 'show', 'lst', 'help']);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "ip maddr help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'ip maddr', sub);
  let dev: string | undefined;
  const rest = args.slice(1);
  for (let i = 0; i < rest.length; i++) dev = rest[i] === 'dev' ? rest[++i] : rest[i];
  // iproute2 filters maddr by name while printing: an unknown device just prints nothing.
  return ok(renderIpMaddr(ns, dev === undefined ? ns.links : ns.links.filter((l) => l.name === dev), options.family));
}
