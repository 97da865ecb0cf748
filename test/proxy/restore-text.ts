/**
 * The comparison form of kube-proxy's iptables-restore input, on both sides:
 * each rule re-spelled as iptables 1.8.9 prints it back (iptables-save's
 * argument order, /32 on host addresses, 0x4000 for 0x004000, the kernel's
 * probability), then ordered as upstream's own test helper orders it
 * (sortIPTablesRules in pkg/proxy/iptables/proxier_test.go): tables by name;
 * chains KUBE-NODEPORTS, KUBE-SERVICES, then KUBE-* by name, then the rest by
 * name; the rules of KUBE-NODEPORTS and KUBE-SERVICES stably sorted by the
 * service name in their comment (the text up to the first space or colon),
 * the nat KUBE-SERVICES "must be the last rule" rule last. Every other chain
 * keeps its rule order: that order is what is being checked.
 */
import type { IptRule } from '../../src/kernel/netfilter/rule.js';
import { parseRestore } from '../../src/kernel/netfilter/parse-restore.js';
import { ruleSaveArgs } from '../../src/render/iptables-rule.js';

export type RestoreTables = ReadonlyMap<string, ReadonlyMap<string, readonly IptRule[]>>;

function chainOrder(a: string, b: string): number {
  const rank = (name: string): number => (name === 'KUBE-NODEPORTS' ? 0 : name === 'KUBE-SERVICES' ? 1 : name.startsWith('KUBE-') ? 2 : 3);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function serviceName(rule: IptRule): string | undefined {
  const comment = rule.matches.find((m) => m.module === 'comment');
  if (comment === undefined || comment.module !== 'comment') return undefined;
  const cut = comment.comment.search(/[ :]/);
  return cut < 0 ? comment.comment : comment.comment.slice(0, cut);
}

function isLastRule(rule: IptRule): boolean {
  return rule.matches.some((m) => m.module === 'comment' && m.comment.includes('must be the last rule'));
}

function sortedRules(table: string, chain: string, rules: readonly IptRule[]): readonly IptRule[] {
  if (chain !== 'KUBE-NODEPORTS' && chain !== 'KUBE-SERVICES') return rules;
  // Go's sort.SliceStable with orderByCommentServiceName (false when either rule has no comment).
  const byName = (a: IptRule, b: IptRule): number => {
    const x = serviceName(a);
    const y = serviceName(b);
    if (x === undefined || y === undefined) return 0;
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const indexed = rules.map((rule, i) => ({ rule, i }));
  indexed.sort((a, b) => {
    if (table === 'nat' && chain === 'KUBE-SERVICES') {
      if (isLastRule(a.rule) !== isLastRule(b.rule)) return isLastRule(a.rule) ? 1 : -1;
    }
    return byName(a.rule, b.rule) || a.i - b.i;
  });
  return indexed.map((x) => x.rule);
}

/** `*table`, `:CHAIN - [0:0]` lines, `-A CHAIN <iptables-save arguments>` lines, COMMIT. */
export function comparisonText(tables: RestoreTables): string {
  const lines: string[] = [];
  for (const table of [...tables.keys()].sort()) {
    const chains = [...tables.get(table)!.keys()].sort(chainOrder);
    lines.push(`*${table}`);
    for (const chain of chains) lines.push(`:${chain} - [0:0]`);
    for (const chain of chains) {
      for (const rule of sortedRules(table, chain, tables.get(table)!.get(chain)!)) {
        const args = ruleSaveArgs(rule);
        lines.push(`-A ${chain}${args ? ` ${args}` : ''}`);
      }
    }
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}

/** An iptables-restore text (kube-proxy's spelling) as tables of parsed rules. */
export function restoreTables(text: string): RestoreTables {
  return new Map(parseRestore(text).map((t) => [t.name, new Map(t.chains.map((c) => [c.name, c.rules]))]));
}
