/**
 * calico's kernel state, mode by mode, against kernel-facts §3 (calico's
 * source and published node outputs) and the real-kernel captures in
 * test/golden/calico-*.
 */
import { describe, expect, it } from 'vitest';
import { calicoVethName, calicoVtepMac } from '../../src/model/names.js';
import { fnv1_32 } from '../../src/model/calico-ipam.js';
import { runEmulated } from '../../src/exec/run.js';
import { toText } from '../../src/render/types.js';
import { formatCidr } from '../../src/net/cidr.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { buildFromText } from '../helpers.js';
import { calicoYaml, THREE_NODES, THREE_PODS, TWO_SUBNETS } from './calico-helpers.js';
import { loadTopology } from '../../src/topology/load.js';
import { buildCluster } from '../../src/model/cluster.js';

const run = (ns: Parameters<typeof runEmulated>[0], cmd: string) => toText(runEmulated(ns, cmd.split(' ')).stdout);

describe("calico's names (kernel-facts §3.1, §3.5)", () => {
  it('names the host veth cali + 11 hex of sha1("namespace.pod")', () => {
    expect(calicoVethName('default', 'pod-a')).toBe('cali5e1c4d6c68c');
    expect(calicoVethName('kube-system', 'coredns-76f75df574-8xk2p')).toBe('calie8235ad3f4a');
  });
  it("derives the VTEP MAC from sha1(nodename) behind Felix's 0x66", () => {
    expect(calicoVtepMac('node-1')).toBe('66:b3:68:28:39:8e');
  });
  it("seeds the block search with Go's fnv.New32 (FNV-1)", () => {
    // FNV-1 32-bit test vectors.
    expect(fnv1_32('')).toBe(0x811c9dc5);
    expect(fnv1_32('a')).toBe(0x050c5d7e);
  });
});

describe('calico IPAM', () => {
  it('gives each node a /26 block, the tunnel address its ordinal 0, pods the next ordinals', () => {
    const { cluster } = buildFromText(calicoYaml('{plugin: calico, mode: ipip}'));
    for (const node of cluster.nodes) {
      const block = node.calico!.blocks[0]!;
      expect(block.len).toBe(26);
      expect(node.calico!.tunnelAddress).toBe(block.addr);
      const pods = node.pods.filter((p) => p.namespace === 'default').map((p) => p.ip - block.addr);
      expect(pods).toEqual(pods.map((_, i) => i + 1));
    }
  });
  it('starts at ordinal 0 without a tunnel (bgp mode): the block network address is a pod address', () => {
    const { cluster } = buildFromText(calicoYaml('{plugin: calico, mode: bgp}'));
    const node = cluster.nodeByName.get('node-01')!;
    expect(node.calico!.tunnelAddress).toBeUndefined();
    expect(node.pods.filter((p) => p.namespace === 'default').map((p) => p.ip - node.calico!.blocks[0]!.addr)).toEqual([0, 1]);
  });
  it('claims another block when one is full', () => {
    const pods = Array.from({ length: 70 }, (_, i) => `  - {name: p${i}, node: node-01}`).join('\n');
    const { cluster } = buildFromText(calicoYaml('{plugin: calico, mode: vxlan}', { pods }));
    const node = cluster.nodeByName.get('node-01')!;
    expect(node.calico!.blocks).toHaveLength(2);
    expect(
      node.pods.filter(
        (p) => p.namespace === 'default' && p.ip >= node.calico!.blocks[1]!.addr && p.ip < node.calico!.blocks[1]!.addr + 64,
      ),
    ).toHaveLength(7);
  });
  it('honours blockSize', () => {
    const { cluster } = buildFromText(calicoYaml('{plugin: calico, mode: bgp, blockSize: 28}'));
    expect(cluster.nodes[0]!.calico!.blocks[0]!.len).toBe(28);
  });
  it("keeps a pinned pod address and makes its block affine to the pod's node", () => {
    const { cluster } = buildFromText(
      calicoYaml('{plugin: calico, mode: ipip}', {
        pods: '  - {name: pod-a, node: node-02, ip: 10.244.7.3}\n  - {name: pod-b, node: node-02}',
      }),
    );
    const node = cluster.nodeByName.get('node-02')!;
    expect(formatCidr(node.calico!.blocks[0]!)).toBe('10.244.7.0/26');
    expect(node.pods.filter((p) => p.namespace === 'default').map((p) => formatIPv4(p.ip))).toEqual(['10.244.7.3', '10.244.7.1']);
    expect(formatIPv4(node.calico!.tunnelAddress!)).toBe('10.244.7.0');
  });
  it("refuses a pinned address in another node's block", () => {
    const text = calicoYaml('{plugin: calico, mode: bgp}', {
      pods: '  - {name: pod-a, node: node-01, ip: 10.244.7.3}\n  - {name: pod-b, node: node-02, ip: 10.244.7.4}',
    });
    const clustered = buildCluster(loadTopology(text, 't.yaml').topology!);
    expect(clustered.diagnostics.map((d) => d.code)).toEqual(['NL-IPAM-POD-IP']);
    expect(clustered.diagnostics[0]!.message).toMatch(/affine to node node-01/);
  });
  it('is deterministic and independent of the other nodes', () => {
    const a = buildFromText(calicoYaml('{plugin: calico, mode: bgp}')).cluster.nodeByName.get('node-02')!.calico!.blocks;
    const b = buildFromText(
      calicoYaml('{plugin: calico, mode: bgp}', {
        nodes: '  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}',
        pods: '  - {name: pod-c, node: node-02}',
      }),
    ).cluster.nodeByName.get('node-02')!.calico!.blocks;
    expect(a).toEqual(b);
  });
});

