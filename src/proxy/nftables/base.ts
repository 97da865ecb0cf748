/**
 * The part of kube-proxy's `ip kube-proxy` table that does not depend on
 * services (setupNFTables, pkg/proxy/nftables/proxier.go v1.33): the base
 * chains with their hooks and priorities, the chains they jump to, the
 * masquerade machinery, and the sets and maps the services fill, all in
 * the order kube-proxy creates them (which is the order nft lists them).
 *
 * Base chains (filter ones run before DNAT, at dstnat - 10, except the
 * second output chain, after it):
 *
 *   filter-prerouting        prerouting  -110  ct state new jump firewall-check
 *   filter-input             input       -110  ct state new jump nodeport-endpoints-check, service-endpoints-check
 *   filter-forward           forward     -110  ct state new jump service-endpoints-check, cluster-ips-check
 *   filter-output            output      -110  ct state new jump service-endpoints-check, firewall-check
 *   filter-output-post-dnat  output       -90  ct state new jump cluster-ips-check
 *   nat-prerouting, nat-output  -100  jump services;  nat-postrouting  100  jump masquerading
 *
 * The endpoint checks are not jumped to from prerouting: `reject` is only
 * valid from the input, forward and output hooks on kernels before 5.9.
 */
import type { NftBaseChain, NftChain, NftRule, NftStatement } from '../../kernel/nftables.js';
import { nodePortsOnAllAddresses, type KubeProxyNftablesConfig } from './config.js';
import {
  CLUSTER_IPS,
  CLUSTER_IPS_CHECK,
  FILTER_FORWARD,
  FILTER_INPUT,
  FILTER_OUTPUT,
  FILTER_OUTPUT_POST_DNAT,
  FILTER_PREROUTING,
  FIREWALL_CHECK,
  FIREWALL_IPS,
  MARK_FOR_MASQUERADE,
  MASQUERADING,
  NAT_OUTPUT,
  NAT_POSTROUTING,
  NAT_PREROUTING,
  NO_ENDPOINT_NODEPORTS,
  NO_ENDPOINT_SERVICES,
  NODEPORT_ENDPOINTS_CHECK,
  NODEPORT_IPS,
  REJECT_CHAIN,
  SERVICE_ENDPOINTS_CHECK,
  SERVICE_IPS,
  SERVICE_NODEPORTS,
  SERVICES,
} from './names.js';
import {
  CT_STATE_NEW,
  DADDR_PROTO_PORT,
  FIB_DADDR_LOCAL,
  IP_DADDR,
  ipMatch,
  jumpTo,
  prefix,
  PROTO_PORT,
  verdictStatement,
} from './statements.js';
import { LOOPBACK_NET } from '../../net/cidr.js';

const DSTNAT = -100;
const SRCNAT = 100;

const BASE_CHAINS: readonly { readonly name: string; readonly base: NftBaseChain }[] = [
  { name: FILTER_PREROUTING, base: { type: 'filter', hook: 'prerouting', priority: DSTNAT - 10, policy: 'accept' } },
  { name: FILTER_INPUT, base: { type: 'filter', hook: 'input', priority: DSTNAT - 10, policy: 'accept' } },
  { name: FILTER_FORWARD, base: { type: 'filter', hook: 'forward', priority: DSTNAT - 10, policy: 'accept' } },
  { name: FILTER_OUTPUT, base: { type: 'filter', hook: 'output', priority: DSTNAT - 10, policy: 'accept' } },
  { name: FILTER_OUTPUT_POST_DNAT, base: { type: 'filter', hook: 'output', priority: DSTNAT + 10, policy: 'accept' } },
  { name: NAT_PREROUTING, base: { type: 'nat', hook: 'prerouting', priority: DSTNAT, policy: 'accept' } },
  { name: NAT_OUTPUT, base: { type: 'nat', hook: 'output', priority: DSTNAT, policy: 'accept' } },
  { name: NAT_POSTROUTING, base: { type: 'nat', hook: 'postrouting', priority: SRCNAT, policy: 'accept' } },
];

/** nftablesJumpChains, in kube-proxy's order: [jumped-to chain, from, only new connections]. */
const JUMP_CHAINS: readonly (readonly [string, string, boolean])[] = [
  [NODEPORT_ENDPOINTS_CHECK, FILTER_INPUT, true],
  [SERVICE_ENDPOINTS_CHECK, FILTER_INPUT, true],
  [SERVICE_ENDPOINTS_CHECK, FILTER_FORWARD, true],
  [SERVICE_ENDPOINTS_CHECK, FILTER_OUTPUT, true],
  [FIREWALL_CHECK, FILTER_PREROUTING, true],
  [FIREWALL_CHECK, FILTER_OUTPUT, true],
  [SERVICES, NAT_OUTPUT, false],
  [SERVICES, NAT_PREROUTING, false],
  [MASQUERADING, NAT_POSTROUTING, false],
  [CLUSTER_IPS_CHECK, FILTER_FORWARD, true],
  [CLUSTER_IPS_CHECK, FILTER_OUTPUT_POST_DNAT, true],
];

/** A set or map of the fixed part, before the services fill it. */
export interface BaseSetSpec {
  readonly kind: 'set' | 'map';
  readonly name: string;
  readonly keyType: readonly string[];
  readonly comment: string;
}

const IPV4 = 'ipv4_addr';
const PROTO = 'inet_proto';
const SERVICE = 'inet_service';

export interface BaseObjects {
  /** Sets and maps in creation order; nodeport-ips only when node ports are limited to some addresses. */
  readonly sets: readonly BaseSetSpec[];
  /** The fixed chains, in creation order, with their rules. */
  readonly chains: readonly NftChain[];
}

