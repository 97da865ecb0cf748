/**
 * NetworkPolicy objects as the API server stores them: the spec as written,
 * with the defaults the API server fills in on create (policyTypes: Ingress,
 * plus Egress when there are egress rules; a port's protocol: TCP).
 */
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../../kube/networking.js';
import type { LabelSelector } from '../../kube/meta.js';
import type { DocumentLabelSelector, DocumentPolicyPeer, DocumentPolicyPort, NetworkPolicySpec } from '../../topology/types.js';
import { objectUid, sortedRecord } from './identity.js';

export function networkPolicyObject(policy: NetworkPolicySpec, created: string): NetworkPolicy {
  const spec = policy.spec;
  const policyTypes = spec.policyTypes ?? (spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress']);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      creationTimestamp: created,
      name: policy.name,
      namespace: policy.namespace,
      uid: objectUid('NetworkPolicy', policy.namespace, policy.name),
    },
    spec: {
      ...(spec.egress !== undefined
        ? {
            egress: spec.egress.map((r) => ({ ...(r.ports ? { ports: r.ports.map(port) } : {}), ...(r.to ? { to: r.to.map(peer) } : {}) })),
          }
        : {}),
      ...(spec.ingress !== undefined
        ? {
            ingress: spec.ingress.map((r) => ({
              ...(r.from ? { from: r.from.map(peer) } : {}),
              ...(r.ports ? { ports: r.ports.map(port) } : {}),
            })),
          }
        : {}),
      podSelector: selector(spec.podSelector),
      policyTypes,
    },
  };
}

function selector(s: DocumentLabelSelector): LabelSelector {
  const matchLabels = s.matchLabels ? sortedRecord(s.matchLabels) : undefined;
  return {
    ...(s.matchExpressions
      ? {
          matchExpressions: s.matchExpressions.map((e) => ({
            key: e.key,
            operator: e.operator,
            ...(e.values ? { values: [...e.values] } : {}),
          })),
        }
      : {}),
    ...(matchLabels ? { matchLabels } : {}),
  };
}

function peer(p: DocumentPolicyPeer): NetworkPolicyPeer {
  return {
    ...(p.ipBlock ? { ipBlock: { cidr: p.ipBlock.cidr, ...(p.ipBlock.except ? { except: [...p.ipBlock.except] } : {}) } } : {}),
    ...(p.namespaceSelector ? { namespaceSelector: selector(p.namespaceSelector) } : {}),
    ...(p.podSelector ? { podSelector: selector(p.podSelector) } : {}),
  };
}

function port(p: DocumentPolicyPort): NetworkPolicyPort {
  return {
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    ...(p.port !== undefined ? { port: p.port } : {}),
    protocol: p.protocol ?? 'TCP',
  };
}
