/**
 * The neighbour resolver, one row per case, on the namespaces netlab builds
 * for a flannel cluster (the default lab) and a calico one, each row's
 * expected answer what the kernel does (net/ipv4/arp.c, net/core/neighbour.c,
 * Documentation/networking/ip-sysctl.rst) and what calico documents, not
 * what netlab printed:
 *
 * - an entry with a link-layer address is used as it is: a permanent one
 *   stays PERMANENT, any other is confirmed and ends REACHABLE;
 * - a device with IFF_NOARP needs no resolution (arp_constructor: NUD_NOARP);
 * - otherwise an ARP request: with arp_ignore=0 (the default) a host answers
 *   for any of its local addresses, whichever device has it, from the
 *   device the request came in on (arp_process); a bridge answers for the
 *   node and passes the request to its ports; a down peer, a disabled port
 *   or nobody with the address leaves the entry INCOMPLETE until it FAILs;
 * - proxy ARP (arp_fwd_proxy): a device with proxy_arp and forwarding on
 *   answers with its own MAC for an address it routes out of another
 *   device. calico relies on it: a pod's default route is via 169.254.1.1
 *   (on-link through its eth0, which has a /32), nothing has that address,
 *   and the host end of the veth (cali*, MAC ee:ee:ee:ee:ee:ee) answers;
 * - a vxlan device with nolearning (flannel.1) sends no ARP: without the
 *   permanent entry flanneld writes, resolution fails.
 */
import { describe, expect, it } from 'vitest';
import type { Link } from '../../src/kernel/link.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { newSession } from '../../src/dataplane/probes.js';
import { resolveNeighbour, type ArpReach, type NeighbourResult } from '../../src/dataplane/neighbour.js';
import { parseIPv4 } from '../../src/net/ipv4.js';
import { buildFromText, buildLab, readRepoFile, type Built } from '../helpers.js';

const ip = (text: string) => parseIPv4(text)!;

const flannel = buildLab('labs/default.yaml');
const calico = buildFromText(readRepoFile('labs/calico-bgp/topology.yaml'), 'labs/calico-bgp/topology.yaml');

const nodeNs = (b: Built, name: string) => b.dataplane.nodeNetns(b.cluster.nodeByName.get(name)!);
const podOn = (b: Built, node: string, index = 0) => b.cluster.pods.filter((p) => !p.hostNetwork && p.node.name === node)[index]!;
const podNs = (b: Built, node: string, index = 0) => b.dataplane.podNetns(podOn(b, node, index));
const device = (ns: NetNs, name: string) => ns.links.find((l) => l.name === name)!;
/** The node-side end of a pod's veth. */
const hostEnd = (b: Built, node: string, index = 0): Link => {
  const pod = podNs(b, node, index);
  const eth0 = device(pod, 'eth0');
  if (eth0.info.kind !== 'veth') throw new Error('not a veth');
  const peer = eth0.info.peer;
  return nodeNs(b, node).links.find((l) => l.ifindex === peer.ifindex)!;
};

/** A copy of a namespace with one device or some sysctls changed. */
function changed(ns: NetNs, change: { link?: [string, Partial<Link>]; sysctls?: Record<string, string> }): NetNs {
  const links = change.link ? ns.links.map((l) => (l.name === change.link![0] ? { ...l, ...change.link![1] } : l)) : ns.links;
  const sysctls = new Map([...ns.sysctls, ...Object.entries(change.sysctls ?? {})]);
  return { ...ns, links, sysctls };
}

/** What ARP reaches from the built cluster, with the netns on the far end of veths replaced by `peer` where given. */
function reachOf(b: Built, peer?: (ns: NetNs) => NetNs): ArpReach {
  const session = newSession(b.dataplane);
  if (!peer) return session;
  return {
    underlay: session.underlay,
    vethPeer: (veth) => {
      const found = session.vethPeer(veth);
      const ns = peer(found.ns);
      return { ns, link: ns.links.find((l) => l.ifindex === veth.peer.ifindex) };
    },
  };
}

interface Row {
  readonly case: string;
  readonly built: Built;
  /** The asking netns and the device it resolves on. */
  readonly from: () => { ns: NetNs; dev: Link };
  readonly ip: string;
  readonly reach?: () => ArpReach;
  readonly expected: () => NeighbourResult | Partial<NeighbourResult>;
}

