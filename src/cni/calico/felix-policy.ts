/**
 * NetworkPolicy as Calico renders it, built once per cluster and shared by
 * every node:
 *
 * - Calico turns a Kubernetes policy into a Calico policy named
 *   `knp.default.<name>` in the policy's namespace; Felix's chain for it is
 *   `cali-pi-` (ingress) or `cali-po-` (egress) + `<namespace>/knp.default.<name>`,
 *   hashed down to 28 characters (verified against a real node).
 * - Each Kubernetes rule becomes one Calico rule per peer and per protocol
 *   of its ports. Felix renders an allowing rule as `<matches> MARK
 *   --set-mark 0x10000/0x10000` followed by `-m mark --mark 0x10000/0x10000
 *   RETURN`; the first rule of a chain carries the comment `Policy
 *   <namespace>/knp.default.<name> ingress|egress`.
 * - Peers selected by labels are matched with ipsets `cali40s:<id>` (hash:net
 *   of the selected pods' addresses), named ports with `cali40n:<id>`
 *   (hash:ip,port). The ids have Felix's shape (`s:` + base64url of a
 *   sha224 of the selector); the selector text is netlab's rendering of
 *   Calico's conversion, so the ids are not those of a real cluster.
 * - An ipBlock is `--source`/`--destination` for one range; its except
 *   ranges are an ipset matched with `!`.
 */
import { createHash } from 'node:crypto';
import type { IpSet, IpSetMember } from '../../kernel/ipset.js';
import type { IptRule } from '../../kernel/netfilter/rule.js';
import { formatCidr } from '../../net/cidr.js';
import { ipProtocolNumber } from '../../net/ip-protocols.js';
import {
  isolatingPolicies,
  namedPort,
  peerMatches,
  policyContext,
  type Direction,
  type LabelSelector,
  type NetworkPolicy,
  type PolicyContext,
  type PolicyPeer,
  type PolicyPort,
} from '../../model/policy.js';
import type { Cluster, Pod } from '../../model/types.js';
import { base64url, lengthLimitedId } from './felix-hash.js';
import { MARK_ACCEPT } from './felix-marks.js';
import { renderChain, type FelixMatch, type FelixRule } from './felix-rules.js';

export interface FelixPolicyChain {
  readonly name: string;
  readonly rules: readonly IptRule[];
}

export interface FelixPolicies {
  readonly ctx: PolicyContext;
  /** The policy chains a workload's cali-fw-/cali-tw- chain jumps to, in Felix's order. */
  chainsFor(pod: Pod, direction: Direction): readonly FelixPolicyChain[];
  /** Every ipset the policy chains match against. */
  readonly ipsets: readonly IpSet[];
}

/** The name Felix uses for a Kubernetes policy (its PolicyID.Name). */
export function calicoPolicyName(policy: NetworkPolicy): string {
  return `${policy.namespace}/knp.default.${policy.name}`;
}

export function policyChainName(policy: NetworkPolicy, direction: Direction): string {
  return lengthLimitedId(direction === 'ingress' ? 'cali-pi-' : 'cali-po-', calicoPolicyName(policy));
}

