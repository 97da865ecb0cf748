/**
 * The trace's policy step: at the place where Felix decides (the FORWARD or
 * INPUT hook of the node that hosts the pod), which NetworkPolicy and rule
 * allowed or denied the packet. Under calico (and canal) the iptables
 * chains Felix programmed take the decision and this step names it; under
 * flannel alone nothing decides, and the step says what calico would have
 * done. Steps are only recorded for pods some policy isolates.
 */
import type { Step } from '../flow/trace.js';
import type { NetNs } from '../kernel/netns.js';
import { evaluateDirection, verdictReason, type Direction, type PolicyContext, type PolicyFlow } from '../model/policy.js';
import type { Cluster, Pod } from '../model/types.js';

export interface PolicyHookInfo {
  readonly hook: string;
  readonly inIface?: string;
  readonly outIface?: string;
}

export type PolicyEnforcer = 'calico' | 'none';

/**
 * The workloads of this node a packet leaves (egress) or enters (ingress)
 * at this hook. Calico's chains key on the cali* interfaces (and do not
 * police host-to-local-pod traffic, which leaves by OUTPUT); without calico
 * the pods are found by address.
 */
function involved(
  cluster: Cluster,
  ns: NetNs,
  hook: PolicyHookInfo,
  p: PolicyFlow,
  enforcer: PolicyEnforcer,
): { pod: Pod; direction: Direction }[] {
  if (!ns.id.startsWith('node/') || (hook.hook !== 'FORWARD' && hook.hook !== 'INPUT')) return [];
  const node = cluster.nodeByName.get(ns.id.slice(5));
  if (!node) return [];
  const pods = node.pods.filter((x) => !x.hostNetwork);
  const out: { pod: Pod; direction: Direction }[] = [];
  if (enforcer === 'calico') {
    const from = pods.find((x) => x.hostVeth?.name === hook.inIface);
    const to = hook.hook === 'FORWARD' ? pods.find((x) => x.hostVeth?.name === hook.outIface) : undefined;
    if (from) out.push({ pod: from, direction: 'egress' });
    if (to) out.push({ pod: to, direction: 'ingress' });
    return out;
  }
  const from = pods.find((x) => x.ip === p.src);
  const to = hook.hook === 'FORWARD' ? pods.find((x) => x.ip === p.dst) : undefined;
  if (from) out.push({ pod: from, direction: 'egress' });
  if (to) out.push({ pod: to, direction: 'ingress' });
  return out;
}

export function policySteps(
  cluster: Cluster,
  ctx: PolicyContext,
  enforcer: PolicyEnforcer,
  ns: NetNs,
  hook: PolicyHookInfo,
  p: PolicyFlow,
): Step[] {
  if (ctx.policies.length === 0) return [];
  const steps: Step[] = [];
  for (const { pod, direction } of involved(cluster, ns, hook, p, enforcer)) {
    const v = evaluateDirection(ctx, pod, direction, p);
    if (!v.isolated) continue;
    const reason = verdictReason(v);
    steps.push({
      kind: 'policy',
      direction,
      pod: pod.key,
      verdict: enforcer === 'none' ? 'not-enforced' : v.allowed ? 'allowed' : 'denied',
      ...(v.allowedBy
        ? { policy: v.allowedBy.policy.key, rule: v.allowedBy.rule + 1 }
        : { policy: v.policies.map((x) => x.key).join(', ') }),
      enforcedBy: enforcer,
      reason:
        enforcer === 'none'
          ? `flannel does not enforce NetworkPolicy: calico would have ${v.allowed ? 'allowed' : 'denied'} this (${reason})`
          : reason,
    });
  }
  return steps;
}
