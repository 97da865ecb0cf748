/** `ip rule [show]`: `PRIO:<TAB>from SEL [fwmark V/M] lookup TABLE` (no trailing space). */
import type { NetNs } from '../kernel/netns.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import { tableName } from '../kernel/route.js';
import type { Lines } from './types.js';

/** The IPv6 rules the kernel starts with (no `default` table rule for IPv6); netlab adds none. */
const IPV6_RULES = [
  { priority: 0, table: 255 },
  { priority: 32766, table: 254 },
];

export function* renderIpRule(ns: NetNs, options: { family?: 'inet' | 'inet6'; table?: number } = {}): Lines {
  if (options.family === 'inet6') {
    for (const rule of IPV6_RULES)
      if (options.table === undefined || rule.table === options.table) yield `${rule.priority}:\tfrom all lookup ${tableName(rule.table)}`;
    return;
  }
  for (const rule of ns.rules) {
    if (options.table !== undefined && rule.table !== options.table) continue;
    let line = `${rule.priority}:\tfrom `;
    if (rule.from === undefined || rule.from.len === 0) line += 'all';
    else line += rule.from.len === 32 ? formatIPv4(rule.from.addr) : formatCidr(rule.from);
    if (rule.fwmark) {
      const { value, mask } = rule.fwmark;
      line += mask === 0xffffffff ? ` fwmark 0x${value.toString(16)}` : ` fwmark 0x${value.toString(16)}/0x${mask.toString(16)}`;
    }
    yield `${line} lookup ${tableName(rule.table)}`;
  }
}
