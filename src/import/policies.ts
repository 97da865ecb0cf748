/**
 * NetworkPolicy objects -> netlab network policies: the spec as written.
 * IPv6 ipBlocks cannot be said: a peer that is one is left out, and a rule
 * whose peers were all IPv6 is left out whole (an empty peer list would
 * allow everyone, which the IPv6 rule never did for IPv4 traffic).
 */
import type { NetworkPolicyPeer } from '../kube/networking.js';
import type { LabelSelector } from '../kube/meta.js';
import type { DocumentNetworkPolicy } from '../topology/document.js';
import type { DocumentLabelSelector, DocumentPolicyPeer, DocumentPolicyRule } from '../topology/types.js';
import { inCreationOrder, keyOf, type ImportContext } from './context.js';
import type { Where } from './read.js';

export interface ImportedPolicy {
  readonly document: DocumentNetworkPolicy;
  readonly at: Where;
}

export function importPolicies(context: ImportContext): ImportedPolicy[] {
  return inCreationOrder(context.objects.networkPolicies).flatMap(({ object, at }) => {
    if (object.metadata.name === undefined) return [];
    const key = keyOf(object.metadata);
    const spec = object.spec;
    const rules = (list: NonNullable<typeof spec.ingress | typeof spec.egress>, peerKey: 'from' | 'to'): DocumentPolicyRule[] =>
      list.flatMap((rule): DocumentPolicyRule[] => {
        const written = (rule as Record<string, readonly NetworkPolicyPeer[] | undefined>)[peerKey];
        const kept = written?.filter((p) => {
          if (p.ipBlock === undefined || !p.ipBlock.cidr.includes(':')) return true;
          context.notes.notExpressible('IPv6 ipBlocks in network policies (left out)', `${key} ${p.ipBlock.cidr}`);
          return false;
        });
        if (written !== undefined && written.length > 0 && kept!.length === 0) return [];
        return [
          {
            ...(kept !== undefined ? { [peerKey]: kept.map(peer) } : {}),
            ...(rule.ports !== undefined ? { ports: rule.ports.map((p) => ({ ...p })) } : {}),
          },
        ];
      });
    const document: DocumentNetworkPolicy = {
      name: object.metadata.name,
      ...(object.metadata.namespace !== 'default' ? { namespace: object.metadata.namespace! } : {}),
      spec: {
        podSelector: selector(spec.podSelector),
        ...(spec.policyTypes !== undefined ? { policyTypes: spec.policyTypes } : {}),
        ...(spec.ingress !== undefined ? { ingress: rules(spec.ingress, 'from') } : {}),
        ...(spec.egress !== undefined ? { egress: rules(spec.egress, 'to') } : {}),
      },
    };
    return [{ document, at }];
  });
}

function selector(s: LabelSelector): DocumentLabelSelector {
  return {
    ...(s.matchLabels !== undefined && Object.keys(s.matchLabels).length > 0 ? { matchLabels: s.matchLabels } : {}),
    ...(s.matchExpressions !== undefined ? { matchExpressions: s.matchExpressions.map((e) => ({ ...e })) } : {}),
  };
}

function peer(p: NetworkPolicyPeer): DocumentPolicyPeer {
  return {
    ...(p.podSelector !== undefined ? { podSelector: selector(p.podSelector) } : {}),
    ...(p.namespaceSelector !== undefined ? { namespaceSelector: selector(p.namespaceSelector) } : {}),
    ...(p.ipBlock !== undefined
      ? {
          ipBlock: {
            cidr: p.ipBlock.cidr,
            ...(p.ipBlock.except !== undefined ? { except: p.ipBlock.except.filter((e) => !e.includes(':')) } : {}),
          },
        }
      : {}),
  };
}
