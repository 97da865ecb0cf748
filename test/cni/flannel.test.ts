import { describe, expect, it } from 'vitest';
import type { NetNs } from '../../src/kernel/netns.js';
import { RT_TABLE, type Route } from '../../src/kernel/route.js';
import { formatCidr } from '../../src/net/cidr.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { buildFromText, buildLab, flannelYaml, readRepoFile } from '../helpers.js';

/** A compact, ip-route-like description used only to keep these assertions readable. */
function describeRoute(r: Route): string {
  const parts = [r.type === 'unicast' ? '' : `${r.type} `, r.dst.len === 0 ? 'default' : formatCidr(r.dst)];
  if (r.gateway !== undefined) parts.push(` via ${formatIPv4(r.gateway)}`);
  if (r.dev) parts.push(` dev ${r.dev}`);
  if (r.onlink) parts.push(' onlink');
  return parts.join('');
}

function main(ns: NetNs): string[] {
  return (ns.routes.get(RT_TABLE.main) ?? []).map(describeRoute);
}

const TWO_SUBNETS = `  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}
  - {name: rack-2, cidr: 10.234.3.0/24, gateway: 10.234.3.254, mtu: 1500}`;
const THREE_NODES_TWO_SUBNETS = `  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}
  - {name: node-03, ip: 10.234.3.13, subnet: rack-2}`;

describe('flannel vxlan (the default lab)', () => {
  const { cluster, dataplane } = buildLab('labs/default.yaml');
  const node02 = dataplane.nodeNetns(cluster.nodeByName.get('node-02')!);

  it('routes each remote lease via its flannel.1 address, onlink', () => {
    expect(main(node02)).toEqual([
      'default via 10.234.2.254 dev eth0',
      '10.234.2.0/24 dev eth0',
      '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink',
      '10.244.1.0/24 dev cni0',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
    ]);
  });

  it('has a permanent ARP and FDB entry per remote VTEP', () => {
    const master = cluster.nodeByName.get('master')!;
    expect(node02.neighbours).toContainEqual({ ip: master.podCIDR.addr, dev: 'flannel.1', lladdr: master.vtepMAC, state: 'PERMANENT' });
    expect(node02.fdb).toContainEqual({ mac: master.vtepMAC, dev: 'flannel.1', self: true, dst: master.ip, permanent: true });
    expect(node02.neighbours).toHaveLength(2);
  });

  it('creates lo, eth0, flannel.1, cni0 then the veths, in that ifindex order', () => {
    expect(node02.links.map((l) => `${l.ifindex}:${l.name}`)).toEqual([
      '1:lo',
      '2:eth0',
      '3:flannel.1',
      '4:cni0',
      `5:${cluster.podByKey.get('default/pod-a')!.hostVeth!.name}`,
      `6:${cluster.podByKey.get('default/pod-c')!.hostVeth!.name}`,
    ]);
    const flannel = node02.links[2]!;
    expect(flannel.mtu).toBe(1450);
    expect(flannel.info).toMatchObject({ kind: 'vxlan', id: 1, dstport: 8472, learning: false });
    expect(flannel.ipv4).toEqual([{ ip: cluster.nodeByName.get('node-02')!.podCIDR.addr, len: 32, scope: 'global' }]);
  });

  it('gives a node without pods no cni0 (the bridge plugin creates it on the first pod)', () => {
    // The default lab's master runs the CoreDNS pods: without them it has no pod.
    const bare = buildFromText(readRepoFile('labs/default.yaml').replace('network:\n', 'network:\n  dns: {coreDNS: false}\n'));
    const master = bare.dataplane.nodeNetns(bare.cluster.nodeByName.get('master')!);
    expect(master.links.map((l) => l.name)).toEqual(['lo', 'eth0', 'flannel.1']);
  });

  it('gives the master cni0 for its CoreDNS pods', () => {
    const master = dataplane.nodeNetns(cluster.nodeByName.get('master')!);
    expect(master.links.map((l) => l.name).slice(0, 4)).toEqual(['lo', 'eth0', 'flannel.1', 'cni0']);
  });

  it("links each pod's eth0 and the host veth by the peer's ifindex", () => {
    const podA = cluster.podByKey.get('default/pod-a')!;
    const podNs = dataplane.podNetns(podA);
    const eth0 = podNs.links[1]!;
    const hostVeth = node02.links.find((l) => l.name === podA.hostVeth!.name)!;
    expect(eth0.info).toMatchObject({ kind: 'veth', peer: { ifindex: hostVeth.ifindex, linkNetns: { nsid: 0 } } });
    expect(hostVeth.info).toMatchObject({ kind: 'veth', peer: { ifindex: 2 } });
    expect(hostVeth.bridgePort).toMatchObject({ bridge: 'cni0', portNo: 1, hairpin: true });
    expect(main(podNs)).toEqual(['default via 10.244.1.1 dev eth0', '10.244.0.0/16 via 10.244.1.1 dev eth0', '10.244.1.0/24 dev eth0']);
  });

  it('writes subnet.env as flanneld does', () => {
    expect(node02.files.get('/run/flannel/subnet.env')).toBe(
      'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
    );
  });

  it('puts the kernel entries for its own addresses in table local', () => {
    const local = (node02.routes.get(RT_TABLE.local) ?? []).map(describeRoute);
    expect(local).toEqual([
      'local 10.234.2.12/32 dev eth0',
      'broadcast 10.234.2.255/32 dev eth0',
      'local 10.244.1.0/32 dev flannel.1',
      'local 10.244.1.1/32 dev cni0',
      'broadcast 10.244.1.255/32 dev cni0',
      'local 127.0.0.0/8 dev lo',
      'local 127.0.0.1/32 dev lo',
      'broadcast 127.255.255.255/32 dev lo',
    ]);
  });
});

