/**
 * Address plan checks with CIDR math: host bits, overlaps between the pod
 * network, the service network, the subnets and pinned node ranges; node
 * addresses and gateways inside their subnets and not reserved; node pod
 * ranges that fit the pod network; enough pod ranges for every node.
 */
import { broadcastOf, contains, formatCidr, hasHostBits, parseCidrText, cidr as makeCidr, type Cidr } from '../../net/cidr.js';
import { formatIPv4, parseIPv4 } from '../../net/ipv4.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import { Code } from '../codes.js';
import { error, type Finding } from '../finding.js';
import type { NodeSpec, SubnetSpec, Topology } from '../types.js';
import { at, type CheckContext } from './context.js';
import { findOverlaps, type Range } from './overlaps.js';

/** A prefix as written: parsed, with host bits cleared, after a host-bits finding if they were set. */
function checkedCidr(text: string, what: string, path: DocPath, findings: Finding[]): Cidr | undefined {
  const written = parseCidrText(text);
  if (written === undefined) return undefined; // the schema reported it
  const cleared = makeCidr(written.ip, written.len);
  if (hasHostBits(written)) {
    findings.push(
      error(Code.CidrHostBits, `${what} ${text} has host bits set`, path, {
        hint: `did you mean ${formatCidr(cleared)}? (the last ${32 - written.len} bits of a /${written.len} prefix are zero)`,
      }),
    );
  }
  return cleared;
}

interface Labelled {
  readonly what: string;
  readonly text: string;
  readonly path: DocPath;
}

export function checkAddresses({ topology, findings }: CheckContext): void {
  const network = topology.network;
  const podCIDR = checkedCidr(network.podCIDR, 'podCIDR', ['network', 'podCIDR'], findings);
  const serviceCIDR = checkedCidr(network.serviceCIDR, 'serviceCIDR', ['network', 'serviceCIDR'], findings);
  if (serviceCIDR && serviceCIDR.len < 12) {
    findings.push(
      error(
        Code.CidrInvalid,
        `serviceCIDR ${network.serviceCIDR} is too large: kube-apiserver accepts at most a /12 (1,048,576 addresses)`,
        ['network', 'serviceCIDR'],
        {
          hint: 'use a /12 or smaller prefix, e.g. 10.96.0.0/12',
        },
      ),
    );
  }

  // Written only: the defaults are valid prefixes.
  if (network.kubeProxy.clusterCIDR !== network.podCIDR) {
    checkedCidr(network.kubeProxy.clusterCIDR, 'kubeProxy.clusterCIDR', ['network', 'kubeProxy', 'clusterCIDR'], findings);
  }
  checkedCidr(network.loadBalancerPool, 'loadBalancerPool', ['network', 'loadBalancerPool'], findings);
  for (const service of topology.services) {
    service.loadBalancerSourceRanges.forEach((range, i) =>
      checkedCidr(range, 'loadBalancerSourceRanges entry', at(service.source, 'loadBalancerSourceRanges', i), findings),
    );
  }

  // Overlaps among the cluster-wide ranges and the subnets.
  const ranges: Range<Labelled>[] = [];
  const add = (cidr: Cidr | undefined, item: Labelled): void => {
    if (cidr) ranges.push({ cidr, item, order: ranges.length });
  };
  add(podCIDR, { what: 'the pod network', text: network.podCIDR, path: ['network', 'podCIDR'] });
  add(serviceCIDR, { what: 'the service network', text: network.serviceCIDR, path: ['network', 'serviceCIDR'] });
  const subnetCidrs = new Map<SubnetSpec, Cidr>();
  for (const subnet of topology.subnets) {
    const cidr = checkedCidr(subnet.cidr, `subnet ${subnet.name}`, at(subnet.source, 'cidr'), findings);
    if (cidr === undefined) continue;
    subnetCidrs.set(subnet, cidr);
    add(cidr, { what: `subnet ${subnet.name}`, text: subnet.cidr, path: at(subnet.source, 'cidr') });
  }
  reportOverlaps(ranges, findings);

  for (const [subnet, cidr] of subnetCidrs) checkGateway(subnet, cidr, findings);
  checkNodeAddresses(topology.nodes, subnetCidrs, findings);
  if (podCIDR) checkNodeRanges(topology, podCIDR, findings);
}

