/**
 * A node whose container runtime is Docker (dockershim / cri-dockerd era):
 * dockerd starts before the kubelet and flanneld, so docker0 and Docker's
 * iptables chains exist first. Pods still use the CNI (cni0); docker0 stays
 * empty. Layout of Docker 20-27 (kernel-facts §4), with no containers.
 */
import type { NetnsBuilder } from '../kernel/builder.js';
import { BRIDGE_DEFAULTS, bridgeMulticast } from '../kernel/devices.js';
import type { LinkOrigin } from '../kernel/link.js';
import { LOOPBACK_NET, parseCidr } from '../net/cidr.js';
import { parseIPv4 } from '../net/ipv4.js';
import { stableMac } from '../net/mac.js';
import type { Node } from '../model/types.js';

const DOCKER_NET = parseCidr('172.17.0.0/16')!;
const DOCKER_GW = parseIPv4('172.17.0.1')!;

/** docker0, as the bridge driver makes the default bridge (moby v27). */
export const DOCKER0_ORIGIN: LinkOrigin = {
  creator:
    "dockerd's bridge driver: libnetwork/drivers/bridge/setup_device_linux.go setupDevice, then setupDefaultSysctl, setupMTU, setupBridgeIPv4, setupDeviceUp (moby v27.5)",
  attributes: [
    [
      'txqueuelen 0',
      'the netlink.LinkAttrs literal (only Name) leaves TxQLen 0, which vishvananda/netlink sends as IFLA_TXQLEN 0 (v28 and v29 too)',
    ],
    ['address 02:42:<4 random bytes>', 'netutils.GenerateRandomMAC, in the request'],
    ['bridge options: none', "the kernel's bridge defaults"],
    ['net.ipv6.conf.docker0.accept_ra 0', 'setupDefaultSysctl'],
    ['mtu 1500', "setupMTU: LinkSetMTU of the daemon's mtu (default 1500), after creation"],
    ['172.17.0.1/16', 'setupBridgeIPv4: the default bip'],
  ],
};

export function setupDocker(node: NetnsBuilder, model: Node): void {
  // Docker <= 27 gives docker0 02:42 plus four random bytes.
  const random = stableMac(`node/${model.name}/docker0`).split(':').slice(2);
  const mac = ['02', '42', ...random].join(':');
  node.addLink({
    name: 'docker0',
    // setupDevice sends no bridge options.
    info: BRIDGE_DEFAULTS,
    // setupMTU: LinkSetMTU(1500) after creation.
    mtu: 1500,
    // setupDevice: GenerateRandomMAC, in the request.
    mac,
    // setupDevice's LinkAttrs literal leaves TxQLen 0: netlink sends IFLA_TXQLEN 0 (`ifconfig docker0` says txqueuelen 0).
    txqueuelen: 0,
    // A bridge without ports whose MAC was set (dockerd sets docker0's) has no carrier: NO-CARRIER,
    // state DOWN, its connected routes `linkdown`, and no IPv6 link-local (addrconf waits for carrier),
    // though it joins ff02::1 and ff01::1 when it goes up. Only a bridge with a random MAC reports
    // carrier while empty (state UNKNOWN). Measured on kernel 6.x, as the conformance suite builds it.
    carrier: false,
    operstate: 'DOWN',
    ipv6LinkLocal: false,
    // A bridge takes its ports' TSO limit when one joins (br_set_gso_limits); never having had one, it
    // keeps the default of a new device.
    tsoMaxSize: 65536,
    // No link-local, so no solicited-node group for it.
    multicast: bridgeMulticast(mac).filter((group) => !group.startsWith('33:33:ff:')),
    origin: DOCKER0_ORIGIN,
  });
  // setupDefaultSysctl: no router advertisements on the bridge.
  node.setSysctl('net.ipv6.conf.docker0.accept_ra', '0');
  node.addAddress('docker0', DOCKER_GW, DOCKER_NET.len);

  for (const chain of ['DOCKER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2', 'DOCKER-USER']) node.ensureChain('filter', chain);
  node.setPolicy('filter', 'FORWARD', 'DROP');
  const toDocker0 = { value: 'docker0' };
  const fromDocker0 = { value: 'docker0' };
  node.appendRule('filter', 'FORWARD', { matches: [], target: { kind: 'jump', chain: 'DOCKER-USER' } });
  node.appendRule('filter', 'FORWARD', { matches: [], target: { kind: 'jump', chain: 'DOCKER-ISOLATION-STAGE-1' } });
  node.appendRule('filter', 'FORWARD', {
    outIface: toDocker0,
    matches: [{ module: 'conntrack', ctstate: ['RELATED', 'ESTABLISHED'] }],
    target: { kind: 'ACCEPT' },
  });
  node.appendRule('filter', 'FORWARD', { outIface: toDocker0, matches: [], target: { kind: 'jump', chain: 'DOCKER' } });
  node.appendRule('filter', 'FORWARD', {
    inIface: fromDocker0,
    outIface: { value: 'docker0', negate: true },
    matches: [],
    target: { kind: 'ACCEPT' },
  });
  node.appendRule('filter', 'FORWARD', { inIface: fromDocker0, outIface: toDocker0, matches: [], target: { kind: 'ACCEPT' } });
  node.appendRule('filter', 'DOCKER-ISOLATION-STAGE-1', {
    inIface: fromDocker0,
    outIface: { value: 'docker0', negate: true },
    matches: [],
    target: { kind: 'jump', chain: 'DOCKER-ISOLATION-STAGE-2' },
  });
  node.appendRule('filter', 'DOCKER-ISOLATION-STAGE-1', { matches: [], target: { kind: 'RETURN' } });
  node.appendRule('filter', 'DOCKER-ISOLATION-STAGE-2', { outIface: toDocker0, matches: [], target: { kind: 'DROP' } });
  node.appendRule('filter', 'DOCKER-ISOLATION-STAGE-2', { matches: [], target: { kind: 'RETURN' } });
  node.appendRule('filter', 'DOCKER-USER', { matches: [], target: { kind: 'RETURN' } });

  node.ensureChain('nat', 'DOCKER');
  const localDst = { module: 'addrtype', dstType: { value: 'LOCAL' } } as const;
  node.appendRule('nat', 'PREROUTING', { matches: [localDst], target: { kind: 'jump', chain: 'DOCKER' } });
  node.appendRule('nat', 'OUTPUT', {
    dst: { value: LOOPBACK_NET, negate: true },
    matches: [localDst],
    target: { kind: 'jump', chain: 'DOCKER' },
  });
  node.appendRule('nat', 'POSTROUTING', {
    src: { value: DOCKER_NET },
    outIface: { value: 'docker0', negate: true },
    matches: [],
    target: { kind: 'MASQUERADE' },
  });
  node.appendRule('nat', 'DOCKER', { inIface: fromDocker0, matches: [], target: { kind: 'RETURN' } });
}
