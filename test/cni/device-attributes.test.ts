/**
 * Every device a component creates carries what the component's creation
 * request carries, and nothing it leaves to the kernel is invented: one
 * test per creator, each listing the attributes (queue length, queueing
 * discipline, queue counts, MTU, flags) with the source that sets them.
 * The same values come out of the real kernel when the requests are sent
 * as the components send them (test/golden/probes/netlink-attributes.txt),
 * and the real-kernel suites compare them (`ip -d link`, `ip link`,
 * `ifconfig`).
 */
import { describe, expect, it } from 'vitest';
import { exportNetns } from '../../src/export/netns.js';
import { runEmulated } from '../../src/exec/run.js';
import type { Link } from '../../src/kernel/link.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { toText } from '../../src/render/types.js';
import { buildFromText, flannelYaml } from '../helpers.js';
import { calicoYaml } from './calico-helpers.js';

const run = (ns: NetNs, cmd: string) => toText(runEmulated(ns, cmd.split(' ')).stdout);

function link(ns: NetNs, name: string): Link {
  const found = ns.links.find((l) => l.name === name || l.name.startsWith(name));
  expect(found, `${name} in ${ns.id}`).toBeDefined();
  return found!;
}

/** The attributes the tests below pin, as the kernel reports them. */
function attributes(l: Link) {
  return { txqueuelen: l.txqueuelen, qdisc: l.qdisc, numTxQueues: l.numTxQueues, numRxQueues: l.numRxQueues, mtu: l.mtu, up: l.state.up };
}

/** The origin's attribute names, for checking that each creator says where its values come from. */
const said = (l: Link): string[] => (l.origin?.attributes ?? []).map(([name]) => name);

describe('flanneld (flannel pkg/backend/vxlan/device.go newVXLANDevice)', () => {
  const { cluster, dataplane } = buildFromText(flannelYaml());
  const node = dataplane.nodeNetns(cluster.nodes[0]!);
  const flannel1 = link(node, 'flannel.1');

  it('makes flannel.1 with IFLA_TXQLEN 0 (its LinkAttrs literal), which stays noqueue', () => {
    expect(attributes(flannel1)).toEqual({ txqueuelen: 0, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1450, up: true });
    expect(flannel1.info).toMatchObject({ kind: 'vxlan', id: 1, dstport: 8472, learning: false, ageing: 300, dev: 'eth0' });
    expect(flannel1.origin?.creator).toContain('pkg/backend/vxlan/device.go newVXLANDevice');
    expect(said(flannel1)).toEqual(expect.arrayContaining(['txqueuelen 0', 'mtu', 'address', 'id 1', 'dstport 8472', 'nolearning']));
  });

  it('prints as the tutorials show it: no qlen in ip link, txqueuelen 0 in ifconfig', () => {
    expect(run(node, 'ip link show flannel.1').split('\n')[0]).toMatch(
      / mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default $/,
    );
    expect(run(node, 'ifconfig flannel.1')).toContain(`        ether ${flannel1.mac}  txqueuelen 0  (Ethernet)\n`);
  });
});

describe('flanneld, udp backend (pkg/ip/tun.go OpenTun, udp_network_amd64.go configureIface)', () => {
  const { cluster, dataplane } = buildFromText(flannelYaml({ backend: 'udp' }));
  const flannel0 = link(dataplane.nodeNetns(cluster.nodes[0]!), 'flannel0');

  it("makes flannel0 by TUNSETIFF: tun_setup's queue length 500 and the default qdisc (no IFF_NO_QUEUE)", () => {
    expect(attributes(flannel0)).toEqual({ txqueuelen: 500, qdisc: 'pfifo_fast', numTxQueues: 1, numRxQueues: 1, mtu: 1472, up: true });
    expect(flannel0.flags).toMatchObject({ pointopoint: true, noarp: true, multicast: true, broadcast: false });
    expect(flannel0.origin?.creator).toContain('OpenTun');
  });
});

