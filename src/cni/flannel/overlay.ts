/**
 * What flanneld programs on every node for every other node, computed once
 * per cluster and shared by all node views (a 5,000-node cluster would
 * otherwise build 25 million route objects). Which variant a viewer gets
 * depends only on the backend and on whether the two nodes share a subnet.
 */
import type { FdbEntry, Neighbour } from '../../kernel/neigh.js';
import { RT_TABLE, RTPROT, type Route } from '../../kernel/route.js';
import type { Node } from '../../model/types.js';

export interface VxlanPeer {
  readonly route: Route;
  readonly neighbour: Neighbour;
  readonly fdb: FdbEntry;
}

/** vxlan: `10.244.Y.0/24 via 10.244.Y.0 dev flannel.1 onlink`, a permanent ARP entry and an FDB entry. */
export function vxlanPeer(remote: Node, device: string): VxlanPeer {
  const leaseIp = remote.podCIDR.addr;
  return {
    route: {
      table: RT_TABLE.main,
      type: 'unicast',
      dst: remote.podCIDR,
      gateway: leaseIp,
      dev: device,
      protocol: RTPROT.boot,
      scope: 'universe',
      onlink: true,
    },
    neighbour: { ip: leaseIp, dev: device, lladdr: remote.vtepMAC, state: 'PERMANENT' },
    fdb: { mac: remote.vtepMAC, dev: device, self: true, dst: remote.ip, permanent: true },
  };
}

/** host-gw (and DirectRouting): `10.244.Y.0/24 via NODEIP dev eth0`. */
export function directRoute(remote: Node, device: string): Route {
  return {
    table: RT_TABLE.main,
    type: 'unicast',
    dst: remote.podCIDR,
    gateway: remote.ip,
    dev: device,
    protocol: RTPROT.boot,
    scope: 'universe',
  };
}