describe('calico bgp: a workload as the CNI plugin sets it up', () => {
  const built = buildFromText(calicoYaml('{plugin: calico, mode: bgp}'));
  const { cluster, dataplane } = built;
  const node01 = dataplane.nodeNetns(cluster.nodeByName.get('node-01')!);
  const podA = cluster.podByKey.get('default/pod-a')!;
  const podNs = dataplane.podNetns(podA);

  it('gives the pod a /32, the 169.254.1.1 link route and the default via it', () => {
    expect(run(podNs, 'ip route')).toBe('default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n');
    expect(run(podNs, 'ip -o -4 addr show dev eth0')).toContain(`inet ${formatIPv4(podA.ip)}/32 scope global eth0`);
  });
  it('creates the pair from the pod with cali<hash> straight in the node (PeerNamespace, v3.27+): eth0 is ifindex 2', () => {
    expect(podNs.links.map((l) => `${l.ifindex}:${l.name}`)).toEqual(['1:lo', '2:eth0']);
    const veth = node01.links.find((l) => l.name === 'cali5e1c4d6c68c')!;
    expect(veth.mac).toBe('ee:ee:ee:ee:ee:ee');
    expect(veth.ipv4).toEqual([]);
    expect(run(node01, 'ip link show cali5e1c4d6c68c').split('\n')[0]).toMatch(
      /^3: cali5e1c4d6c68c@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000$/,
    );
    expect(run(node01, 'ip addr show cali5e1c4d6c68c')).toContain('inet6 fe80::ecee:eeff:feee:eeee/64 scope link');
    expect(node01.links.some((l) => l.info.kind === 'bridge')).toBe(false);
  });
  it('sets the host-side sysctls', () => {
    for (const [key, value] of [
      ['proxy_arp', '1'],
      ['forwarding', '1'],
      ['route_localnet', '1'],
    ]) {
      expect(node01.sysctls.get(`net.ipv4.conf.cali5e1c4d6c68c.${key}`)).toBe(value);
    }
    expect(node01.sysctls.get('net.ipv4.neigh.cali5e1c4d6c68c.proxy_delay')).toBe('0');
    expect(node01.sysctls.get('net.ipv4.ip_forward')).toBe('1');
  });
  it('routes: /32 per local pod, blackhole for its own block (proto bird), remote block via the node', () => {
    const block = cluster.nodeByName.get('node-01')!.calico!.blocks[0]!;
    const remote = cluster.nodeByName.get('node-02')!.calico!.blocks[0]!;
    const lines = run(node01, 'ip route').split('\n');
    expect(lines).toContain(`blackhole ${formatCidr(block)} proto bird `);
    expect(lines).toContain(`${formatIPv4(podA.ip)} dev cali5e1c4d6c68c scope link `);
    expect(lines).toContain(`${formatCidr(remote)} via 10.234.2.12 dev eth0 proto bird `);
  });
});

