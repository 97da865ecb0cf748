/**
 * The underlay the objects do not show: which L2 subnets the nodes are on,
 * their gateways and MTU. From --subnet when given (a node is on the first
 * subnet that contains its address); otherwise calico's IPv4Address
 * annotation gives a node's prefix (calico-node reads it off the interface);
 * otherwise nodes whose addresses share a /24 are taken to share a subnet.
 * An inferred subnet's gateway is its first host address (its last when a
 * node has the first), its MTU 1500 unless --mtu says: assumptions, said so.
 */
import * as K from '../kube/well-known.js';
import { broadcastOf, cidr, contains, formatCidr, parseCidr, parseCidrText, type Cidr } from '../net/cidr.js';
import { formatIPv4, parseIPv4 } from '../net/ipv4.js';
import type { DocumentSubnet } from '../topology/document.js';
import { plural, type ImportContext } from './context.js';
import type { ImportedNode } from './nodes.js';

export const DEFAULT_MTU = 1500;
/** The prefix assumed around node addresses when nothing says. */
const ASSUMED_PREFIX = 24;
/** kind's nodes are containers on a docker network, a /16 (172.18.0.0/16 by default) with the gateway at .1. */
const KIND_PREFIX = 16;

export interface Underlay {
  readonly subnets: DocumentSubnet[];
  /** Node name -> subnet name. */
  readonly subnetOf: ReadonlyMap<string, string>;
}

export function importUnderlay(context: ImportContext, nodes: readonly ImportedNode[]): Underlay {
  const { options, notes } = context;
  const subnets: DocumentSubnet[] = [];
  const subnetOf = new Map<string, string>();
  const defaultMtu = options.mtu ?? DEFAULT_MTU;
  const given = (options.subnets ?? []).map((s) => ({ option: s, cidr: parseCidr(s.cidr)!, used: false }));
  const inferred = new Map<string, { cidr: Cidr; nodes: ImportedNode[]; why: 'calico' | 'kind' | 'assumed' }>();
  for (const node of nodes) {
    const flagged = given.find((g) => contains(g.cidr, node.ip));
    if (flagged) {
      flagged.used = true;
      subnetOf.set(node.name, flagged.option.name);
      continue;
    }
    const calico = calicoPrefix(node);
    const kind = node.providerID?.startsWith('kind://') === true;
    const prefix = calico ?? cidr(node.ip, kind ? KIND_PREFIX : ASSUMED_PREFIX);
    const key = formatCidr(prefix);
    let group = inferred.get(key);
    if (group === undefined)
      inferred.set(key, (group = { cidr: prefix, nodes: [], why: calico !== undefined ? 'calico' : kind ? 'kind' : 'assumed' }));
    group.nodes.push(node);
  }
  for (const g of given) {
    if (!g.used) notes.assumed(`--subnet ${g.option.name}=${g.option.cidr} holds no node: kept as an empty segment`);
    const nodeIps = new Set(nodes.filter((x) => subnetOf.get(x.name) === g.option.name).map((x) => x.ip));
    const written = g.option.gateway;
    const gateway = written === 'none' ? undefined : written !== undefined ? parseIPv4(written) : assumedGateway(g.cidr, nodeIps);
    if (written === undefined)
      notes.assumed(`gateway ${gateway !== undefined ? formatIPv4(gateway) : 'none'} on subnet ${g.option.name} (gw= in --subnet)`);
    subnets.push({
      name: g.option.name,
      cidr: formatCidr(g.cidr),
      ...(gateway !== undefined ? { gateway: formatIPv4(gateway) } : {}),
      mtu: g.option.mtu ?? defaultMtu,
    });
  }
  const taken = new Set(subnets.map((s) => s.name));
  let n = 1;
  for (const group of inferred.values()) {
    while (taken.has(`subnet-${n}`)) n++;
    const name = `subnet-${n++}`;
    taken.add(name);
    const gateway = assumedGateway(group.cidr, new Set(group.nodes.map((x) => x.ip)));
    subnets.push({
      name,
      cidr: formatCidr(group.cidr),
      ...(gateway !== undefined ? { gateway: formatIPv4(gateway) } : {}),
      mtu: defaultMtu,
    });
    for (const node of group.nodes) subnetOf.set(node.name, name);
    const whose = plural(group.nodes.length, 'node');
    const why =
      group.why === 'calico'
        ? 'the prefix calico-node found on their interface (projectcalico.org/IPv4Address)'
        : group.why === 'kind'
          ? `kind's docker network, a /${KIND_PREFIX} (their providerID is kind://)`
          : `a /${ASSUMED_PREFIX} around their addresses`;
    notes.assumed(
      `subnet ${name} ${formatCidr(group.cidr)} for ${whose} (${why}), gateway ${gateway !== undefined ? formatIPv4(gateway) : 'none'}: say otherwise with --subnet ${name}=CIDR,gw=IP`,
    );
  }
  if (options.mtu === undefined && (inferred.size > 0 || given.some((g) => g.option.mtu === undefined))) {
    notes.assumed(`MTU ${DEFAULT_MTU} on the nodes' interfaces (--mtu N, or mtu= in --subnet)`);
  }
  return { subnets, subnetOf };
}

/** The first host address of the subnet, or its last when a node has the first. */
function assumedGateway(subnet: Cidr, nodeIps: ReadonlySet<number>): number | undefined {
  if (subnet.len >= 31) return undefined;
  const first = subnet.addr + 1;
  const last = broadcastOf(subnet) - 1;
  return !nodeIps.has(first) ? first : !nodeIps.has(last) ? last : undefined;
}

/** calico's IPv4Address annotation: the node's address with its interface's prefix length. */
function calicoPrefix(node: ImportedNode): Cidr | undefined {
  const text = node.annotations[K.CALICO_IPV4_ADDRESS];
  if (text === undefined) return undefined;
  const parsed = parseCidrText(text);
  if (parsed === undefined || parsed.ip !== node.ip) return undefined;
  return cidr(parsed.ip, parsed.len);
}
