/** `netlab show iptables`: each table's chains and rules, with who owns each chain. */
import { UsageError } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { NetNs } from '../kernel/netns.js';
import { ruleSaveArgs } from '../render/iptables-rule.js';
import type { ViewTable } from './table.js';

const TABLES = ['raw', 'mangle', 'filter', 'nat', 'security'];

function owner(chain: string): string {
  if (chain.startsWith('FLANNEL-')) return 'flanneld';
  if (chain.startsWith('KUBE-')) return 'kube-proxy';
  if (chain.startsWith('DOCKER')) return 'dockerd';
  if (chain.startsWith('cali-')) return 'calico-felix';
  if (chain.startsWith('CNI-')) return 'CNI plugin';
  return 'built-in';
}

export function iptablesView(ns: NetNs, only?: string): ViewTable[] {
  if (only !== undefined && !TABLES.includes(only)) {
    throw new UsageError(`no iptables table "${only}"`, didYouMean(only, TABLES) ?? `tables: ${TABLES.join(', ')}`);
  }
  const tables = ns.netfilter.tables.filter((t) => only === undefined || t.name === only);
  if (tables.length === 0) {
    return [
      {
        title: `iptables in ${ns.displayName}`,
        columns: ['table', 'chain', '#', 'rule'],
        rows: [],
        notes: ['no rules: nothing in this namespace programs iptables'],
      },
    ];
  }
  return tables.map((table) => {
    const rows: string[][] = [];
    for (const chain of table.chains) {
      const policy = chain.policy ? `policy ${chain.policy}` : owner(chain.name);
      if (chain.rules.length === 0) rows.push([chain.name, policy, '', '(empty)']);
      chain.rules.forEach((rule, i) => rows.push([i === 0 ? chain.name : '', i === 0 ? policy : '', String(i + 1), ruleSaveArgs(rule)]));
    }
    return { title: `iptables -t ${table.name} in ${ns.displayName}`, columns: ['chain', 'policy / owner', '#', 'rule'], rows };
  });
}