describe('calico across subnets', () => {
  it('bgp: the kernel route to the other subnet goes via the gateway (recursive next hop), and validate warns', () => {
    const built = buildFromText(calicoYaml('{plugin: calico, mode: bgp}', { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS }));
    const node01 = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
    const block3 = built.cluster.nodeByName.get('node-03')!.calico!.blocks[0]!;
    expect(run(node01, 'ip route')).toContain(`${formatCidr(block3)} via 10.234.2.254 dev eth0 proto bird \n`);
    expect(built.diagnostics.map((d) => d.code)).toContain('NL-CALICO-BGP-NOT-L2');
  });
  it('routerPeering silences the warning', () => {
    const built = buildFromText(
      calicoYaml('{plugin: calico, mode: bgp, routerPeering: true}', { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS }),
    );
    expect(built.diagnostics.map((d) => d.code)).not.toContain('NL-CALICO-BGP-NOT-L2');
  });
  it('ipip CrossSubnet: eth0 inside the subnet, tunl0 onlink across it', () => {
    const built = buildFromText(
      calicoYaml('{plugin: calico, mode: ipip, crossSubnet: true}', { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS }),
    );
    const node01 = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
    const [b2, b3] = ['node-02', 'node-03'].map((n) => formatCidr(built.cluster.nodeByName.get(n)!.calico!.blocks[0]!));
    const text = run(node01, 'ip route');
    expect(text).toContain(`${b2} via 10.234.2.12 dev eth0 proto bird \n`);
    expect(text).toContain(`${b3} via 10.234.3.13 dev tunl0 proto bird onlink \n`);
  });
  it('ipip Always: every remote block via tunl0', () => {
    const built = buildFromText(calicoYaml('{plugin: calico, mode: ipip}', { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS }));
    const node01 = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
    expect(run(node01, 'ip route').match(/dev tunl0 proto bird onlink/g)).toHaveLength(2);
  });
  it('vxlan CrossSubnet: proto 80 onlink via eth0 inside the subnet, vxlan.calico across it', () => {
    const built = buildFromText(
      calicoYaml('{plugin: calico, mode: vxlan, crossSubnet: true}', { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS }),
    );
    const n3 = built.cluster.nodeByName.get('node-03')!;
    const node01 = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
    const text = run(node01, 'ip route');
    expect(text).toContain(
      `${formatCidr(built.cluster.nodeByName.get('node-02')!.calico!.blocks[0]!)} via 10.234.2.12 dev eth0 proto 80 onlink \n`,
    );
    expect(text).toContain(`${formatCidr(n3.calico!.blocks[0]!)} via ${formatIPv4(n3.calico!.tunnelAddress!)} dev vxlan.calico onlink \n`);
    expect(text).toMatch(/blackhole \S+ proto 80 \n/);
  });
});

