/**
 * Kubernetes NetworkPolicy, typed, and its semantics (networking.k8s.io/v1):
 *
 * - A policy selects pods in its namespace (podSelector; {} is all of them)
 *   and isolates them for the directions in policyTypes (default: Ingress,
 *   plus Egress when the policy has egress rules).
 * - A pod isolated in a direction accepts only what at least one rule of one
 *   of its policies allows; a pod no policy selects is not isolated and
 *   everything is allowed. Rules only add: there is no deny rule.
 * - A rule allows when one of its peers matches (no from/to: any peer) and
 *   one of its ports matches (no ports: any port). Peers: podSelector (pods
 *   of the policy's namespace), namespaceSelector (all pods of the matching
 *   namespaces), both (matching pods in matching namespaces), or ipBlock
 *   (an address range minus its except ranges).
 * - Ports: protocol (default TCP) and port number or name, endPort for
 *   ranges. A named port is the container port of that name on the
 *   destination pod: for ingress the selected pod, for egress the peer.
 * - Traffic between two pods needs the sender's egress and the receiver's
 *   ingress to allow it. hostNetwork pods are not selected by policies.
 */
import { contains, parseCidr, type Cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import type {
  DocumentLabelSelector,
  DocumentPolicyPeer,
  DocumentPolicyRule,
  NetworkPolicySpec,
  Protocol,
  Topology,
} from '../topology/types.js';
import type { Cluster, Pod } from './types.js';

export type Direction = 'ingress' | 'egress';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly SelectorRequirement[];
}

export type PolicyPeer =
  | { readonly kind: 'pods'; readonly podSelector?: LabelSelector; readonly namespaceSelector?: LabelSelector }
  | { readonly kind: 'ipBlock'; readonly cidr: Cidr; readonly except: readonly Cidr[] };

