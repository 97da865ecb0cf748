/**
 * The iptables rules of kube-proxy's userspace proxier (Kubernetes v1.25,
 * pkg/proxy/userspace/proxier.go: iptablesInit, openPortal, openOnePortal,
 * openNodePort and the *PortalArgs builders). Nothing here load-balances:
 * every rule only steers a service's traffic to kube-proxy's own socket on
 * this node, and the process picks the endpoint.
 *
 * - Traffic arriving from elsewhere (pods, other hosts) is caught in nat
 *   PREROUTING and REDIRECTed to the proxy port: the kernel rewrites the
 *   destination to the incoming device's first address (cni0's for a pod),
 *   which kube-proxy's 0.0.0.0 socket accepts.
 * - The node's own traffic is caught in nat OUTPUT and DNATed to
 *   hostIP:proxyPort (REDIRECT would send it to 127.0.0.1, where, upstream
 *   found, the answers came from the wrong address).
 * - Portals (cluster IP, load balancer addresses, external IPs) come first,
 *   node ports last (`-m addrtype --dst-type LOCAL`, appended), so a load
 *   balancer address the cloud made local cannot be taken by a node port.
 * - filter KUBE-NODEPORT-NON-LOCAL accepts new connections to the proxy
 *   port of each node port, for hosts whose INPUT policy drops.
 *
 * Upstream writes each rule with EnsureRule(Append) as it opens a service,
 * so the order within a chain is the order services were first seen (a Go
 * map's: random); netlab's is the service port map's (namespace/name, then
 * port order). There are no REJECT rules: a service without endpoints still
 * has its socket, which accepts and closes.
 */
import type { IptRule, Match } from '../../kernel/netfilter/rule.js';
import type { IPv4 } from '../../net/ipv4.js';
import { comment, jump } from '../iptables/service-rules.js';
import type { ProxySocket, UserspaceProxier } from './state.js';

export const KUBE_PORTALS_CONTAINER = 'KUBE-PORTALS-CONTAINER';
export const KUBE_PORTALS_HOST = 'KUBE-PORTALS-HOST';
export const KUBE_NODEPORT_CONTAINER = 'KUBE-NODEPORT-CONTAINER';
export const KUBE_NODEPORT_HOST = 'KUBE-NODEPORT-HOST';
export const KUBE_NODEPORT_NON_LOCAL = 'KUBE-NODEPORT-NON-LOCAL';

const PORTALS_COMMENT = 'handle ClusterIPs; NOTE: this must be before the NodePort rules';
const NODEPORTS_COMMENT = 'handle service NodePorts; NOTE: this must be the last rule in the chain';
const LOCAL: Match = { module: 'addrtype', dstType: { value: 'LOCAL' } };

export interface UserspaceJump {
  readonly table: 'nat' | 'filter';
  readonly from: 'PREROUTING' | 'OUTPUT' | 'INPUT';
  readonly to: string;
  /** EnsureRule(Prepend) or EnsureRule(Append). */
  readonly position: 'prepend' | 'append';
  readonly rule: IptRule;
}

/** iptablesInit, in its order: each chain is created (EnsureChain) just before its jump. */
export const USERSPACE_JUMPS: readonly UserspaceJump[] = [
  {
    table: 'nat',
    from: 'PREROUTING',
    to: KUBE_PORTALS_CONTAINER,
    position: 'prepend',
    rule: { matches: [comment(PORTALS_COMMENT)], target: jump(KUBE_PORTALS_CONTAINER) },
  },
  {
    table: 'nat',
    from: 'OUTPUT',
    to: KUBE_PORTALS_HOST,
    position: 'prepend',
    rule: { matches: [comment(PORTALS_COMMENT)], target: jump(KUBE_PORTALS_HOST) },
  },
  {
    table: 'nat',
    from: 'PREROUTING',
    to: KUBE_NODEPORT_CONTAINER,
    position: 'append',
    rule: { matches: [LOCAL, comment(NODEPORTS_COMMENT)], target: jump(KUBE_NODEPORT_CONTAINER) },
  },
  {
    table: 'nat',
    from: 'OUTPUT',
    to: KUBE_NODEPORT_HOST,
    position: 'append',
    rule: { matches: [LOCAL, comment(NODEPORTS_COMMENT)], target: jump(KUBE_NODEPORT_HOST) },
  },
  {
    table: 'filter',
    from: 'INPUT',
    to: KUBE_NODEPORT_NON_LOCAL,
    position: 'prepend',
    rule: { matches: [comment('Ensure that non-local NodePort traffic can flow')], target: jump(KUBE_NODEPORT_NON_LOCAL) },
  },
];