function reportOverlaps(ranges: readonly Range<Labelled>[], findings: Finding[]): void {
  for (const [first, second] of findOverlaps(ranges)) {
    const a = second.item;
    const b = first.item;
    findings.push(
      error(Code.CidrOverlap, `${a.what} ${a.text} overlaps ${b.what} ${b.text}`, a.path, {
        hint: 'routes to one would capture traffic for the other: make the ranges disjoint ({related})',
        related: b.path,
      }),
    );
  }
}

function checkGateway(subnet: SubnetSpec, cidr: Cidr, findings: Finding[]): void {
  if (subnet.gateway === undefined) return;
  const gateway = parseIPv4(subnet.gateway);
  if (gateway === undefined) return;
  const path = at(subnet.source, 'gateway');
  if (!contains(cidr, gateway)) {
    findings.push(
      error(Code.IpOutsideSubnet, `gateway ${subnet.gateway} is outside subnet ${subnet.name} (${formatCidr(cidr)})`, path, {
        hint: hostRangeHint(cidr),
      }),
    );
  } else if (cidr.len <= 30 && (gateway === cidr.addr || gateway === broadcastOf(cidr))) {
    findings.push(
      error(
        Code.IpReserved,
        `gateway ${subnet.gateway} is the ${gateway === cidr.addr ? 'network' : 'broadcast'} address of subnet ${subnet.name} (${formatCidr(cidr)})`,
        path,
        { hint: hostRangeHint(cidr) },
      ),
    );
  }
}

function hostRangeHint(cidr: Cidr): string {
  if (cidr.len >= 31) return `the addresses of ${formatCidr(cidr)} are ${formatIPv4(cidr.addr)} to ${formatIPv4(broadcastOf(cidr))}`;
  return `the host addresses of ${formatCidr(cidr)} are ${formatIPv4(cidr.addr + 1)} to ${formatIPv4(broadcastOf(cidr) - 1)}`;
}

function checkNodeAddresses(nodes: readonly NodeSpec[], subnetCidrs: ReadonlyMap<SubnetSpec, Cidr>, findings: Finding[]): void {
  const subnetByName = new Map<string, [SubnetSpec, Cidr]>();
  for (const [subnet, cidr] of subnetCidrs) if (!subnetByName.has(subnet.name)) subnetByName.set(subnet.name, [subnet, cidr]);
  for (const node of nodes) {
    if (node.pool !== undefined) continue; // pool addresses are allocated inside the subnet
    const entry = subnetByName.get(node.subnet);
    const ip = parseIPv4(node.ip);
    if (entry === undefined || ip === undefined) continue; // unknown subnet: reported by the reference checks
    const [subnet, cidr] = entry;
    const path = at(node.source, 'ip');
    if (!contains(cidr, ip)) {
      const other = [...subnetByName.values()].find(([, c]) => contains(c, ip));
      findings.push(
        error(
          Code.IpOutsideSubnet,
          `node ${node.name}'s address ${node.ip} is outside its subnet ${subnet.name} (${formatCidr(cidr)})`,
          path,
          {
            hint: other ? `${node.ip} is in subnet ${other[0].name}: did you mean subnet: ${other[0].name}?` : hostRangeHint(cidr),
          },
        ),
      );
      continue;
    }
    const gateway = subnet.gateway === undefined ? undefined : parseIPv4(subnet.gateway);
    const reserved =
      cidr.len <= 30 && ip === cidr.addr
        ? 'the network address'
        : cidr.len <= 30 && ip === broadcastOf(cidr)
          ? 'the broadcast address'
          : ip === gateway
            ? 'the gateway'
            : undefined;
    if (reserved) {
      findings.push(
        error(
          Code.IpReserved,
          `node ${node.name}'s address ${node.ip} is ${reserved} of subnet ${subnet.name} (${formatCidr(cidr)})`,
          path,
          {
            hint: reserved === 'the gateway' ? 'the gateway is the underlay router: give the node another address' : hostRangeHint(cidr),
          },
        ),
      );
    }
  }
}

