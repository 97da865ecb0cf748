/**
 * Facts of the machine profile netlab prints (kernel 6.x, iproute2 6.1,
 * iptables 1.8.9 nf_tables, net-tools 2.10, ethtool 6.1) that are not part
 * of any CNI's state: driver names and versions, the node NIC's bus, the
 * fixed date iptables-save prints by default.
 */
import type { LinkKind } from '../kernel/link.js';

/**
 * A node's underlay NIC is modelled on this machine's own eth0, a virtio_net
 * device (test/golden/physical-nic). Its bus position is the usual one for
 * a KVM guest's first NIC; the capture machine's differs (virtio2).
 */
export const PHYSICAL_NIC = {
  driver: 'virtio_net',
  version: '1.0.0',
  busInfo: '0000:00:03.0',
  parentbus: 'virtio',
  parentdev: 'virtio0',
} as const;

/** `ethtool -i` per device kind, as kernel 6.x drivers report it. */
export interface DriverInfo {
  readonly driver: string;
  readonly version: string;
  readonly firmwareVersion: string;
  readonly busInfo: string;
  readonly supportsStatistics: boolean;
}

export const DRIVER_INFO: Readonly<Record<Exclude<LinkKind, 'loopback'>, DriverInfo>> = {
  ether: {
    driver: PHYSICAL_NIC.driver,
    version: PHYSICAL_NIC.version,
    firmwareVersion: '',
    busInfo: PHYSICAL_NIC.busInfo,
    supportsStatistics: true,
  },
  veth: { driver: 'veth', version: '1.0', firmwareVersion: '', busInfo: '', supportsStatistics: true },
  bridge: { driver: 'bridge', version: '2.3', firmwareVersion: 'N/A', busInfo: 'N/A', supportsStatistics: false },
  vxlan: { driver: 'vxlan', version: '0.1', firmwareVersion: '', busInfo: '', supportsStatistics: false },
  tun: { driver: 'tun', version: '1.6', firmwareVersion: '', busInfo: 'tun', supportsStatistics: false },
  // UNVERIFIED: the ipip and dummy modules are not loadable on the capture machine.
  ipip: { driver: 'ipip', version: '', firmwareVersion: '', busInfo: '', supportsStatistics: false },
  dummy: { driver: 'dummy', version: '', firmwareVersion: '', busInfo: '', supportsStatistics: false },
};

/**
 * The date iptables-save prints when the caller does not inject a clock:
 * fixed so that output is deterministic (tests and diffs never see the wall
 * clock). It is the date of the first lab captures behind kernel-facts.md.
 */
export const DEFAULT_IPTABLES_SAVE_DATE = new Date(Date.UTC(2026, 10, 22, 7, 47, 50));
