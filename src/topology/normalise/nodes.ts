/**
 * nodes and nodePools -> NodeSpec[]: the explicit nodes in file order, then
 * each pool's nodes in pool order.
 *
 * A pool's nodes take consecutive addresses on its subnet from firstIP (or
 * the first host address), skipping the gateway and every address another
 * node already has, so pools can share a subnet with hand-written nodes.
 */
import { broadcastOf, contains, formatCidr, parseCidr, type Cidr } from '../../net/cidr.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../../net/ipv4.js';
import { Code } from '../codes.js';
import { didYouMean, knownList } from '../../diagnostics/did-you-mean.js';
import type { DocumentNode, DocumentNodePool, DocumentSubnet, Labels } from '../document.js';
import { error, type Finding } from '../finding.js';
import type { NodeRole, NodeSpec } from '../types.js';
import { invalidGeneratedName } from './generated-names.js';
import { compileTemplate } from './name-pattern.js';

/** The labels kubeadm and the kubelet put on every node; written labels win. */
export function nodeLabels(name: string, role: NodeRole, written: Labels | undefined): Labels {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    ...(role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    ...written,
  };
}

export function explicitNodes(nodes: readonly DocumentNode[]): NodeSpec[] {
  return nodes.map((node, i) => {
    const role = node.role ?? 'worker';
    return {
      source: ['nodes', i],
      name: node.name,
      ip: node.ip,
      subnet: node.subnet,
      role,
      runtime: node.runtime ?? 'containerd',
      ...(node.podCIDR !== undefined ? { podCIDR: node.podCIDR } : {}),
      labels: nodeLabels(node.name, role, node.labels),
      ...(node.mac !== undefined ? { mac: node.mac } : {}),
      ...(node.bridgeMAC !== undefined ? { bridgeMAC: node.bridgeMAC } : {}),
      ...(node.vtepMAC !== undefined ? { vtepMAC: node.vtepMAC } : {}),
      ...(node.tunnelAddress !== undefined ? { tunnelAddress: node.tunnelAddress } : {}),
    };
  });
}

interface PoolSubnet {
  readonly cidr: Cidr;
  readonly gateway?: IPv4;
}

export function poolNodes(
  pools: readonly DocumentNodePool[],
  subnets: readonly DocumentSubnet[],
  explicit: readonly NodeSpec[],
  findings: Finding[],
): NodeSpec[] {
  const subnetByName = new Map<string, PoolSubnet>();
  for (const subnet of subnets) {
    const cidr = parseCidr(subnet.cidr);
    if (cidr === undefined || subnetByName.has(subnet.name)) continue;
    const gateway = subnet.gateway === undefined ? undefined : parseIPv4(subnet.gateway);
    subnetByName.set(subnet.name, { cidr, ...(gateway !== undefined ? { gateway } : {}) });
  }
  const taken = new Set<IPv4>();
  for (const node of explicit) {
    const ip = parseIPv4(node.ip);
    if (ip !== undefined) taken.add(ip);
  }
  const out: NodeSpec[] = [];
  pools.forEach((pool, p) => {
    const path = ['nodePools', p];
    const subnet = subnetByName.get(pool.subnet);
    if (subnet === undefined) {
      findings.push(
        error(Code.UnknownSubnet, `unknown subnet '${pool.subnet}'`, [...path, 'subnet'], {
          hint:
            didYouMean(
              pool.subnet,
              subnets.map((s) => s.name),
            ) ??
            knownList(
              'subnets',
              subnets.map((s) => s.name),
            ),
        }),
      );
      return;
    }
    const name = compileTemplate(pool.namePattern ?? `${pool.name}-{index}`);
    const start = pool.startIndex ?? 1;
    const invalid = invalidGeneratedName({
      count: pool.count,
      start,
      name,
      nameRule: 'dnsSubdomain',
      nameField: pool.namePattern === undefined ? 'name' : 'namePattern',
      path,
    });
    if (invalid) {
      findings.push(invalid);
      return;
    }
    const addresses = poolAddresses(pool, subnet, taken, [...path], findings);
    if (addresses === undefined) return;
    const role = pool.role ?? 'worker';
    const runtime = pool.runtime ?? 'containerd';
    for (let k = 0; k < pool.count; k++) {
      const nodeName = name(start + k);
      out.push({
        source: path,
        name: nodeName,
        ip: formatIPv4(addresses[k]!),
        subnet: pool.subnet,
        role,
        runtime,
        labels: nodeLabels(nodeName, role, pool.labels),
        pool: pool.name,
      });
    }
  });
  return out;
}

function poolAddresses(
  pool: DocumentNodePool,
  subnet: PoolSubnet,
  taken: Set<IPv4>,
  path: (string | number)[],
  findings: Finding[],
): IPv4[] | undefined {
  const { cidr, gateway } = subnet;
  // /31 and /32 have no network or broadcast address to avoid (RFC 3021).
  const firstHost = cidr.len >= 31 ? cidr.addr : cidr.addr + 1;
  const lastHost = cidr.len >= 31 ? broadcastOf(cidr) : broadcastOf(cidr) - 1;
  let next = firstHost;
  if (pool.firstIP !== undefined) {
    const first = parseIPv4(pool.firstIP)!;
    if (!contains(cidr, first) || first < firstHost || first > lastHost) {
      findings.push(
        error(
          Code.IpOutsideSubnet,
          `firstIP ${pool.firstIP} is not a host address of subnet ${pool.subnet} (${formatCidr(cidr)})`,
          [...path, 'firstIP'],
          {
            hint: `the host addresses of ${formatCidr(cidr)} are ${formatIPv4(firstHost)} to ${formatIPv4(lastHost)}`,
          },
        ),
      );
      return undefined;
    }
    next = first;
  }
  const from = next;
  const addresses: IPv4[] = [];
  while (addresses.length < pool.count) {
    if (next > lastHost) {
      findings.push(
        error(
          Code.PoolExhausted,
          `node pool '${pool.name}' needs ${pool.count} addresses but subnet ${pool.subnet} (${formatCidr(cidr)}) has only ${addresses.length} free from ${formatIPv4(from)}`,
          [...path, 'count'],
          { hint: 'use a larger subnet, an earlier firstIP, or split the pool over several subnets' },
        ),
      );
      return undefined;
    }
    if (next !== gateway && !taken.has(next)) {
      addresses.push(next);
      taken.add(next);
    }
    next++;
  }
  return addresses;
}