describe('the CNI bridge plugin (plugins/main/bridge/bridge.go, pkg/ip/link_linux.go, v1.9.1)', () => {
  const { cluster, dataplane } = buildFromText(flannelYaml());
  const node = dataplane.nodeNetns(cluster.nodes[0]!);
  const pod = dataplane.podNetns(cluster.pods.find((p) => p.name === 'pod-a')!);
  const cni0 = link(node, 'cni0');
  const hostVeth = link(node, 'veth');
  const eth0 = link(pod, 'eth0');

  it('makes cni0 with no queue length (NewLinkAttrs): the bridge default 1000', () => {
    expect(attributes(cni0)).toEqual({ txqueuelen: 1000, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1450, up: true });
    expect(cni0.info).toMatchObject({ kind: 'bridge', vlanFiltering: false, stpState: 0 });
    expect(said(cni0)).toEqual(expect.arrayContaining(['mtu', 'txqueuelen: not sent', 'bridge options: none']));
  });

  it("gives the host end of the pair IFLA_TXQLEN 0 (the Veth literal's PeerTxQLen) and leaves the queues to the kernel", () => {
    expect(attributes(hostVeth)).toEqual({ txqueuelen: 0, qdisc: 'noqueue', numTxQueues: 2, numRxQueues: 2, mtu: 1450, up: true });
    expect(hostVeth.bridgePort).toMatchObject({ bridge: 'cni0', hairpin: true });
    expect(said(hostVeth)).toEqual(expect.arrayContaining(['txqueuelen 0', 'numtxqueues, numrxqueues: not sent']));
    expect(run(node, `ip link show ${hostVeth.name}`).split('\n')[0]).toMatch(/ master cni0 state UP mode DEFAULT group default $/);
  });

  it("sends no queue length for the pod's eth0: veth_setup's 1000", () => {
    expect(attributes(eth0)).toEqual({ txqueuelen: 1000, qdisc: 'noqueue', numTxQueues: 2, numRxQueues: 2, mtu: 1450, up: true });
    expect(said(eth0)).toEqual(expect.arrayContaining(['name eth0', 'txqueuelen: not sent']));
  });
});

describe("calico's CNI plugin (cni-plugin/pkg/dataplane/linux/dataplane_linux.go, v3.30)", () => {
  const { cluster, dataplane } = buildFromText(calicoYaml('{plugin: calico, mode: bgp}'));
  const node = dataplane.nodeNetns(cluster.nodes[0]!);
  const pod = dataplane.podNetns(cluster.pods.find((p) => p.name === 'pod-a')!);
  const cali = link(node, 'cali');
  const eth0 = link(pod, 'eth0');

  it('asks for num_queues (1) TX and RX queues on both ends and no queue length', () => {
    expect(attributes(cali)).toEqual({ txqueuelen: 1000, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1500, up: true });
    expect(attributes(eth0)).toEqual({ txqueuelen: 1000, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1500, up: true });
    expect(cali.mac).toBe('ee:ee:ee:ee:ee:ee');
    expect(said(cali)).toEqual(
      expect.arrayContaining(['numtxqueues 1, numrxqueues 1', 'txqueuelen: not sent', 'address ee:ee:ee:ee:ee:ee']),
    );
    expect(run(node, `ip -d link show ${cali.name}`)).toContain(' numtxqueues 1 numrxqueues 1 ');
  });
});

describe('Felix (felix/dataplane/linux/vxlan_mgr.go, ipip_mgr.go, v3.30)', () => {
  it('makes vxlan.calico with no queue length (NewLinkAttrs): 1000', () => {
    const { cluster, dataplane } = buildFromText(calicoYaml('{plugin: calico, mode: vxlan}'));
    const vxlan = link(dataplane.nodeNetns(cluster.nodes[0]!), 'vxlan.calico');
    expect(attributes(vxlan)).toEqual({ txqueuelen: 1000, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1450, up: true });
    expect(vxlan.info).toMatchObject({ kind: 'vxlan', id: 4096, dstport: 4789, learning: false });
    expect(vxlan.origin?.creator).toContain('configureVXLANDevice');
  });

  it("configures the ipip module's tunl0, whose queue length nobody sets (1000)", () => {
    const { cluster, dataplane } = buildFromText(calicoYaml('{plugin: calico, mode: ipip}'));
    const tunl0 = link(dataplane.nodeNetns(cluster.nodes[0]!), 'tunl0');
    expect(attributes(tunl0)).toEqual({ txqueuelen: 1000, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1480, up: true });
    expect(tunl0.origin?.creator).toContain('configureIPIPDevice');
    const podTunl0 = link(dataplane.podNetns(cluster.pods[0]!), 'tunl0');
    expect(attributes(podTunl0)).toEqual({ txqueuelen: 1000, qdisc: 'noop', numTxQueues: 1, numRxQueues: 1, mtu: 1480, up: false });
  });
});