export interface UserspaceRules {
  /** Chain name to rules, per table, for every chain the proxier creates (empty ones included). */
  readonly nat: ReadonlyMap<string, readonly IptRule[]>;
  readonly filter: ReadonlyMap<string, readonly IptRule[]>;
}

/** iptablesCommonPortalArgs: the service in a comment, protocol and port, the portal address when there is one. */
function portalRule(socket: ProxySocket, port: number, ip: IPv4 | undefined, extra: readonly Match[], target: IptRule['target']): IptRule {
  return {
    ...(ip !== undefined ? { dst: { value: { addr: ip, len: 32 } } } : {}),
    protocol: { value: socket.protocol },
    matches: [comment(socket.info.name), { module: socket.protocol, dport: { value: port } }, ...extra],
    target,
  };
}

export function userspaceRules(proxier: UserspaceProxier): UserspaceRules {
  const chains = {
    portalsContainer: [] as IptRule[],
    portalsHost: [] as IptRule[],
    nodePortContainer: [] as IptRule[],
    nodePortHost: [] as IptRule[],
    nonLocal: [] as IptRule[],
  };
  // EnsureRule appends a rule only when `iptables -C` does not find it (an address listed twice gives one rule).
  const seen = new Map<IptRule[], Set<string>>();
  const append = (list: IptRule[], rule: IptRule): void => {
    let keys = seen.get(list);
    if (keys === undefined) seen.set(list, (keys = new Set()));
    const key = JSON.stringify(rule);
    if (keys.has(key)) return;
    keys.add(key);
    list.push(rule);
  };
  for (const socket of proxier.sockets) {
    const redirect: IptRule['target'] = { kind: 'REDIRECT', toPorts: socket.port };
    const dnat: IptRule['target'] = { kind: 'DNAT', to: { ip: proxier.hostIP, port: socket.port } };
    const servicePort = socket.info.port.port;
    // openPortal: the cluster IP, then external IPs, then load balancer ingress addresses, then the node port.
    const portal = (ip: IPv4): void => {
      append(chains.portalsContainer, portalRule(socket, servicePort, ip, [], redirect));
      append(chains.portalsHost, portalRule(socket, servicePort, ip, [], dnat));
    };
    portal(socket.info.clusterIP);
    for (const ip of socket.info.externalIPs) {
      // An external IP: from off-machine (not bridged in from a local pod), or to an address this node has.
      append(chains.portalsContainer, portalRule(socket, servicePort, ip, [{ module: 'physdev', isIn: false }], redirect));
      append(chains.portalsContainer, portalRule(socket, servicePort, ip, [LOCAL], redirect));
      append(chains.portalsHost, portalRule(socket, servicePort, ip, [LOCAL], dnat));
    }
    for (const ip of socket.info.loadBalancerVIPs) portal(ip);
    if (socket.info.nodePort !== 0) {
      append(chains.nodePortContainer, portalRule(socket, socket.info.nodePort, undefined, [], redirect));
      append(chains.nodePortHost, portalRule(socket, socket.info.nodePort, undefined, [], dnat));
      // Matched after the REDIRECT, so on the proxy port.
      append(chains.nonLocal, portalRule(socket, socket.port, undefined, [{ module: 'state', states: ['NEW'] }], { kind: 'ACCEPT' }));
    }
  }
  return {
    nat: new Map([
      [KUBE_PORTALS_CONTAINER, chains.portalsContainer],
      [KUBE_PORTALS_HOST, chains.portalsHost],
      [KUBE_NODEPORT_CONTAINER, chains.nodePortContainer],
      [KUBE_NODEPORT_HOST, chains.nodePortHost],
    ]),
    filter: new Map([[KUBE_NODEPORT_NON_LOCAL, chains.nonLocal]]),
  };
}
