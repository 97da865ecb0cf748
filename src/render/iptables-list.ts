/**
 * `iptables [-t TABLE] -L [CHAIN] -n [-v] [-x] [--line-numbers]` as
 * iptables 1.8.9 (nf_tables) prints it (xshared.c print_header,
 * print_rule_details; nft-ipv4.c print_ipv4_addresses): fixed-width
 * columns that widen for long values, and each match's own summary.
 */
import type { Chain, IptRule, Netfilter, TableName } from '../kernel/netfilter/rule.js';
import { padLeft, padRight } from './format.js';
import { findTable, listedChains } from './iptables-tables.js';
import { listAddress, matchListText, protocolNumber, ruleTargetChain, targetListText, targetName } from './iptables-rule.js';
import type { Lines } from './types.js';

export interface IptablesListOptions {
  readonly table?: TableName;
  /** List only this chain (the caller checks that it exists). */
  readonly chain?: string;
  /** `-v`: counters and the in/out interface columns. */
  readonly verbose?: boolean;
  /** `-x`: exact counters instead of K/M/G units. */
  readonly exact?: boolean;
  readonly lineNumbers?: boolean;
  /** `-n`: numbers for protocols, ports and addresses (default). Without it: names, `anywhere`. */
  readonly numeric?: boolean;
}

/**
 * xtables_print_num: `%5llu` with K/M/G/T rounding under -v; `%8llu` for
 * both columns under -x, although the header gives bytes 10 columns (the
 * real tool's columns do not line up there either).
 */
export function printNum(value: number, width: number, exact: boolean): string {
  if (exact || value <= 99999) return `${padLeft(String(value), width)} `;
  let n = value;
  for (const unit of ['K', 'M', 'G', 'T']) {
    n = Math.floor((n + 500) / 1000);
    if (n <= 9999 || unit === 'T') return `${padLeft(String(n), 4)}${unit} `;
  }
  return `${value} `;
}

/** How many rules in the table jump or go to each chain. */
function references(chains: readonly Chain[]): Map<string, number> {
  const refs = new Map<string, number>();
  for (const chain of chains) {
    for (const rule of chain.rules) {
      const target = ruleTargetChain(rule);
      if (target !== undefined) refs.set(target, (refs.get(target) ?? 0) + 1);
    }
  }
  return refs;
}

function header(options: IptablesListOptions): string {
  let line = options.lineNumbers ? 'num  ' : '';
  if (options.verbose) line += options.exact ? `${padLeft('pkts', 8)} ${padLeft('bytes', 10)} ` : ' pkts bytes ';
  // "%-9s " target, " prot ", "opt", [" %-6s " in, "%-6s " out], " %-19s " source, " %-19s " destination.
  line += 'target     prot opt';
  if (options.verbose) line += ' in     out    ';
  return `${line} source               destination         `;
}

function ruleLine(rule: IptRule, num: number, options: IptablesListOptions): string {
  let line = options.lineNumbers ? `${padRight(String(num), 4)} ` : '';
  if (options.verbose) {
    line += options.exact ? printNum(0, 8, true) + printNum(0, 8, true) : printNum(0, 5, false) + printNum(0, 5, false);
  }
  line += `${padRight(targetName(rule.target), 9)} `;
  const style = { numeric: options.numeric ?? true };
  const proto = style.numeric ? String(protocolNumber(rule.protocol?.value)) : (rule.protocol?.value ?? 'all');
  line += `${rule.protocol?.negate ? '!' : ' '}${padRight(proto, 4)} `;
  line += '-- ';
  if (options.verbose) {
    const iface = (value: { value: string; negate?: boolean } | undefined) => (value ? `${value.negate ? '!' : ''}${value.value}` : '*');
    line += ` ${padRight(iface(rule.inIface), 6)} ${padRight(iface(rule.outIface), 6)} `;
  }
  line += `${rule.src?.negate ? '!' : ' '}${padRight(listAddress(rule.src, style), 19)} `;
  line += `${rule.dst?.negate ? '!' : ' '}${padRight(listAddress(rule.dst, style), 19)} `;
  if (rule.target?.kind === 'goto') line += '[goto] ';
  for (const m of rule.matches) line += matchListText(m, style);
  return line + targetListText(rule.target);
}

export function* renderIptablesList(netfilter: Netfilter, options: IptablesListOptions = {}): Lines {
  const tableName = options.table ?? 'filter';
  const all = listedChains(findTable(netfilter, tableName), tableName);
  const refs = references(all);
  let first = true;
  for (const chain of all) {
    if (options.chain !== undefined && chain.name !== options.chain) continue;
    if (!first) yield '';
    first = false;
    if (chain.policy !== undefined) {
      yield options.verbose
        ? `Chain ${chain.name} (policy ${chain.policy} 0 packets, 0 bytes)`
        : `Chain ${chain.name} (policy ${chain.policy})`;
    } else {
      yield `Chain ${chain.name} (${refs.get(chain.name) ?? 0} references)`;
    }
    yield header(options);
    let num = 0;
    for (const rule of chain.rules) yield ruleLine(rule, ++num, options);
  }
}