describe('calico ipip: tunl0', () => {
  const built = buildFromText(calicoYaml('{plugin: calico, mode: ipip}'));
  const node = built.cluster.nodeByName.get('node-01')!;
  const ns = built.dataplane.nodeNetns(node);
  it('configures the fallback tunnel: MTU 1480, the tunnel address /32', () => {
    expect(run(ns, 'ip addr show tunl0')).toBe(
      [
        '3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/ipip 0.0.0.0 brd 0.0.0.0',
        `    inet ${formatIPv4(node.calico!.tunnelAddress!)}/32 scope global tunl0`,
        '       valid_lft forever preferred_lft forever',
        '',
      ].join('\n'),
    );
  });
  it("gives pods 1480 and every new netns its own tunl0, down (the ipip module's per-netns fallback device)", () => {
    const pod = built.dataplane.podNetns(built.cluster.podByKey.get('default/pod-a')!);
    expect(
      run(pod, 'ip link')
        .split('\n')
        .filter((l) => /^\d/.test(l)),
    ).toEqual([
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '2: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
      expect.stringMatching(/^3: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1480 /) as unknown as string,
    ]);
  });
});

describe('calico vxlan: vxlan.calico', () => {
  const built = buildFromText(calicoYaml('{plugin: calico, mode: vxlan}'));
  const n1 = built.cluster.nodeByName.get('node-01')!;
  const n2 = built.cluster.nodeByName.get('node-02')!;
  const ns = built.dataplane.nodeNetns(n1);
  it('VNI 4096, port 4789, nolearning, MTU 1450, the VTEP MAC from sha1(nodename)', () => {
    const text = run(ns, 'ip -d link show vxlan.calico');
    expect(text).toContain('mtu 1450');
    expect(text).toContain(`link/ether ${calicoVtepMac('node-01')} brd ff:ff:ff:ff:ff:ff`);
    expect(text).toContain('vxlan id 4096 local 10.234.2.11 dev eth0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300');
  });
  it('a permanent ARP and FDB entry per remote VTEP, and the route via its tunnel address', () => {
    expect(run(ns, 'ip neigh show dev vxlan.calico')).toBe(`${formatIPv4(n2.calico!.tunnelAddress!)} lladdr ${n2.vtepMAC} PERMANENT \n`);
    expect(run(ns, 'bridge fdb show dev vxlan.calico')).toBe(`${n2.vtepMAC} dst 10.234.2.12 self permanent\n`);
    expect(run(ns, 'ip route')).toContain(
      `${formatCidr(n2.calico!.blocks[0]!)} via ${formatIPv4(n2.calico!.tunnelAddress!)} dev vxlan.calico onlink \n`,
    );
  });
});

describe("Felix's chains on a node", () => {
  const built = buildFromText(calicoYaml('{plugin: calico, mode: ipip}'));
  const ns = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
  const save = run(ns, 'iptables-save');
  it('inserts its jumps at the top of the built-in chains', () => {
    expect(save).toContain('-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT\n');
    expect(save).toContain('-A PREROUTING -m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING\n');
    expect(save).toContain('-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING\n');
  });
  it('has a from/to chain per local workload and the namespace profile', () => {
    for (const chain of [
      'cali-fw-cali5e1c4d6c68c',
      'cali-tw-cali5e1c4d6c68c',
      'cali-pri-kns.default',
      'cali-pro-kns.default',
      'cali-from-wl-dispatch',
      'cali-to-wl-dispatch',
      'cali-nat-outgoing',
    ]) {
      expect(save).toContain(`:${chain} - [0:0]`);
    }
    expect(save).toContain('-A cali-fw-cali5e1c4d6c68c -p ipencap -m comment');
    expect(save).toContain('"Allow IPIP packets from Calico hosts"');
  });
});

describe('validate: a large full mesh', () => {
  it('warns above 100 nodes in a full mesh, not with route reflectors or VXLAN', () => {
    const nodes = Array.from(
      { length: 101 },
      (_, i) => `  - {name: n${i}, ip: 10.234.${Math.floor(i / 200) + 2}.${(i % 200) + 1}, subnet: rack-1}`,
    ).join('\n');
    const subnets = '  - {name: rack-1, cidr: 10.234.0.0/16, gateway: 10.234.255.254, mtu: 1500}';
    const codes = (cni: string) => buildFromText(calicoYaml(cni, { nodes, subnets, pods: '  []' })).diagnostics.map((d) => d.code);
    expect(codes('{plugin: calico, mode: bgp}')).toContain('NL-CALICO-FULL-MESH');
    expect(codes('{plugin: calico, mode: bgp, routeReflectors: [n0, n1]}')).not.toContain('NL-CALICO-FULL-MESH');
    expect(codes('{plugin: calico, mode: vxlan}')).not.toContain('NL-CALICO-FULL-MESH');
  });
});

