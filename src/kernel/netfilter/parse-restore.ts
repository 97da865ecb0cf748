/**
 * iptables-restore input -> structured rules, as iptables 1.8.9 reads it:
 * `*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN args`, `-X CHAIN`, `COMMIT`.
 * Arguments are split as iptables-restore splits them (double quotes group,
 * a backslash escapes the next character), options go to the most recently
 * loaded match that knows them, `!` negates the option that follows, and a
 * protocol's match is loaded implicitly for its options (`-p tcp --dport
 * 80`). Values are kept as the kernel keeps them (a statistic probability
 * is quantised to 2^-31; MARK's --or-mark/--xor-mark become value/mask).
 *
 * It covers the matches and targets netlab's own rules use (kube-proxy's,
 * flannel's, the kubelet's); anything else is an error, never a guess.
 */
import { parseCidrText, cidr as makeCidr, type Cidr } from '../../net/cidr.js';
import { parseIPv4 } from '../../net/ipv4.js';
import type { IptRule, Match, Negatable, TableName, Target } from './rule.js';

export interface RestoreChain {
  readonly name: string;
  /** Built-in chains: their policy; user chains `-`. */
  readonly policy: string;
  readonly rules: IptRule[];
}

export interface RestoreTable {
  readonly name: TableName;
  /** In the order the `:CHAIN` lines declare them. */
  readonly chains: RestoreChain[];
  /** `-X CHAIN` lines. */
  readonly deleted: string[];
}

export class RestoreParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'RestoreParseError';
  }
}

const TABLES: readonly string[] = ['raw', 'mangle', 'filter', 'nat', 'security'];

export function parseRestore(text: string): RestoreTable[] {
  const tables: RestoreTable[] = [];
  let current: RestoreTable | undefined;
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      const name = line.slice(1);
      if (!TABLES.includes(name)) throw new RestoreParseError(`unknown table ${name}`, lineNo);
      current = { name: name as TableName, chains: [], deleted: [] };
      tables.push(current);
      return;
    }
    if (current === undefined) throw new RestoreParseError('rule outside a table', lineNo);
    if (line === 'COMMIT') {
      current = undefined;
      return;
    }
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (!current.chains.some((c) => c.name === name)) current.chains.push({ name: name!, policy: policy ?? '-', rules: [] });
      return;
    }
    const args = splitArgs(line, lineNo);
    if (args[0] === '-X') {
      current.deleted.push(args[1]!);
      return;
    }
    if (args[0] !== '-A' || args[1] === undefined) throw new RestoreParseError(`expected -A CHAIN, got ${args[0]}`, lineNo);
    const chain = current.chains.find((c) => c.name === args[1]);
    if (chain === undefined) throw new RestoreParseError(`chain ${args[1]} was not declared`, lineNo);
    chain.rules.push(parseRuleArgs(args.slice(2), lineNo));
  });
  return tables;
}

/** iptables-restore's tokenizer: whitespace separates, double quotes group, a backslash escapes. */
export function splitArgs(line: string, lineNo = 0): string[] {
  const args: string[] = [];
  let token = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      token += line[++i];
      inToken = true;
    } else if (c === '"') {
      quoted = !quoted;
      inToken = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (inToken) args.push(token);
      token = '';
      inToken = false;
    } else {
      token += c;
      inToken = true;
    }
  }
  if (quoted) throw new RestoreParseError('unterminated quote', lineNo);
  if (inToken) args.push(token);
  return args;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MatchBuilder = Mutable<Match> & Record<string, unknown>;

const PROTOCOL_MODULES = new Set(['tcp', 'udp', 'sctp']);

function address(text: string, lineNo: number): Cidr {
  const withLen = text.includes('/') ? text : `${text}/32`;
  const parsed = parseCidrText(withLen);
  if (parsed === undefined) throw new RestoreParseError(`bad address ${text}`, lineNo);
  return makeCidr(parsed.ip, parsed.len);
}

function number(text: string, lineNo: number): number {
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RestoreParseError(`bad number ${text}`, lineNo);
  return n;
}

/** `0x4000` or `0x4000/0x4000`. */
function valueMask(text: string, lineNo: number): [number, number | undefined] {
  const [value, mask] = text.split('/');
  return [number(value!, lineNo) >>> 0, mask === undefined ? undefined : number(mask, lineNo) >>> 0];
}

