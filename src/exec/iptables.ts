/**
 * iptables 1.8.9 (nf_tables): `iptables [-t T] -L [CHAIN] -n [-v] [-x]
 * [--line-numbers]`, `iptables [-t T] -S [CHAIN]` and `iptables-save [-t T] [-c]`.
 * Short options combine as with getopt (`-nvL`, `-tnat`); the chain name
 * must follow -L/-S directly, as in the real parser.
 */
import type { NetNs } from '../kernel/netns.js';
import type { TableName } from '../kernel/netfilter/rule.js';
import { renderIptablesList } from '../render/iptables-list.js';
import { renderIptablesS, renderIptablesSave } from '../render/iptables-save.js';
import { findTable, isTableName, listedChains } from '../render/iptables-tables.js';
import { CHANGES_STATE, notEmulated } from './not-emulated.js';
import { execClock, fail, ok, type ExecContext, type ExecResult } from './types.js';

const PROG = 'iptables v1.8.9 (nf_tables)';
const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

interface Parsed {
  table: string;
  command?: 'L' | 'S';
  chain?: string;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

const LONG: Record<string, string> = {
  '--list': 'L',
  '--list-rules': 'S',
  '--numeric': 'n',
  '--verbose': 'v',
  '--exact': 'x',
  '--table': 't',
  '--wait': 'w',
  '--append': 'A',
  '--insert': 'I',
  '--delete': 'D',
  '--replace': 'R',
  '--flush': 'F',
  '--zero': 'Z',
  '--new-chain': 'N',
  '--delete-chain': 'X',
  '--policy': 'P',
  '--rename-chain': 'E',
  '--check': 'C',
};

/** getopt-style: expands `-nvL` and `--list` into single options; returns the flags and positional words in order. */
function expand(args: readonly string[]): ({ opt: string; value?: string } | { word: string })[] | string {
  const out: ({ opt: string; value?: string } | { word: string })[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--line-numbers') out.push({ opt: 'line-numbers' });
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.split('=', 2) as [string, string | undefined];
      const short = LONG[name];
      if (!short) return arg;
      if (short === 't') out.push({ opt: 't', value: inline ?? args[++i] ?? '' });
      else out.push({ opt: short });
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        if (c === 't') {
          out.push({ opt: 't', value: j + 1 < arg.length ? arg.slice(j + 1) : (args[++i] ?? '') });
          break;
        }
        out.push({ opt: c });
      }
    } else out.push({ word: arg });
  }
  return out;
}

function tableMissing(table: string): ExecResult {
  return fail(3, `${PROG}: table '${table}' does not exist`, 'Perhaps iptables or your kernel needs to be upgraded.');
}

export function runIptables(ns: NetNs, argv: readonly string[]): ExecResult {
  const items = expand(argv.slice(1));
  if (typeof items === 'string') return fail(2, `iptables v1.8.9 (nf_tables): unknown option "${items}"`, TRY);
  const p: Parsed = { table: 'filter', numeric: false, verbose: false, exact: false, lineNumbers: false };
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if ('word' in item) return fail(2, `Bad argument \`${item.word}'`, TRY);
    switch (item.opt) {
      case 't':
        p.table = item.value ?? '';
        break;
      case 'L':
      case 'S': {
        if (p.command !== undefined) return notEmulated(argv, 'more than one command');
        p.command = item.opt;
        const next = items[i + 1];
        if (next && 'word' in next && !next.word.startsWith('!')) {
          p.chain = next.word;
          i++;
        }
        break;
      }
      case 'n':
        p.numeric = true;
        break;
      case 'v':
        p.verbose = true;
        break;
      case 'x':
        p.exact = true;
        break;
      case 'line-numbers':
        p.lineNumbers = true;
        break;
      case 'w':
        break;
      case 'A':
      case 'I':
      case 'D':
      case 'R':
      case 'F':
      case 'Z':
      case 'N':
      case 'X':
      case 'P':
      case 'E':
        return notEmulated(argv, CHANGES_STATE);
      default:
        return notEmulated(argv, `option -${item.opt}`);
    }
  }
  if (p.command === undefined) return fail(2, `${PROG}: no command specified`, TRY);
  if (!isTableName(p.table)) return tableMissing(p.table);
  const table: TableName = p.table;
  if (p.chain !== undefined && !listedChains(findTable(ns.netfilter, table), table).some((c) => c.name === p.chain)) {
    return fail(1, `${PROG}: chain \`${p.chain}' in table \`${table}' is incompatible, use 'nft' tool.`);
  }
  if (p.command === 'S') return ok(renderIptablesS(ns.netfilter, table, p.chain));
  // Without -n iptables prints protocol, port and ICMP names and tries reverse DNS
  // for every address; netlab answers as a node without PTR records (numbers, at once).
  return ok(
    renderIptablesList(ns.netfilter, {
      table,
      ...(p.chain !== undefined ? { chain: p.chain } : {}),
      verbose: p.verbose,
      exact: p.exact,
      lineNumbers: p.lineNumbers,
      numeric: p.numeric,
    }),
  );
}

export function runIptablesSave(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  let table: string | undefined;
  let counters = false;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--counters') counters = true;
    else if (arg === '-t' || arg === '--table') table = args[++i] ?? '';
    else if (arg.startsWith('--table=')) table = arg.slice('--table='.length);
    else if (/^-t./.test(arg)) table = arg.slice(2);
    else return notEmulated(argv, `iptables-save ${arg}`);
  }
  if (table !== undefined && !isTableName(table)) return fail(1, `Table \`${table}' does not exist`);
  return ok(
    renderIptablesSave(ns.netfilter, {
      ...(table !== undefined ? { table: table as TableName } : {}),
      counters,
      date: execClock(ctx),
    }),
  );
}