describe("calico-node's tools", () => {
  const built = buildFromText(calicoYaml('{plugin: calico, mode: bgp}', { subnets: TWO_SUBNETS, nodes: THREE_NODES, pods: THREE_PODS }));
  const node01 = built.dataplane.nodeNetns(built.cluster.nodeByName.get('node-01')!);
  const exec = (ns: Parameters<typeof runEmulated>[0], cmd: string) => runEmulated(ns, cmd.split(' '), { dataplane: built.dataplane });
  it('calicoctl node status: the mesh peers in a tablewriter table (calicoctl status.go)', () => {
    expect(toText(exec(node01, 'calicoctl node status').stdout)).toBe(
      [
        'Calico process is running.',
        '',
        'IPv4 BGP status',
        '+--------------+-------------------+-------+----------+-------------+',
        '| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
        '+--------------+-------------------+-------+----------+-------------+',
        '| 10.234.2.12  | node-to-node mesh | up    | 07:47:50 | Established |',
        '| 10.234.3.13  | node-to-node mesh | up    | 07:47:50 | Established |',
        '+--------------+-------------------+-------+----------+-------------+',
        '',
        'IPv6 BGP status',
        'No IPv6 peers found.',
        '',
        '',
      ].join('\n'),
    );
  });
  it('birdcl show protocols: BIRD 1.6 rows, Mesh_<ip> per peer', () => {
    expect(toText(exec(node01, 'birdcl -s /var/run/calico/bird.ctl show protocols').stdout)).toBe(
      [
        'BIRD v0.3.3+birdv1.6.8 ready.',
        'name     proto    table    state  since       info',
        'static1  Static   master   up     07:47:50    ',
        'kernel1  Kernel   master   up     07:47:50    ',
        'device1  Device   master   up     07:47:50    ',
        'direct1  Direct   master   up     07:47:50    ',
        'Mesh_10_234_2_12 BGP      master   up     07:47:50    Established   ',
        'Mesh_10_234_3_13 BGP      master   up     07:47:50    Established   ',
        '',
      ].join('\n'),
    );
  });
  it('route reflectors: clients peer only with the reflectors (Node_<ip>, node specific)', () => {
    const rr = buildFromText(
      calicoYaml('{plugin: calico, mode: ipip, routeReflectors: [node-01]}', {
        subnets: TWO_SUBNETS,
        nodes: THREE_NODES,
        pods: THREE_PODS,
      }),
    );
    const out = (n: string) =>
      toText(
        runEmulated(rr.dataplane.nodeNetns(rr.cluster.nodeByName.get(n)!), ['calicoctl', 'node', 'status'], { dataplane: rr.dataplane })
          .stdout,
      );
    expect(out('node-03')).toContain('| 10.234.2.11  | node specific | up    | 07:47:50 | Established |');
    expect(out('node-03')).not.toContain('10.234.2.12');
    expect(out('node-01').match(/node specific/g)).toHaveLength(2);
  });
  it('vxlan: BIRD does not run', () => {
    const vx = buildFromText(calicoYaml('{plugin: calico, mode: vxlan}'));
    const ns = vx.dataplane.nodeNetns(vx.cluster.nodeByName.get('node-01')!);
    expect(toText(runEmulated(ns, ['calicoctl', 'node', 'status'], { dataplane: vx.dataplane }).stdout)).toBe(
      'Calico process is running.\n\nNone of the BGP backend processes (BIRD or GoBGP) are running.\n\n',
    );
    const bird = runEmulated(ns, ['birdcl', 'show', 'protocols'], { dataplane: vx.dataplane });
    expect(bird.exitCode).toBe(1);
  });
});