/** The arguments of one rule (after `-A CHAIN`). */
export function parseRuleArgs(args: readonly string[], lineNo = 0): IptRule {
  const rule: Mutable<IptRule> & { matches: MatchBuilder[] } = { matches: [] };
  let negate = false;
  let i = 0;
  const next = (): string => {
    const value = args[++i];
    if (value === undefined) throw new RestoreParseError(`${args[i - 1]} needs a value`, lineNo);
    return value;
  };
  const neg = <T>(value: T): Negatable<T> => (negate ? { value, negate: true } : { value });
  const owner = (option: string): MatchBuilder => {
    for (let k = rule.matches.length - 1; k >= 0; k--) if (accepts(rule.matches[k]!.module, option)) return rule.matches[k]!;
    const protocol = rule.protocol?.value;
    if (protocol !== undefined && PROTOCOL_MODULES.has(protocol) && accepts(protocol, option)) {
      const implicit = { module: protocol } as MatchBuilder;
      rule.matches.push(implicit);
      return implicit;
    }
    throw new RestoreParseError(`unknown option ${option}`, lineNo);
  };
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '!') {
      negate = true;
      continue;
    }
    switch (arg) {
      case '-s':
      case '--source':
      case '--src':
        rule.src = neg(address(next(), lineNo));
        break;
      case '-d':
      case '--destination':
      case '--dst':
        rule.dst = neg(address(next(), lineNo));
        break;
      case '-i':
      case '--in-interface':
        rule.inIface = neg(next());
        break;
      case '-o':
      case '--out-interface':
        rule.outIface = neg(next());
        break;
      case '-p':
      case '--protocol':
        rule.protocol = neg(next());
        break;
      case '-m':
      case '--match':
        rule.matches.push({ module: next() } as MatchBuilder);
        break;
      case '-j':
      case '--jump':
        rule.target = target(next(), args, i, lineNo);
        i = args.length; // target options are consumed by target()
        break;
      case '-g':
      case '--goto':
        rule.target = { kind: 'goto', chain: next() };
        break;
      default: {
        if (!arg.startsWith('--')) throw new RestoreParseError(`unexpected argument ${arg}`, lineNo);
        const m = owner(arg);
        matchOption(m, arg, negate, next, lineNo);
      }
    }
    negate = false;
  }
  return finishRule(rule, lineNo);
}

function accepts(module: string, option: string): boolean {
  switch (module) {
    case 'comment':
      return option === '--comment';
    case 'tcp':
    case 'udp':
    case 'sctp':
      return ['--dport', '--destination-port', '--sport', '--source-port'].includes(option);
    case 'mark':
      return option === '--mark';
    case 'conntrack':
      return option === '--ctstate';
    case 'state':
      return option === '--state';
    case 'addrtype':
      return ['--src-type', '--dst-type', '--limit-iface-in', '--limit-iface-out'].includes(option);
    case 'statistic':
      return option === '--mode' || option === '--probability';
    case 'recent':
      return ['--set', '--rcheck', '--name', '--seconds', '--reap', '--mask', '--rsource', '--rdest'].includes(option);
    case 'nfacct':
      return option === '--nfacct-name';
    case 'multiport':
      return option === '--dports' || option === '--destination-ports';
    case 'physdev':
      return ['--physdev-in', '--physdev-out', '--physdev-is-bridged', '--physdev-is-in'].includes(option);
    case 'icmp':
      return option === '--icmp-type';
    case 'set':
      return option === '--match-set';
    default:
      return false;
  }
}

function matchOption(m: MatchBuilder, option: string, negate: boolean, next: () => string, lineNo: number): void {
  const neg = <T>(value: T): Negatable<T> => (negate ? { value, negate: true } : { value });
  switch (option) {
    case '--comment':
      m['comment'] = next();
      return;
    case '--dport':
    case '--destination-port':
      m['dport'] = neg(number(next(), lineNo));
      return;
    case '--sport':
    case '--source-port':
      m['sport'] = neg(number(next(), lineNo));
      return;
    case '--mark': {
      const [value, mask] = valueMask(next(), lineNo);
      m['value'] = value;
      m['mask'] = mask ?? 0xffffffff;
      if (negate) m['negate'] = true;
      return;
    }
    case '--ctstate':
      m['ctstate'] = next().split(',');
      if (negate) m['negate'] = true;
      return;
    case '--src-type':
      m['srcType'] = neg(next());
      return;
    case '--dst-type':
      m['dstType'] = neg(next());
      return;
    case '--limit-iface-in':
      m['limitIfaceIn'] = true;
      return;
    case '--limit-iface-out':
      m['limitIfaceOut'] = true;
      return;
    case '--mode':
      m['mode'] = next();
      return;
    case '--probability':
      // libxt_statistic: lround(0x80000000 * p), printed back as that / 2^31.
      m['probability'] = Math.round(number(next(), lineNo) * 2 ** 31) / 2 ** 31;
      return;
    case '--set':
    case '--rcheck':
      m['action'] = option.slice(2);
      return;
    case '--name':
      m['name'] = next();
      return;
    case '--seconds':
      m['seconds'] = number(next(), lineNo);
      return;
    case '--reap':
      m['reap'] = true;
      return;
    case '--mask':
      m['mask'] = next();
      return;
    case '--rsource':
      m['side'] = 'source';
      return;
    case '--rdest':
      m['side'] = 'dest';
      return;
    case '--nfacct-name':
      m['name'] = next();
      return;
    case '--dports':
    case '--destination-ports':
      m['dports'] = next()
        .split(',')
        .map((p) => number(p, lineNo));
      return;
    case '--physdev-in':
      m['physdevIn'] = next();
      return;
    case '--physdev-out':
      m['physdevOut'] = next();
      return;
    case '--physdev-is-bridged':
      m['isBridged'] = true;
      return;
    case '--physdev-is-in':
      m['isIn'] = !negate;
      return;
    case '--state':
      m['states'] = next().split(',');
      return;
    case '--icmp-type':
      m['icmpType'] = next();
      return;
    case '--match-set':
      m['name'] = next();
      m['flags'] = next().split(',');
      if (negate) m['negate'] = true;
      return;
  }
  throw new RestoreParseError(`unknown option ${option}`, lineNo);
}