function selectorText(sel: LabelSelector | undefined, prefix = ''): string {
  if (!sel) return 'all()';
  const parts = Object.entries(sel.matchLabels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${prefix}${k} == '${v}'`);
  for (const e of sel.matchExpressions) {
    const key = `${prefix}${e.key}`;
    const values = e.values.map((v) => `'${v}'`).join(', ');
    parts.push(
      e.operator === 'In'
        ? `${key} in { ${values} }`
        : e.operator === 'NotIn'
          ? `${key} not in { ${values} }`
          : e.operator === 'Exists'
            ? `has(${key})`
            : `! has(${key})`,
    );
  }
  return parts.length === 0 ? 'all()' : parts.join(' && ');
}

/** Felix's ipset name for an id: cali40 + the id, cut to ipset's 31 characters. */
function ipsetName(kind: 's' | 'n', text: string): string {
  const hash = base64url(createHash('sha224').update(`${kind}:${text}`).digest());
  return `cali40${kind}:${hash}`.slice(0, 31);
}

export function buildFelixPolicies(cluster: Cluster): FelixPolicies {
  const ctx = policyContext(cluster);
  const sets = new Map<string, IpSet>();
  const chains = new Map<string, FelixPolicyChain>();
  const pods = cluster.pods.filter((p) => !p.hostNetwork);

  const selectorSet = (policy: NetworkPolicy, peer: Extract<PolicyPeer, { kind: 'pods' }>): string => {
    const namespaces = peer.namespaceSelector
      ? selectorText(peer.namespaceSelector, 'pcns.')
      : `projectcalico.org/namespace == '${policy.namespace}'`;
    const text = `(projectcalico.org/orchestrator == 'k8s' && ${selectorText(peer.podSelector)}) && ${namespaces}`;
    const name = ipsetName('s', text);
    if (!sets.has(name)) {
      const members: IpSetMember[] = pods
        .filter((p) => peerMatches(ctx, policy, peer, p.ip, p))
        .map((p) => ({ kind: 'net', cidr: { addr: p.ip, len: 32 } }));
      sets.set(name, { name, type: 'hash:net', members });
    }
    return name;
  };
  const exceptSet = (peer: Extract<PolicyPeer, { kind: 'ipBlock' }>): string => {
    const name = ipsetName('s', `nets:${peer.except.map(formatCidr).join(',')}`);
    if (!sets.has(name)) sets.set(name, { name, type: 'hash:net', members: peer.except.map((cidr) => ({ kind: 'net', cidr })) });
    return name;
  };
  /** A named port: the (address, port) of every pod that may be the destination and has a port of that name. */
  const namedPortSet = (policy: NetworkPolicy, direction: Direction, port: PolicyPort, peer: PolicyPeer | undefined): string => {
    const protocol = port.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
    const text = `${String(port.port)}/${protocol}:${direction === 'ingress' ? selectorText(policy.podSelector) : peer ? JSON.stringify(peer) : 'all()'}`;
    const name = ipsetName('n', text);
    if (!sets.has(name)) {
      const candidates =
        direction === 'ingress'
          ? pods.filter((p) => p.namespace === policy.namespace && isolatingPolicies(ctx, p, 'ingress').includes(policy))
          : pods.filter(
              (p) =>
                !peer || (peer.kind === 'pods' ? peerMatches(ctx, policy, peer, p.ip, p) : peerMatches(ctx, policy, peer, p.ip, undefined)),
            );
      const members: IpSetMember[] = [];
      for (const p of candidates) {
        const number = namedPort(p, String(port.port), port.protocol);
        if (number !== undefined) members.push({ kind: 'ip,port', ip: p.ip, protocol, port: number });
      }
      sets.set(name, { name, type: 'hash:ip,port', members });
    }
    return name;
  };

  const compile = (policy: NetworkPolicy, direction: Direction): FelixPolicyChain => {
    const rules: FelixRule[] = [];
    const side = direction === 'ingress' ? 'src' : 'dst';
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      const peers: readonly (PolicyPeer | undefined)[] = rule.peers.length > 0 ? rule.peers : [undefined];
      // One Calico rule per protocol of the ports (a Calico rule has one protocol).
      const byProtocol = new Map<string, PolicyPort[]>();
      for (const port of rule.ports) byProtocol.set(port.protocol, [...(byProtocol.get(port.protocol) ?? []), port]);
      const groups: (PolicyPort[] | undefined)[] = byProtocol.size > 0 ? [...byProtocol.values()] : [undefined];
      for (const peer of peers) {
        for (const ports of groups) {
          const match: FelixMatch[] = [];
          if (ports) match.push({ k: 'proto', number: ipProtocolNumber(ports[0]!.protocol) });
          if (peer?.kind === 'ipBlock') {
            match.push({ k: side, cidr: peer.cidr });
            if (peer.except.length > 0) match.push({ k: 'set', name: exceptSet(peer), flags: [side], negate: true });
          } else if (peer) {
            match.push({ k: 'set', name: selectorSet(policy, peer), flags: [side] });
          }
          const numeric = (ports ?? [])
            .filter((p) => p.port !== undefined && typeof p.port === 'number')
            .map((p) => (p.endPort !== undefined ? `${p.port}:${p.endPort}` : (p.port as number)));
          const named = (ports ?? []).filter((p) => typeof p.port === 'string');
          const anyPort = (ports ?? []).some((p) => p.port === undefined);
          const variants: FelixMatch[][] = [];
          if (!ports || anyPort) variants.push(match);
          else {
            if (numeric.length > 0) variants.push([...match, { k: 'dports', ports: numeric }]);
            for (const port of named)
              variants.push([...match, { k: 'set', name: namedPortSet(policy, direction, port, peer), flags: ['dst', 'dst'] }]);
          }
          for (const m of variants) {
            rules.push(
              { match: m, action: { k: 'mark', value: MARK_ACCEPT, mask: MARK_ACCEPT } },
              { match: [{ k: 'mark', value: MARK_ACCEPT, mask: MARK_ACCEPT }], action: { k: 'return' } },
            );
          }
        }
      }
    }
    const comment = `Policy ${calicoPolicyName(policy)} ${direction}`;
    const withComment: FelixRule[] =
      rules.length > 0 ? [{ ...rules[0]!, comment: [comment] }, ...rules.slice(1)] : [{ comment: [comment] }];
    const name = policyChainName(policy, direction);
    return { name, rules: renderChain({ name, rules: withComment }) };
  };

  // Compile every policy up front so that the ipsets are complete before any node is built.
  const ordered = [...ctx.policies].sort((a, b) => (calicoPolicyName(a) < calicoPolicyName(b) ? -1 : 1));
  for (const policy of ordered) {
    for (const direction of policy.types) chains.set(`${direction}:${policy.key}`, compile(policy, direction));
  }
  return {
    ctx,
    chainsFor(pod, direction) {
      const selecting = new Set(isolatingPolicies(ctx, pod, direction));
      return ordered.filter((p) => selecting.has(p)).map((p) => chains.get(`${direction}:${p.key}`)!);
    },
    ipsets: [...sets.values()],
  };
}
