/**
 * `external`: a client outside the cluster, as a person testing a NodePort
 * from their laptop would be. It sits on a segment of its own behind the
 * underlay router (TEST-NET-2, RFC 5737), so it reaches every node subnet
 * and the nodes reach it back through their default route.
 */
import { NetnsBuilder } from '../kernel/builder.js';
import { loopback, physicalNic } from '../kernel/devices.js';
import type { NetNs } from '../kernel/netns.js';
import { RT_TABLE, RTPROT } from '../kernel/route.js';
import { parseCidr } from '../net/cidr.js';
import { parseIPv4 } from '../net/ipv4.js';
import { stableMac } from '../net/mac.js';
import type { Subnet } from '../model/types.js';

export const EXTERNAL_NETNS_ID = 'external/client';

const cidr = parseCidr('198.51.100.0/24')!;

/** The segment the external client is on, shaped like a cluster subnet so the underlay treats it alike. */
export const EXTERNAL_SEGMENT: Subnet = {
  spec: { name: 'external', cidr: '198.51.100.0/24', gateway: '198.51.100.1', mtu: 1500, source: [] },
  name: 'external',
  cidr,
  gateway: parseIPv4('198.51.100.1')!,
  mtu: 1500,
};

export const EXTERNAL_CLIENT = {
  ip: parseIPv4('198.51.100.10')!,
  mac: stableMac('external/client/eth0'),
};

export function buildExternalNetns(): NetNs {
  const ns = new NetnsBuilder(EXTERNAL_NETNS_ID, 'external', 'external', 'client');
  ns.addLink(loopback());
  ns.addAddress('lo', 0x7f000001, 8, { broadcast: false, scope: 'host' });
  ns.addLink(physicalNic('eth0', EXTERNAL_CLIENT.mac, EXTERNAL_SEGMENT.mtu));
  ns.addAddress('eth0', EXTERNAL_CLIENT.ip, cidr.len);
  ns.addRoute({
    table: RT_TABLE.main,
    type: 'unicast',
    dst: { addr: 0, len: 0 },
    gateway: EXTERNAL_SEGMENT.gateway!,
    dev: 'eth0',
    protocol: RTPROT.boot,
    scope: 'universe',
  });
  return ns.finish();
}