/** setupNFTables for `config`. */
export function baseObjects(config: KubeProxyNftablesConfig): BaseObjects {
  const allAddresses = nodePortsOnAllAddresses(config);
  const mark = config.masqueradeMark;
  const chains = new Map<string, { base?: NftBaseChain; comment?: string; rules: NftRule[] }>();
  const ensure = (name: string): NftRule[] => {
    let chain = chains.get(name);
    if (chain === undefined) chains.set(name, (chain = { rules: [] }));
    return chain.rules;
  };

  for (const { name, base } of BASE_CHAINS) chains.set(name, { base, rules: [] });
  for (const [to, from, newOnly] of JUMP_CHAINS) {
    ensure(to);
    const jump = verdictStatement(jumpTo(to));
    ensure(from).push({ statements: newOnly ? [CT_STATE_NEW, jump] : [jump] });
  }
  for (const name of [SERVICES, CLUSTER_IPS_CHECK, MASQUERADING, MARK_FOR_MASQUERADE]) ensure(name);

  ensure(MARK_FOR_MASQUERADE).push({ statements: [{ kind: 'mark-set', op: 'or', value: mark }] });
  const masquerading = ensure(MASQUERADING);
  masquerading.push({
    statements: [
      { kind: 'match', selector: { kind: 'mark' }, op: '==', mask: mark, values: [{ kind: 'number', value: 0 }] },
      verdictStatement({ kind: 'return' }),
    ],
  });
  // Clear the mark, so a packet that goes through the stack again is not masqueraded twice.
  masquerading.push({ statements: [{ kind: 'mark-set', op: 'xor', value: mark }] });
  masquerading.push({ statements: [{ kind: 'masquerade', fullyRandom: true }] });

  const clusterIPsCheck = ensure(CLUSTER_IPS_CHECK);
  clusterIPsCheck.push({
    statements: [{ kind: 'lookup', selectors: [IP_DADDR], set: CLUSTER_IPS }, { kind: 'reject' }],
    comment: 'Reject traffic to invalid ports of ClusterIPs',
  });
  if (config.serviceCIDRs.length > 0) {
    clusterIPsCheck.push({
      statements: [
        { kind: 'match', selector: IP_DADDR, op: '==', values: config.serviceCIDRs.map(prefix), anonymousSet: true },
        verdictStatement({ kind: 'drop' }),
      ],
      comment: 'Drop traffic to unallocated ClusterIPs',
    });
  }

  const sets: BaseSetSpec[] = [
    { kind: 'set', name: CLUSTER_IPS, keyType: [IPV4], comment: 'Active ClusterIPs' },
    // Added, then deleted again when node ports are on every address.
    ...(allAddresses ? [] : [{ kind: 'set', name: NODEPORT_IPS, keyType: [IPV4], comment: 'IPs that accept NodePort traffic' } as const]),
    {
      kind: 'map',
      name: NO_ENDPOINT_SERVICES,
      keyType: [IPV4, PROTO, SERVICE],
      comment: 'vmap to drop or reject packets to services with no endpoints',
    },
    {
      kind: 'map',
      name: NO_ENDPOINT_NODEPORTS,
      keyType: [PROTO, SERVICE],
      comment: 'vmap to drop or reject packets to service nodeports with no endpoints',
    },
  ];

  chains.set(REJECT_CHAIN, {
    comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports',
    rules: [{ statements: [{ kind: 'reject' }] }],
  });
  ensure(SERVICE_ENDPOINTS_CHECK).push({
    statements: [{ kind: 'vmap', selectors: DADDR_PROTO_PORT, map: { name: NO_ENDPOINT_SERVICES } }],
  });
  // Node ports: every local address but 127.0.0.0/8 (no localhost node ports in nftables mode), or the chosen ones.
  const nodePortTarget: readonly NftStatement[] = allAddresses
    ? [ipMatch('daddr', prefix(LOOPBACK_NET), true)]
    : [{ kind: 'lookup', selectors: [IP_DADDR], set: NODEPORT_IPS }];
  ensure(NODEPORT_ENDPOINTS_CHECK).push({
    statements: [...nodePortTarget, { kind: 'vmap', selectors: PROTO_PORT, map: { name: NO_ENDPOINT_NODEPORTS } }],
  });

  sets.push({
    kind: 'map',
    name: FIREWALL_IPS,
    keyType: [IPV4, PROTO, SERVICE],
    comment: 'destinations that are subject to LoadBalancerSourceRanges',
  });
  ensure(FIREWALL_CHECK).push({ statements: [{ kind: 'vmap', selectors: DADDR_PROTO_PORT, map: { name: FIREWALL_IPS } }] });

  sets.push({
    kind: 'map',
    name: SERVICE_IPS,
    keyType: [IPV4, PROTO, SERVICE],
    comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic',
  });
  sets.push({ kind: 'map', name: SERVICE_NODEPORTS, keyType: [PROTO, SERVICE], comment: 'NodePort traffic' });
  const services = ensure(SERVICES);
  services.push({ statements: [{ kind: 'vmap', selectors: DADDR_PROTO_PORT, map: { name: SERVICE_IPS } }] });
  const nodePortDestination: readonly NftStatement[] = allAddresses ? [FIB_DADDR_LOCAL, ...nodePortTarget] : nodePortTarget;
  services.push({ statements: [...nodePortDestination, { kind: 'vmap', selectors: PROTO_PORT, map: { name: SERVICE_NODEPORTS } }] });

  const out: NftChain[] = [];
  for (const [name, chain] of chains) {
    out.push({
      name,
      ...(chain.base ? { base: chain.base } : {}),
      ...(chain.comment !== undefined ? { comment: chain.comment } : {}),
      rules: chain.rules,
    });
  }
  return { sets, chains: out };
}