// The default lab: master 10.234.2.11 (pods 10.244.0.0/24), node-02 .12, node-03 .13; cni0 has .1 of the lease.
const FLANNEL: readonly Row[] = [
  {
    case: 'flannel.1 to a remote VTEP: the permanent entry flanneld wrote',
    built: flannel,
    from: () => ({ ns: nodeNs(flannel, 'master'), dev: device(nodeNs(flannel, 'master'), 'flannel.1') }),
    ip: '10.244.1.0',
    expected: () => ({ mac: nodeNs(flannel, 'master').neighbours.find((n) => n.ip === ip('10.244.1.0'))!.lladdr, state: 'PERMANENT' }),
  },
  {
    case: 'flannel.1 to an address without an entry: nolearning, no ARP, it fails',
    built: flannel,
    from: () => ({ ns: nodeNs(flannel, 'master'), dev: device(nodeNs(flannel, 'master'), 'flannel.1') }),
    ip: '10.244.9.0',
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'an existing STALE entry is used and confirmed: REACHABLE',
    built: flannel,
    from: () => {
      const ns = nodeNs(flannel, 'master');
      return {
        ns: { ...ns, neighbours: [{ ip: ip('10.234.2.12'), dev: 'eth0', lladdr: '02:00:00:00:00:12', state: 'STALE' }] },
        dev: device(ns, 'eth0'),
      };
    },
    ip: '10.234.2.12',
    expected: () => ({ mac: '02:00:00:00:00:12', state: 'REACHABLE' }),
  },
  {
    case: 'a pod to its gateway: the bridge answers for its own address',
    built: flannel,
    from: () => ({ ns: podNs(flannel, 'master'), dev: device(podNs(flannel, 'master'), 'eth0') }),
    ip: '10.244.0.1',
    expected: () => ({ mac: device(nodeNs(flannel, 'master'), 'cni0').mac!, state: 'REACHABLE' }),
  },
  {
    case: 'a pod to the node address on eth0 (arp_ignore=0): the bridge answers for it',
    built: flannel,
    from: () => ({ ns: podNs(flannel, 'master'), dev: device(podNs(flannel, 'master'), 'eth0') }),
    ip: '10.234.2.11',
    expected: () => ({ mac: device(nodeNs(flannel, 'master'), 'cni0').mac!, state: 'REACHABLE' }),
  },
  {
    case: 'a pod to a pod behind the same bridge: that pod answers',
    built: flannel,
    from: () => ({ ns: podNs(flannel, 'master', 0), dev: device(podNs(flannel, 'master', 0), 'eth0') }),
    ip: '10.244.0.3',
    expected: () => ({ mac: device(podNs(flannel, 'master', 1), 'eth0').mac!, state: 'REACHABLE' }),
  },
  {
    case: 'a pod to an address nobody behind the bridge has',
    built: flannel,
    from: () => ({ ns: podNs(flannel, 'master'), dev: device(podNs(flannel, 'master'), 'eth0') }),
    ip: '10.244.0.77',
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'a pod whose veth peer is down: nothing answers',
    built: flannel,
    from: () => ({ ns: podNs(flannel, 'master'), dev: device(podNs(flannel, 'master'), 'eth0') }),
    ip: '10.244.0.1',
    reach: () =>
      reachOf(flannel, (ns) =>
        changed(ns, { link: [hostEnd(flannel, 'master').name, { state: { up: false, carrier: false, operstate: 'DOWN' } }] }),
      ),
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'the node to a pod on cni0: the pod answers',
    built: flannel,
    from: () => ({ ns: nodeNs(flannel, 'master'), dev: device(nodeNs(flannel, 'master'), 'cni0') }),
    ip: '10.244.0.2',
    expected: () => ({ mac: device(podNs(flannel, 'master', 0), 'eth0').mac!, state: 'REACHABLE' }),
  },
  {
    case: 'the node to a pod behind a disabled port: the bridge passes nothing through it',
    built: flannel,
    from: () => {
      const ns = nodeNs(flannel, 'master');
      const port = hostEnd(flannel, 'master', 0);
      const disabled = changed(ns, { link: [port.name, { bridgePort: { ...port.bridgePort!, state: 'disabled' } }] });
      return { ns: disabled, dev: device(disabled, 'cni0') };
    },
    ip: '10.244.0.2',
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'a node to another node on its subnet: that node answers',
    built: flannel,
    from: () => ({ ns: nodeNs(flannel, 'master'), dev: device(nodeNs(flannel, 'master'), 'eth0') }),
    ip: '10.234.2.12',
    expected: () => ({ mac: flannel.cluster.nodeByName.get('node-02')!.mac, state: 'REACHABLE' }),
  },
  {
    case: 'a node to its gateway: the router port answers',
    built: flannel,
    from: () => ({ ns: nodeNs(flannel, 'master'), dev: device(nodeNs(flannel, 'master'), 'eth0') }),
    ip: '10.234.2.254',
    expected: () => ({
      mac: newSession(flannel.dataplane).underlay.routerPorts.find((p) => p.ip === ip('10.234.2.254'))!.mac,
      state: 'REACHABLE',
    }),
  },
  {
    case: 'a node to an address nobody on the subnet has',
    built: flannel,
    from: () => ({ ns: nodeNs(flannel, 'master'), dev: device(nodeNs(flannel, 'master'), 'eth0') }),
    ip: '10.234.2.99',
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'a NOARP device needs no resolution',
    built: flannel,
    from: () => {
      const ns = podNs(flannel, 'master');
      const eth0 = device(ns, 'eth0');
      return { ns, dev: { ...eth0, flags: { ...eth0.flags, noarp: true } } };
    },
    ip: '10.244.0.1',
    expected: () => ({ state: 'NOARP' }),
  },
];

