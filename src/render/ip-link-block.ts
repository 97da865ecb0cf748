/**
 * The per-link part `ip link` and `ip addr` share (iproute2 6.1
 * ip/ipaddress.c print_linkinfo): the header line, the `link/TYPE` line,
 * the `-d` details and the `-s` counters.
 */
import type { BridgeInfo, BridgePort, Counters, Link } from '../kernel/link.js';
import { linkByName, type NetNs } from '../kernel/netns.js';
import { macBytes, type Mac } from '../net/mac.js';
import { formatIPv4 } from '../net/ipv4.js';
import { addrGenMode, iprouteFlagNames, ipLabel, linkNetnsSuffix } from './link-common.js';
import { timer } from './format.js';
import { PHYSICAL_NIC } from './profile.js';

export interface LinkHeaderOptions {
  /** `ip link` prints `mode DEFAULT`; `ip addr` does not. */
  readonly showMode: boolean;
}

/** `5: veth1@if2: <BROADCAST,...> mtu 1450 qdisc noqueue master cni0 state UP mode DEFAULT group default qlen 1000` */
export function linkHeader(ns: NetNs, link: Link, options: LinkHeaderOptions): string {
  let line = `${link.ifindex}: ${ipLabel(ns, link)}: <${iprouteFlagNames(ns, link).join(',')}> mtu ${link.mtu} qdisc ${link.qdisc} `;
  if (link.bridgePort) line += `master ${link.bridgePort.bridge} `;
  line += `state ${link.state.operstate} `;
  if (options.showMode) line += 'mode DEFAULT ';
  // "group %s " keeps its trailing space; "qlen %u" has none and is printed only when non-zero.
  line += 'group default ';
  if (link.txqueuelen !== 0) line += `qlen ${link.txqueuelen}`;
  return line;
}

/** The ARPHRD type name iproute2 prints after `link/`. */
function linkType(link: Link): 'ether' | 'loopback' | 'none' | 'ipip' {
  switch (link.info.kind) {
    case 'loopback':
      return 'loopback';
    case 'tun':
      return link.info.type === 'tap' ? 'ether' : 'none';
    case 'ipip':
      return 'ipip';
    default:
      return 'ether';
  }
}

/**
 * `    link/ether MAC brd ff:ff:ff:ff:ff:ff[ link-netns X]`. A device with no
 * hardware address prints `    link/none ` (iproute2 prints "link/%s "
 * and then the address, if any).
 */
export function linkLayerLine(ns: NetNs, link: Link): string {
  const type = linkType(link);
  let line = `    link/${type} `;
  if (link.info.kind === 'ipip') {
    // A tunnel's "hardware address" is its local IP; a point-to-point one prints `peer REMOTE`.
    const local = link.info.local !== undefined ? formatIPv4(link.info.local) : '0.0.0.0';
    line += link.info.remote !== undefined ? `${local} peer ${formatIPv4(link.info.remote)}` : `${local} brd 0.0.0.0`;
  } else if (link.mac !== undefined) {
    const brd = type === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
    line += `${link.mac} brd ${brd}`;
  }
  return line + linkNetnsSuffix(ns, link);
}

/**
 * The lines `ip -d link` prints after the header: the link-layer line
 * continued with promiscuity and MTU bounds, the kind data on their own
 * lines (`veth`, `bridge_slave ...`), then the generic tail. `addrgenmode`
 * belongs to `ip link` only (iproute2 prints the AF_SPEC part for do_link).
 */
export function detailLines(ns: NetNs, link: Link, options: { addrgenmode: boolean }): string[] {
  const lines: string[] = [];
  let current = `${linkLayerLine(ns, link)} promiscuity ${link.promiscuity}  allmulti ${link.allmulti} minmtu ${link.minmtu} maxmtu ${link.maxmtu} `;
  const kind = kindData(link);
  if (kind !== undefined) {
    lines.push(current);
    current = `    ${kind}`;
  }
  if (link.bridgePort) {
    lines.push(current);
    current = `    bridge_slave ${bridgeSlaveData(ns, link.bridgePort)}`;
  }
  if (options.addrgenmode) current += `addrgenmode ${addrGenMode(link)} `;
  current +=
    `numtxqueues ${link.numTxQueues} numrxqueues ${link.numRxQueues} ` +
    `gso_max_size ${link.gsoMaxSize} gso_max_segs ${link.gsoMaxSegs} ` +
    `tso_max_size ${link.tsoMaxSize} tso_max_segs ${link.tsoMaxSegs} gro_max_size ${link.groMaxSize} `;
  if (link.info.kind === 'ether') current += `parentbus ${PHYSICAL_NIC.parentbus} parentdev ${PHYSICAL_NIC.parentdev} `;
  lines.push(current);
  return lines;
}