/** nodeCIDRMaskSize against the pod network, pinned node ranges, and enough ranges for every node. */
function checkNodeRanges(topology: Topology, podCIDR: Cidr, findings: Finding[]): void {
  const { network, nodes } = topology;
  const mask = network.nodeCIDRMaskSize;
  const maskPath = ['network', 'nodeCIDRMaskSize'];
  if (mask < podCIDR.len) {
    findings.push(
      error(
        Code.NodeCidrMaskSize,
        `nodeCIDRMaskSize ${mask} is shorter than podCIDR's /${podCIDR.len}: a node's range must fit inside the pod network`,
        maskPath,
        {
          hint: `use a nodeCIDRMaskSize from ${podCIDR.len} to ${Math.min(30, podCIDR.len + 16)}`,
        },
      ),
    );
    return;
  }
  if (mask - podCIDR.len > 16) {
    findings.push(
      error(
        Code.NodeCidrMaskSize,
        `nodeCIDRMaskSize ${mask} is ${mask - podCIDR.len} bits longer than podCIDR's /${podCIDR.len}; kube-controller-manager allows at most 16`,
        maskPath,
        {
          hint: `use a nodeCIDRMaskSize up to ${podCIDR.len + 16}, or a smaller podCIDR`,
        },
      ),
    );
  }

  const pinned: Range<{ name: string; text: string; path: DocPath }>[] = [];
  for (const node of nodes) {
    if (node.podCIDR === undefined) continue;
    const path = at(node.source, 'podCIDR');
    const range = checkedCidr(node.podCIDR, `node ${node.name}'s podCIDR`, path, findings);
    if (range === undefined) continue;
    if (!contains(podCIDR, range.addr) || range.len < podCIDR.len) {
      findings.push(
        error(Code.NodePodCidrOutside, `node ${node.name}'s podCIDR ${node.podCIDR} is outside the pod network ${network.podCIDR}`, path, {
          hint: `pick a /${mask} inside ${formatCidr(podCIDR)}`,
        }),
      );
      continue;
    }
    if (range.len !== mask) {
      findings.push(
        error(
          Code.NodePodCidrSize,
          `node ${node.name}'s podCIDR ${node.podCIDR} is a /${range.len}, but node ranges are /${mask} (nodeCIDRMaskSize)`,
          path,
          {
            hint: `did you mean ${formatCidr(makeCidr(range.addr, mask))}?`,
          },
        ),
      );
    }
    pinned.push({ cidr: range, item: { name: node.name, text: node.podCIDR, path }, order: pinned.length });
  }
  for (const [first, second] of findOverlaps(pinned)) {
    findings.push(
      error(
        Code.CidrOverlap,
        `node ${second.item.name}'s podCIDR ${second.item.text} overlaps node ${first.item.name}'s ${first.item.text}`,
        second.item.path,
        {
          hint: 'each node needs its own pod range ({related})',
          related: first.item.path,
        },
      ),
    );
  }

  // flannel needs a node range per node; calico needs at least one IPAM block per node.
  const cni = network.cni;
  const rangeLength = cni.plugin === 'calico' ? cni.blockSize : mask;
  if (rangeLength < podCIDR.len) return;
  const available = 2 ** (rangeLength - podCIDR.len);
  if (nodes.length > available) {
    const neededBits = Math.ceil(Math.log2(nodes.length));
    const what = cni.plugin === 'calico' ? `/${rangeLength} IPAM blocks (blockSize)` : `/${mask} pod ranges`;
    findings.push(
      error(
        Code.PodCidrExhausted,
        `${nodes.length} nodes need ${nodes.length} ${what}, but podCIDR ${network.podCIDR} holds only ${available}`,
        ['network', 'podCIDR'],
        {
          hint: `use a podCIDR of /${Math.max(0, rangeLength - neededBits)} or larger${
            cni.plugin === 'calico' || podCIDR.len + neededBits > 30 ? '' : `, or a nodeCIDRMaskSize of ${podCIDR.len + neededBits}`
          }`,
        },
      ),
    );
  }
}
