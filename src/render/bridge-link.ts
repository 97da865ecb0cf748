/**
 * `bridge link [show] [dev X]`: one line per bridge port. iproute2 6.1
 * resolves the veth peer's ifindex in the *local* netns (a quirk), so a
 * host veth whose pod-side peer is ifindex 2 prints `@eth0` on a node
 * where eth0 is ifindex 2, and `@ifN` when no local device has that index.
 */
import type { NetNs } from '../kernel/netns.js';
import { iprouteFlagNames, localPeerLabel } from './link-common.js';
import type { Lines } from './types.js';

export function* renderBridgeLink(ns: NetNs, links = ns.links): Lines {
  for (const link of links) {
    const port = link.bridgePort;
    if (!port) continue;
    yield `${link.ifindex}: ${localPeerLabel(ns, link)}: <${iprouteFlagNames(ns, link).join(',')}> mtu ${link.mtu} master ${port.bridge} state ${port.state} priority ${port.priority} cost ${port.cost} `;
  }
}
