/** `ip rule [show]`: `PRIO:<TAB>from SEL [fwmark V/M] lookup TABLE` (no trailing space). */
import type { NetNs } from '../kernel/netns.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import { tableName } from './ip-route.js';
import type { Lines } from './types.js';

export function* renderIpRule(ns: NetNs): Lines {
  for (const rule of ns.rules) {
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
