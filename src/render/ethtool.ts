/**
 * ethtool 6.1: `ethtool -S DEV` and `ethtool -i DEV` per driver, kernel 6.x.
 * Errors are part of the result because ethtool prints them instead of
 * output (`no stats available` on stderr, exit 94).
 */
import type { Counters, Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { DRIVER_INFO } from './profile.js';
import type { Lines } from './types.js';

export interface EthtoolError {
  readonly stderr: string;
  readonly exitCode: number;
}

/** veth_ethtool_ops: the peer index, then per-RX-queue XDP counters, then per-TX-queue XDP xmit counters. */
function vethStats(link: Link): [string, number][] {
  const peer = link.info.kind === 'veth' ? link.info.peer.ifindex : 0;
  const stats: [string, number][] = [['peer_ifindex', peer]];
  // real_num_rx_queues is 1 for a veth made by `ip link add` / netlink without numrxqueues.
  for (const q of [0]) {
    for (const name of ['xdp_packets', 'xdp_bytes', 'drops', 'xdp_redirect', 'xdp_drops', 'xdp_tx', 'xdp_tx_errors']) {
      stats.push([`rx_queue_${q}_${name}`, 0]);
    }
  }
  for (const q of [0]) {
    for (const name of ['xdp_xmit', 'xdp_xmit_errors']) stats.push([`tx_queue_${q}_${name}`, 0]);
  }
  return stats;
}

/** virtio_net (kernel 6.18): device totals, then queue 0's copies. */
function virtioStats(counters: Counters): [string, number][] {
  const names = ['drops', 'xdp_packets', 'xdp_tx', 'xdp_redirects', 'xdp_drops', 'kicks'];
  const txNames = ['xdp_tx', 'xdp_tx_drops', 'kicks', 'tx_timeouts'];
  const rxDrops = counters.rxDropped;
  const values = (prefix: string, list: string[], drops: number): [string, number][] =>
    list.map((n) => [`${prefix}${n}`, n === 'drops' ? drops : 0]);
  return [...values('rx_', names, rxDrops), ...values('tx_', txNames, 0), ...values('rx0_', names, rxDrops), ...values('tx0_', txNames, 0)];
}

export function ethtoolStats(link: Link, counters: Counters = link.counters): Lines | EthtoolError {
  let stats: [string, number][];
  if (link.info.kind === 'veth') stats = vethStats(link);
  else if (link.info.kind === 'ether') stats = virtioStats(counters);
  else return { stderr: 'no stats available', exitCode: 94 };
  return ['NIC statistics:', ...stats.map(([name, value]) => `     ${name}: ${value}`)];
}

export function ethtoolDriverInfo(link: Link): Lines | EthtoolError {
  if (link.info.kind === 'loopback') return { stderr: 'Cannot get driver information: Operation not supported', exitCode: 71 };
  const info = DRIVER_INFO[link.info.kind];
  return [
    `driver: ${info.driver}`,
    `version: ${info.version}`,
    `firmware-version: ${info.firmwareVersion}`,
    'expansion-rom-version: ',
    `bus-info: ${info.busInfo}`,
    `supports-statistics: ${info.supportsStatistics ? 'yes' : 'no'}`,
    'supports-test: no',
    'supports-eeprom-access: no',
    'supports-register-dump: no',
    'supports-priv-flags: no',
  ];
}

export function isEthtoolError(value: Lines | EthtoolError): value is EthtoolError {
  return typeof (value as EthtoolError).exitCode === 'number';
}

/** ethtool's errors for a device that does not exist, per sub-command. */
export const ETHTOOL_NO_DEVICE = {
  stats: { stderr: 'Cannot get stats strings information: No such device', exitCode: 96 },
  driver: { stderr: 'Cannot get driver information: No such device', exitCode: 71 },
} as const satisfies Record<string, EthtoolError>;

/**
 * `ethtool DEV` (link settings). Software devices report what their
 * get_link_ksettings says: veth, vxlan and tun claim 10000Mb/s full duplex
 * on twisted pair; a bridge reports the fastest of its running ports (all
 * veths here) with unknown duplex, and no speed without one; virtio_net
 * reports nothing; loopback has no ksettings at all.
 */
export function* renderEthtoolSettings(ns: NetNs, link: Link): Lines {
  yield `Settings for ${link.name}:`;
  if (link.info.kind !== 'loopback') {
    yield '\tSupported ports: [  ]';
    yield '\tSupported link modes:   Not reported';
    yield '\tSupported pause frame use: No';
    yield '\tSupports auto-negotiation: No';
    yield '\tSupported FEC modes: Not reported';
    yield '\tAdvertised link modes:  Not reported';
    yield '\tAdvertised pause frame use: No';
    yield '\tAdvertised auto-negotiation: No';
    yield '\tAdvertised FEC modes: Not reported';
    const twistedPair = link.info.kind === 'veth' || link.info.kind === 'vxlan' || link.info.kind === 'tun';
    const bridgeName = link.name;
    const speedKnown =
      link.info.kind === 'ether'
        ? false
        : link.info.kind === 'bridge'
          ? ns.links.some((p) => p.bridgePort?.bridge === bridgeName && p.state.up && p.state.carrier)
          : true;
    yield speedKnown ? '\tSpeed: 10000Mb/s' : '\tSpeed: Unknown!';
    yield twistedPair ? '\tDuplex: Full' : '\tDuplex: Unknown! (255)';
    yield '\tAuto-negotiation: off';
    yield twistedPair ? '\tPort: Twisted Pair' : '\tPort: Other';
    yield '\tPHYAD: 0';
    yield '\tTransceiver: internal';
    if (twistedPair) yield '\tMDI-X: Unknown';
    if (link.info.kind === 'tun') {
      // The tun driver also answers the message-level query; ethtool prints it with an empty flags line.
      yield '        Current message level: 0x00000000 (0)';
      yield '                              ';
    }
  }
  // "Link detected" is the carrier of a running device.
  yield `\tLink detected: ${link.state.up && link.state.carrier ? 'yes' : 'no'}`;
}
