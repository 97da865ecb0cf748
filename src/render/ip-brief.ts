/** `ip -br link` and `ip -br addr`: one padded line per link (print_linkinfo_brief). */
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 } from '../net/ipv4.js';
import { hasFamily, type AddressFamily } from './ip-addr.js';
import { autoIpv6, iprouteFlagNames, ipLabel } from './link-common.js';
import { padRight } from './format.js';
import type { Lines } from './types.js';

/** `%-16s ` name, `%-14s ` operstate. */
function prefix(ns: NetNs, link: NetNs['links'][number]): string {
  return `${padRight(ipLabel(ns, link), 16)} ${padRight(link.state.operstate, 14)} `;
}

export function* renderIpBriefLink(ns: NetNs, links = ns.links): Lines {
  for (const link of links) {
    // Devices without a hardware address (tun) go straight to the flags.
    const mac = link.mac !== undefined ? `${link.mac} ` : '';
    yield `${prefix(ns, link)}${mac}<${iprouteFlagNames(ns, link).join(',')}> `;
  }
}

export function* renderIpBriefAddr(ns: NetNs, options: { family?: AddressFamily } = {}, links = ns.links): Lines {
  for (const link of links) {
    if (options.family !== undefined && !hasFamily(link, options.family)) continue;
    let line = prefix(ns, link);
    if (options.family !== 'inet6') for (const a of link.ipv4) line += `${formatIPv4(a.ip)}/${a.len} `;
    if (options.family !== 'inet') for (const a of autoIpv6(link)) line += `${a.address}/${a.len} `;
    yield line;
  }
}