export interface PolicyPort {
  readonly protocol: Protocol;
  /** A number, a container port name, or absent (every port of the protocol). */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface PolicyRule {
  /** Absent or empty: every peer. */
  readonly peers: readonly PolicyPeer[];
  /** Empty: every port. */
  readonly ports: readonly PolicyPort[];
}

export interface NetworkPolicy {
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name`. */
  readonly key: string;
  readonly podSelector: LabelSelector;
  readonly types: readonly Direction[];
  readonly ingress: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
  /** The topology entry (for diagnostics). */
  readonly entity: NetworkPolicySpec;
}

// ------------------------------------------------------------------ parsing

function selector(raw: DocumentLabelSelector | undefined): LabelSelector {
  return {
    matchLabels: raw?.matchLabels ?? {},
    matchExpressions: (raw?.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? [] })),
  };
}

function peer(raw: DocumentPolicyPeer): PolicyPeer {
  if (raw.ipBlock) {
    return { kind: 'ipBlock', cidr: parseCidr(raw.ipBlock.cidr)!, except: (raw.ipBlock.except ?? []).map((e) => parseCidr(e)!) };
  }
  return {
    kind: 'pods',
    ...(raw.podSelector ? { podSelector: selector(raw.podSelector) } : {}),
    ...(raw.namespaceSelector ? { namespaceSelector: selector(raw.namespaceSelector) } : {}),
  };
}

function rule(raw: DocumentPolicyRule, direction: Direction): PolicyRule {
  return {
    peers: (direction === 'ingress' ? raw.from : raw.to)?.map(peer) ?? [],
    ports: (raw.ports ?? []).map((p) => ({
      protocol: p.protocol ?? 'TCP',
      ...(p.port !== undefined ? { port: p.port } : {}),
      ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    })),
  };
}

/** The topology's policies, typed (the topology checks validated their shape). */
export function parsePolicies(topology: Topology): NetworkPolicy[] {
  return topology.networkPolicies.map((p) => {
    const spec = p.spec;
    const ingress = (spec.ingress ?? []).map((r) => rule(r, 'ingress'));
    const egress = (spec.egress ?? []).map((r) => rule(r, 'egress'));
    const types: Direction[] = spec.policyTypes
      ? spec.policyTypes.map((t) => (t === 'Ingress' ? 'ingress' : 'egress'))
      : ['ingress', ...(egress.length > 0 ? (['egress'] as const) : [])];
    return {
      name: p.name,
      namespace: p.namespace,
      key: `${p.namespace}/${p.name}`,
      podSelector: selector(spec.podSelector),
      types,
      ingress,
      egress,
      entity: p,
    };
  });
}

// ------------------------------------------------------------------ matching

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** What a policy decision needs to know about the cluster. */
export interface PolicyContext {
  readonly policies: readonly NetworkPolicy[];
  /** Namespace labels (kubernetes.io/metadata.name included). */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Pods by IP (hostNetwork pods excluded): who a peer address is. */
  readonly podByIp: ReadonlyMap<IPv4, Pod>;
}

export function policyContext(cluster: Cluster): PolicyContext {
  return {
    policies: parsePolicies(cluster.topology),
    namespaceLabels: new Map(cluster.topology.namespaces.map((n) => [n.name, n.labels])),
    podByIp: new Map(cluster.pods.filter((p) => !p.hostNetwork).map((p) => [p.ip, p])),
  };
}

/** The policies that select a pod and isolate it in a direction, in topology order. */
export function isolatingPolicies(ctx: PolicyContext, pod: Pod, direction: Direction): NetworkPolicy[] {
  if (pod.hostNetwork) return [];
  return ctx.policies.filter(
    (p) => p.namespace === pod.namespace && p.types.includes(direction) && selectorMatches(p.podSelector, pod.labels),
  );
}

export function peerMatches(ctx: PolicyContext, policy: NetworkPolicy, p: PolicyPeer, ip: IPv4, pod: Pod | undefined): boolean {
  if (p.kind === 'ipBlock') return contains(p.cidr, ip) && !p.except.some((e) => contains(e, ip));
  if (!pod) return false;
  if (p.namespaceSelector) {
    if (!selectorMatches(p.namespaceSelector, ctx.namespaceLabels.get(pod.namespace) ?? {})) return false;
  } else if (pod.namespace !== policy.namespace) {
    return false;
  }
  return !p.podSelector || selectorMatches(p.podSelector, pod.labels);
}

/** The container port of that name on a pod, for a protocol. */
export function namedPort(pod: Pod | undefined, name: string, protocol: Protocol): number | undefined {
  for (const c of pod?.containers ?? []) for (const p of c.ports) if (p.name === name && p.protocol === protocol) return p.containerPort;
  return undefined;
}

export function portMatches(port: PolicyPort, protocol: string, dport: number | undefined, destination: Pod | undefined): boolean {
  if (port.protocol.toLowerCase() !== protocol) return false;
  if (port.port === undefined) return true;
  if (dport === undefined) return false;
  const start = typeof port.port === 'number' ? port.port : namedPort(destination, port.port, port.protocol);
  if (start === undefined) return false;
  return port.endPort !== undefined ? dport >= start && dport <= port.endPort : dport === start;
}

/** One flow as policy sees it. */
export interface PolicyFlow {
  readonly src: IPv4;
  readonly dst: IPv4;
  /** tcp, udp, sctp or icmp. */
  readonly protocol: string;
  readonly dport?: number;
}

export interface DirectionVerdict {
  readonly direction: Direction;
  readonly pod: Pod;
  readonly allowed: boolean;
  /** False when no policy selects the pod in this direction (everything is allowed). */
  readonly isolated: boolean;
  /** The policy and 0-based rule that allowed it. */
  readonly allowedBy?: { readonly policy: NetworkPolicy; readonly rule: number };
  /** Every policy that isolates the pod in this direction (the ones that did not allow, when denied). */
  readonly policies: readonly NetworkPolicy[];
}

/** The verdict of one pod's policies for one direction of a flow. */
export function evaluateDirection(ctx: PolicyContext, pod: Pod, direction: Direction, flow: PolicyFlow): DirectionVerdict {
  const policies = isolatingPolicies(ctx, pod, direction);
  if (policies.length === 0) return { direction, pod, allowed: true, isolated: false, policies };
  const peerIp = direction === 'ingress' ? flow.src : flow.dst;
  const peerPod = ctx.podByIp.get(peerIp);
  const destination = direction === 'ingress' ? pod : peerPod;
  for (const policy of policies) {
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      const peerOk = rule.peers.length === 0 || rule.peers.some((p) => peerMatches(ctx, policy, p, peerIp, peerPod));
      const portOk = rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, flow.protocol, flow.dport, destination));
      if (peerOk && portOk) return { direction, pod, allowed: true, isolated: true, allowedBy: { policy, rule: r }, policies };
    }
  }
  return { direction, pod, allowed: false, isolated: true, policies };
}

/** One line for people: why this direction allowed or denied the flow. */
export function verdictReason(v: DirectionVerdict): string {
  const who = `${v.pod.namespace}/${v.pod.name}`;
  if (!v.isolated) return `no policy selects ${who} for ${v.direction}: allowed`;
  if (v.allowedBy) return `allowed by ${v.allowedBy.policy.key} ${v.direction} rule ${v.allowedBy.rule + 1}`;
  const names = v.policies.map((p) => p.key).join(', ');
  const rules = v.policies.reduce((n, p) => n + (v.direction === 'ingress' ? p.ingress : p.egress).length, 0);
  return `${who} is isolated for ${v.direction} by ${names}, and ${rules === 0 ? 'it has no rules (deny all)' : `none of its ${rules} ${v.direction} rule${rules === 1 ? '' : 's'} matches`}`;
}