/** The IFLA_INFO_KIND line, each token with its trailing space; undefined for devices without one. */
function kindData(link: Link): string | undefined {
  const info = link.info;
  switch (info.kind) {
    case 'loopback':
    case 'ether':
      return undefined;
    case 'dummy':
      return 'dummy ';
    case 'veth':
      return 'veth ';
    case 'vxlan': {
      let text = `vxlan id ${info.id} local ${formatIPv4(info.local)} `;
      if (info.dev) text += `dev ${info.dev} `;
      text += `srcport 0 0 dstport ${info.dstport} `;
      if (!info.learning) text += 'nolearning ';
      return `${text}ttl auto ageing ${info.ageing} udpcsum noudp6zerocsumtx noudp6zerocsumrx `;
    }
    case 'bridge':
      return bridgeData(link, info);
    case 'tun':
      return `tun type ${info.type} pi ${onOff(info.pi)} vnet_hdr ${onOff(info.vnetHdr)} persist ${onOff(info.persist)} `;
    case 'ipip': {
      // UNVERIFIED against 6.1 (no ipip module in the lab); the layout follows published outputs.
      const remote = info.remote !== undefined ? formatIPv4(info.remote) : 'any';
      const local = info.local !== undefined ? formatIPv4(info.local) : 'any';
      return `ipip any remote ${remote} local ${local} ttl inherit nopmtudisc `;
    }
  }
}

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}

/**
 * A bridge id as iproute2 prints it: priority as four hex digits, then the
 * MAC's bytes in hex **without** zero padding (`8000.7e:2c:91:0:0:1`).
 */
export function iprouteBridgeId(priority: number, mac: Mac | undefined): string {
  const bytes = mac !== undefined ? macBytes(mac) : [0, 0, 0, 0, 0, 0];
  return `${priority.toString(16).padStart(4, '0')}.${bytes.map((b) => b.toString(16)).join(':')}`;
}

/**
 * The bridge's id. netlab's bridges have their MAC set explicitly (the CNI
 * bridge plugin and Docker pin it), and the kernel then uses that MAC.
 */
export function bridgeMac(bridge: Link): Mac | undefined {
  return bridge.mac;
}

function bridgeData(link: Link, info: BridgeInfo): string {
  const id = iprouteBridgeId(info.priority, bridgeMac(link));
  // Timers are kernel countdowns that move while the real bridge runs; netlab's
  // bridge is frozen at 0.00 (the golden comparison masks them).
  return (
    `bridge forward_delay ${info.forwardDelay} hello_time ${info.helloTime} max_age ${info.maxAge} ageing_time ${info.ageingTime} ` +
    `stp_state ${info.stpState} priority ${info.priority} vlan_filtering ${info.vlanFiltering ? 1 : 0} ` +
    `bridge_id ${id} designated_root ${id} root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 ` +
    `hello_timer ${timer(0, 7)} tcn_timer ${timer(0, 7)} topology_change_timer ${timer(0, 7)} gc_timer ${timer(0, 7)} ` +
    'group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 ' +
    'mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 ' +
    'mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 ' +
    'mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 ' +
    'mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 ' +
    'mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 '
  );
}

/** The port id the kernel gives a bridge port: port priority in the top bits, port number below. */
export function portId(port: BridgePort): number {
  return ((port.priority << 10) | port.portNo) >>> 0;
}

function bridgeSlaveData(ns: NetNs, port: BridgePort): string {
  const bridge = linkByName(ns, port.bridge);
  const priority = bridge?.info.kind === 'bridge' ? bridge.info.priority : 0x8000;
  const id = iprouteBridgeId(priority, bridge ? bridgeMac(bridge) : undefined);
  const pid = portId(port);
  return (
    `state ${port.state} priority ${port.priority} cost ${port.cost} hairpin ${onOff(port.hairpin)} ` +
    `guard off root_block off fastleave off learning ${onOff(port.learning)} flood ${onOff(port.flood)} ` +
    `port_id 0x${pid.toString(16)} port_no 0x${port.portNo.toString(16)} designated_port ${pid} designated_cost 0 ` +
    `designated_bridge ${id} designated_root ${id} ` +
    `hold_timer ${timer(0, 7)} message_age_timer ${timer(0, 7)} forward_delay_timer ${timer(0, 7)} ` +
    'topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off ' +
    'mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 ' +
    'vlan_tunnel off isolated off locked off '
  );
}

/**
 * `ip -s link` counters (print_stats64): column widths start at the header
 * words' lengths and grow to fit the largest number in either direction.
 */
export function statsLines(c: Counters): string[] {
  const rx = [c.rxBytes, c.rxPackets, 0, c.rxDropped, 0, 0];
  const tx = [c.txBytes, c.txPackets, c.txErrors, c.txDropped, c.txCarrierErrors, 0];
  // Initial widths: strlen of "*X errors:", "packets", "errors", "dropped", "heartbt", "overrun".
  const cols = [10, 7, 6, 7, 7, 7];
  for (const values of [rx, tx]) {
    values.forEach((v, i) => {
      cols[i] = Math.max(cols[i]!, String(v).length);
    });
  }
  const header = (dir: string, names: string[]) =>
    `    ${dir}: ${names.map((n, i) => n.padStart(i === 0 ? cols[0]! - 4 : cols[i]!)).join(' ')} ${''.padStart(10)}`; // the empty "compressed" column
  const values = (vals: number[]) => `    ${vals.map((v, i) => String(v).padStart(cols[i]!)).join(' ')} `;
  return [
    header('RX', ['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast']),
    values(rx),
    header('TX', ['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns']),
    values(tx),
  ];
}