describe('flannel host-gw', () => {
  it('routes remote leases via the node IPs on eth0, with pod MTU 1500', () => {
    const { cluster, dataplane } = buildFromText(flannelYaml({ backend: 'host-gw' }));
    const node01 = dataplane.nodeNetns(cluster.nodes[0]!);
    expect(main(node01)).toContain('10.244.1.0/24 via 10.234.2.12 dev eth0');
    expect(node01.links.map((l) => l.name)).not.toContain('flannel.1');
    expect(node01.links.find((l) => l.name === 'cni0')!.mtu).toBe(1500);
  });

  it('has no route across subnets (the kernel refuses it) and warns naming the pair', () => {
    const { cluster, dataplane } = buildFromText(
      flannelYaml({ backend: 'host-gw', subnets: TWO_SUBNETS, nodes: THREE_NODES_TWO_SUBNETS, pods: '  []' }),
    );
    const node02 = dataplane.nodeNetns(cluster.nodes[1]!);
    expect(main(node02).filter((r) => r.startsWith('10.244.'))).toEqual(['10.244.0.0/24 via 10.234.2.11 dev eth0']);
    expect(dataplane.warnings).toHaveLength(1);
    expect(dataplane.warnings[0]).toMatchObject({ code: 'NL-HOSTGW-NOT-L2', severity: 'warning' });
    expect(dataplane.warnings[0]!.message).toContain('node-01 (rack-1) and node-03 (rack-2)');
    expect(dataplane.warnings[0]!.message).toContain('Error: Nexthop has invalid gateway.');
  });
});

describe('flannel vxlan with DirectRouting', () => {
  it('routes directly inside a subnet and over flannel.1 across subnets', () => {
    const { cluster, dataplane } = buildFromText(
      flannelYaml({ directRouting: true, subnets: TWO_SUBNETS, nodes: THREE_NODES_TWO_SUBNETS, pods: '  []' }),
    );
    const node01 = dataplane.nodeNetns(cluster.nodes[0]!);
    expect(main(node01).filter((r) => r.startsWith('10.244.'))).toEqual([
      '10.244.1.0/24 via 10.234.2.12 dev eth0',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
    ]);
    // No ARP/FDB entries for the directly routed peer.
    expect(node01.neighbours.map((n) => formatIPv4(n.ip))).toEqual(['10.244.2.0']);
    expect(dataplane.warnings).toEqual([]);
  });
});

describe('flannel udp', () => {
  it('sends the whole pod network to flannel0 (MTU 1472)', () => {
    const { cluster, dataplane } = buildFromText(flannelYaml({ backend: 'udp' }));
    const node01 = dataplane.nodeNetns(cluster.nodes[0]!);
    expect(main(node01)).toContain('10.244.0.0/16 dev flannel0');
    const tun = node01.links.find((l) => l.name === 'flannel0')!;
    expect(tun.mtu).toBe(1472);
    expect(tun.mac).toBeUndefined();
    expect(node01.files.get('/run/flannel/subnet.env')).toContain('FLANNEL_MTU=1472');
  });
});

describe('sharing at scale', () => {
  it('hands every node the same route objects for a given peer', () => {
    const { cluster, dataplane } = buildLab('labs/default.yaml');
    const [master, node02, node03] = cluster.nodes.map((n) => dataplane.nodeNetns(n));
    const toNode03 = (ns: NetNs) => ns.routes.get(RT_TABLE.main)!.find((r) => r.dst.addr === cluster.nodes[2]!.podCIDR.addr);
    expect(toNode03(master!)).toBe(toNode03(node02!));
    expect(toNode03(node03!)!.dev).toBe('cni0');
  });
});