// calico-bgp: node-01's pods have /32s and `default via 169.254.1.1 dev eth0`, with `169.254.1.1 dev eth0 scope link`.
const CALI_MAC = 'ee:ee:ee:ee:ee:ee';
const calicoPodEth0 = () => ({ ns: podNs(calico, 'node-01'), dev: device(podNs(calico, 'node-01'), 'eth0') });
const caliOf = () => hostEnd(calico, 'node-01').name;

const CALICO: readonly Row[] = [
  {
    case: 'the on-link gateway 169.254.1.1, which nothing has: the cali interface answers by proxy ARP',
    built: calico,
    from: calicoPodEth0,
    ip: '169.254.1.1',
    expected: () => ({ mac: CALI_MAC, state: 'REACHABLE', answeredBy: `proxy ARP by ${caliOf()} in node-01` }),
  },
  {
    case: 'another pod on the same node (routed out of its own cali): proxy ARP too',
    built: calico,
    from: calicoPodEth0,
    ip: '10.244.96.2',
    expected: () => ({ mac: CALI_MAC, state: 'REACHABLE', answeredBy: `proxy ARP by ${caliOf()} in node-01` }),
  },
  {
    case: "the pod's own address, which the node routes back out of the same cali: no proxy ARP",
    built: calico,
    from: calicoPodEth0,
    ip: '10.244.96.1',
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'proxy_arp off on the cali interface: nobody answers for 169.254.1.1',
    built: calico,
    from: calicoPodEth0,
    ip: '169.254.1.1',
    reach: () => reachOf(calico, (ns) => changed(ns, { sysctls: { [`net.ipv4.conf.${caliOf()}.proxy_arp`]: '0' } })),
    expected: () => ({ state: 'FAILED' }),
  },
  {
    case: 'proxy_arp on but forwarding off: nobody answers (arp_process proxies only for a forwarding device)',
    built: calico,
    from: calicoPodEth0,
    ip: '169.254.1.1',
    reach: () =>
      reachOf(calico, (ns) => changed(ns, { sysctls: { [`net.ipv4.conf.${caliOf()}.forwarding`]: '0', 'net.ipv4.ip_forward': '0' } })),
    expected: () => ({ state: 'FAILED' }),
  },
];

describe('neighbour resolution', () => {
  for (const row of [...FLANNEL, ...CALICO]) {
    it(row.case, () => {
      const { ns, dev } = row.from();
      const result = resolveNeighbour(row.reach?.() ?? reachOf(row.built), ns, dev, ip(row.ip));
      const expected = row.expected();
      expect(result).toMatchObject(expected);
      // A failed resolution has no address; one that needs none or got one has it.
      if (expected.state === 'FAILED') expect(result.mac).toBeUndefined();
      else expect(result.mac).toBeDefined();
    });
  }
});
