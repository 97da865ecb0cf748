/**
 * An nftables netfilter step of a trace, for people: the base chain the
 * hook called (with its priority as nft names it), the rules that passed
 * control on the way (a jump, a map's verdict, numgen's pick), then the
 * deciding rule as `nft list ruleset` prints it, and how many rules were
 * evaluated. The map lines are the point: one `vmap @service-ips` lookup
 * where iptables walks KUBE-SERVICES rule by rule.
 */
import type { NetNs } from '../kernel/netns.js';
import type { NftRule, NftTable } from '../kernel/nftables.js';
import { NFT_HOOK } from '../dataplane/netfilter/nft.js';
import { nftTableLabel } from '../dataplane/netfilter/nft-sets.js';
import type { BuiltinChain } from '../kernel/netfilter/rule.js';
import type { NftPathEntry, Step } from '../flow/trace.js';
import { nftRuleText, priorityText } from '../render/nft.js';

type NetfilterStep = Extract<Step, { kind: 'netfilter' }>;

/** `1 rule evaluated`, `3 rules evaluated`: how an iptables or nftables step counts its work. */
export function rulesEvaluatedText(count: number): string {
  return `${count} rule${count === 1 ? '' : 's'} evaluated`;
}

function ruleAt(table: NftTable | undefined, chain: string, index: number): NftRule | undefined {
  return table?.chains.find((c) => c.name === chain)?.rules[index];
}

/** A rule that passed control: its text up to the map, and where the map sent the packet. */
function pathLine(table: NftTable | undefined, entry: NftPathEntry): string {
  const rule = ruleAt(table, entry.chain, entry.index);
  const numgen = rule?.statements.find((s) => s.kind === 'numgen-vmap');
  if (numgen?.kind === 'numgen-vmap' && entry.via?.startsWith('numgen ')) {
    // The anonymous map lists every endpoint; the value drawn says which one.
    return `${entry.chain}: numgen random mod ${numgen.mod} = ${entry.via.slice('numgen '.length)} → ${entry.action}`;
  }
  const text = rule ? nftRuleText(rule) : `rule ${entry.index + 1}`;
  return entry.via !== undefined ? `${entry.chain}: ${text} → ${entry.action}` : `${entry.chain}: ${text}`;
}

/** The step as lines: a header, the path, the deciding rule (or the policy); only the header when nothing happened. */
export function nftStepLines(step: NetfilterStep, ns: NetNs | undefined): string[] {
  const nft = step.nft!;
  const table = ns?.nftables?.tables.find((t) => nftTableLabel(t) === step.table);
  const hook = NFT_HOOK[step.hook as BuiltinChain] ?? step.hook.toLowerCase();
  const lines = [
    `nftables ${hook} ${step.table} ${nft.baseChain} (priority ${priorityText(nft.priority, hook)}): ${step.verdict} (${rulesEvaluatedText(step.rulesEvaluated)})`,
  ];
  // A chain that let the packet through untouched, no map having answered, is one line, as an iptables table is.
  const quiet =
    (step.verdict === 'policy ACCEPT' || step.verdict === 'RETURN (policy ACCEPT)') && nft.path.every((e) => e.via === undefined);
  if (quiet) return lines;
  for (const entry of nft.path) lines.push(`  ${pathLine(table, entry)}`);
  if (step.ruleIndex !== undefined) {
    const rule = ruleAt(table, step.chain, step.ruleIndex);
    lines.push(`  ${step.chain}: ${rule ? nftRuleText(rule) : `rule ${step.ruleIndex + 1}`} → ${step.verdict}`);
  } else {
    lines.push(`  ${step.chain}: end of chain → ${step.verdict}`);
  }
  return lines;
}