/** `at` is the index of the target name; its options follow. */
function target(name: string, args: readonly string[], at: number, lineNo: number): Target {
  const options = new Map<string, string | true>();
  for (let k = at + 1; k < args.length; k++) {
    const option = args[k]!;
    const value = args[k + 1];
    if (value !== undefined && !value.startsWith('--')) {
      options.set(option, value);
      k++;
    } else options.set(option, true);
  }
  const text = (option: string): string | undefined => {
    const v = options.get(option);
    return typeof v === 'string' ? v : undefined;
  };
  switch (name) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return { kind: name };
    case 'MASQUERADE': {
      const toPorts = text('--to-ports');
      return {
        kind: 'MASQUERADE',
        ...(options.has('--random-fully') ? { randomFully: true } : {}),
        ...(toPorts !== undefined ? { toPorts } : {}),
      };
    }
    case 'DNAT': {
      const to = text('--to-destination') ?? '';
      const [ipText, portText] = to.split(':');
      const ip = parseIPv4(ipText ?? '');
      if (ip === undefined) throw new RestoreParseError(`bad --to-destination ${to}`, lineNo);
      return { kind: 'DNAT', to: { ip, ...(portText !== undefined ? { port: number(portText, lineNo) } : {}) } };
    }
    case 'SNAT': {
      const ip = parseIPv4(text('--to-source') ?? '');
      if (ip === undefined) throw new RestoreParseError('bad --to-source', lineNo);
      return { kind: 'SNAT', to: ip, ...(options.has('--random-fully') ? { randomFully: true } : {}) };
    }
    case 'REJECT':
      return { kind: 'REJECT', rejectWith: text('--reject-with') ?? 'icmp-port-unreachable' };
    case 'MARK': {
      // libxt_MARK revision 2 keeps every form as (value, mask): x' = (x & ~mask) ^ value.
      const set = text('--set-xmark') ?? text('--set-mark');
      if (set !== undefined) {
        const [value, mask] = valueMask(set, lineNo);
        return { kind: 'MARK', value, mask: mask ?? 0xffffffff };
      }
      const or = text('--or-mark');
      if (or !== undefined) {
        const [value] = valueMask(or, lineNo);
        return { kind: 'MARK', value, mask: value };
      }
      const xor = text('--xor-mark');
      if (xor !== undefined) return { kind: 'MARK', value: valueMask(xor, lineNo)[0], mask: 0 };
      const and = text('--and-mark');
      if (and !== undefined) return { kind: 'MARK', value: 0, mask: ~valueMask(and, lineNo)[0] >>> 0 };
      throw new RestoreParseError('MARK needs --set-xmark, --set-mark, --or-mark, --xor-mark or --and-mark', lineNo);
    }
    case 'REDIRECT':
      return { kind: 'REDIRECT', toPorts: number(text('--to-ports') ?? '', lineNo) };
    case 'NOTRACK':
      return { kind: 'NOTRACK' };
    default:
      if (options.size > 0) throw new RestoreParseError(`unknown target ${name}`, lineNo);
      return { kind: 'jump', chain: name };
  }
}

function finishRule(rule: Mutable<IptRule> & { matches: MatchBuilder[] }, lineNo: number): IptRule {
  for (const match of rule.matches) {
    const m = match as Record<string, unknown>;
    if (m['module'] === 'recent') {
      // libxt_recent's defaults.
      m['side'] ??= 'source';
      m['mask'] ??= '255.255.255.255';
      m['name'] ??= 'DEFAULT';
      if (m['action'] === undefined) throw new RestoreParseError('recent needs --set or --rcheck', lineNo);
    }
    if (m['module'] === 'statistic' && m['mode'] !== 'random') throw new RestoreParseError('statistic: only --mode random', lineNo);
  }
  return rule as IptRule;
}