describe("dockerd's bridge driver (libnetwork/drivers/bridge/setup_device_linux.go setupDevice, v27)", () => {
  const { cluster, dataplane } = buildFromText(
    flannelYaml({
      nodes: '  - {name: node-01, ip: 10.234.2.11, subnet: rack-1, runtime: docker}\n  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}',
    }),
  );
  const node = dataplane.nodeNetns(cluster.nodes[0]!);
  const docker0 = link(node, 'docker0');

  it('makes docker0 with IFLA_TXQLEN 0 (its LinkAttrs literal) and no router advertisements', () => {
    expect(attributes(docker0)).toEqual({ txqueuelen: 0, qdisc: 'noqueue', numTxQueues: 1, numRxQueues: 1, mtu: 1500, up: true });
    expect(docker0.mac).toMatch(/^02:42:/);
    expect(node.sysctls.get('net.ipv6.conf.docker0.accept_ra')).toBe('0');
    expect(said(docker0)).toEqual(expect.arrayContaining(['txqueuelen 0', 'net.ipv6.conf.docker0.accept_ra 0']));
    expect(run(node, 'ifconfig docker0')).toContain('  txqueuelen 0  (Ethernet)');
  });
});

describe('kube-proxy, ipvs mode (pkg/proxy/ipvs/netlink_linux.go EnsureDummyDevice)', () => {
  const yaml = flannelYaml().replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: ipvs}');
  const { cluster, dataplane } = buildFromText(yaml);
  const node = dataplane.nodeNetns(cluster.nodes[0]!);
  const dummy = link(node, 'kube-ipvs0');

  it('makes kube-ipvs0 with IFLA_TXQLEN 0 and never sets it up', () => {
    expect(attributes(dummy)).toEqual({ txqueuelen: 0, qdisc: 'noop', numTxQueues: 1, numRxQueues: 1, mtu: 1500, up: false });
    expect(dummy.flags).toMatchObject({ noarp: true, multicast: false });
    expect(said(dummy)).toEqual(expect.arrayContaining(['txqueuelen 0', 'never up']));
  });
});

describe('netlab export: each device made with its creator attributes, and why', () => {
  it('sends txqueuelen 0 where the creator does, the queue counts calico asks for, and says where each comes from', () => {
    const flannel = buildFromText(flannelYaml());
    const script = exportNetns(flannel.dataplane).export!.build;
    const commands = script.filter((l) => !l.startsWith('#'));
    expect(commands.find((l) => l.includes(' link add name flannel.1 '))).toMatch(/ mtu 1450 txqueuelen 0 type vxlan id 1 /);
    // The host end carries txqueuelen 0; the pod end (after `peer`) nothing of the kind.
    expect(commands.find((l) => / link add name veth\S+ /.test(l))).toMatch(
      / mtu 1450 txqueuelen 0 type veth peer name eth0 address \S+ mtu 1450 netns /,
    );
    expect(commands.find((l) => l.includes(' link add name cni0 '))).not.toContain('txqueuelen');
    expect(script).toContain('#   txqueuelen 0: the netlink.LinkAttrs literal leaves TxQLen 0, which netlink sends as IFLA_TXQLEN 0');
    expect(script.filter((l) => l.startsWith('# flannel.1: made '))).toEqual([
      expect.stringContaining('# flannel.1: made by flanneld: pkg/backend/vxlan/device.go newVXLANDevice'),
      '# flannel.1: made the same way as the first flannel.1 above',
    ]);

    const calico = buildFromText(calicoYaml('{plugin: calico, mode: bgp}'));
    const calicoCommands = exportNetns(calico.dataplane).export!.build.filter((l) => !l.startsWith('#'));
    expect(calicoCommands.find((l) => / link add name cali\S+ /.test(l))).toMatch(
      / address ee:ee:ee:ee:ee:ee mtu 1500 numtxqueues 1 numrxqueues 1 type veth peer name eth0 address \S+ mtu 1500 numtxqueues 1 numrxqueues 1 netns /,
    );
  });
});
