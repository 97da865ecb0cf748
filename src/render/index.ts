/**
 * Renderers: pure functions from kernel state to the lines the real tools
 * print (this machine's profile: kernel 6.x, iproute2 6.1, iptables 1.8.9
 * nf_tables, net-tools 2.10, bridge-utils 1.7.1, ethtool 6.1).
 */
export type { Lines } from './types.js';
export { toText } from './types.js';
export { renderIpAddr, type IpAddrOptions, type AddressFamily } from './ip-addr.js';
export { renderIpLink, type IpLinkOptions } from './ip-link.js';
export { renderIpBriefAddr, renderIpBriefLink } from './ip-brief.js';
export { renderIpRoute, type IpRouteOptions, type RouteTableSelector, type PrefixSelector } from './ip-route.js';
export { renderRouteGet, routeGetErrorText, type RouteGetResult, type RouteGetError } from './ip-route-get.js';
export { renderIpNeigh } from './ip-neigh.js';
export { renderIpRule } from './ip-rule.js';
export { renderIpMaddr } from './ip-maddr.js';
export { renderBridgeFdb } from './bridge-fdb.js';
export { renderBrctlShow, renderBrctlShowmacs, renderBrctlShowstp } from './brctl.js';
export { ethtoolStats, ethtoolDriverInfo, isEthtoolError, type EthtoolError } from './ethtool.js';
export { renderIfconfig, ifconfigBlock, type IfconfigOptions } from './ifconfig.js';
export { renderRouteN, renderNetstatRn } from './route-table.js';
export { renderIptablesSave, renderIptablesS, ctime, type IptablesSaveOptions } from './iptables-save.js';
export { renderIptablesList, type IptablesListOptions } from './iptables-list.js';
export { renderFile, renderHostname, renderSysctlAll } from './files.js';
export { DEFAULT_IPTABLES_SAVE_DATE } from './profile.js';
