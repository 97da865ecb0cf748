/**
 * kube-proxy's userspace proxier (Kubernetes v1.25, the last release that
 * had it: pkg/proxy/userspace/proxier.go, proxysocket.go, roundrobin.go) on
 * one node, as data: one proxy socket per service port, the port it
 * listens on, and the endpoints its round-robin balancer holds. The rules
 * (./rules.ts) and the walk step (./mode.ts) both
 * read it. Pure, and cached per cluster and node.
 *
 * What upstream does, and what netlab does instead where upstream is random:
 * - mergeService opens a socket per service port (TCP or UDP; an SCTP port
 *   fails in newProxySocket and gets neither socket nor rules) on
 *   --bind-address, 0.0.0.0 by default, at port 0 unless --proxy-port-range
 *   is set: the kernel then picks a free port of ip_local_port_range
 *   (32768-60999), an odd one for TCP (bind prefers odd ports, connect()
 *   even ones, since Linux 4.6). netlab derives the port from a stable hash
 *   instead (./proxy-ports.ts), so one topology always gives one set of
 *   rules.
 * - The balancer's endpoints come from the Endpoints object's ready
 *   addresses (this proxier never read EndpointSlices): ready, not
 *   terminating pods, whatever their node. internalTrafficPolicy and
 *   externalTrafficPolicy are ignored (the userspace proxier has no
 *   topology filtering).
 * - Session affinity is the service's sessionAffinity (ClientIP) with its
 *   timeout.
 */
import type { IPv4 } from '../../net/ipv4.js';
import type { Cluster, Node, ServiceEndpoint } from '../../model/types.js';
import { listenersOfNode } from '../../model/listeners.js';
import { servicePortMap, type ServicePortInfo } from '../iptables/service-ports.js';
import { allocateProxyPorts } from './proxy-ports.js';

export type ProxyProtocol = 'tcp' | 'udp';

export interface ProxySocket {
  /** The service port it proxies (kube-proxy's ServicePortName, `ns/name:port`, is `info.name`). */
  readonly info: ServicePortInfo;
  readonly protocol: ProxyProtocol;
  /** The port kube-proxy listens on, on every address (`*:port`: Go listens dual-stack on 0.0.0.0). */
  readonly port: number;
  /** The round-robin list before any shuffle: ready endpoints, in `ip:port` order. */
  readonly endpoints: readonly ServiceEndpoint[];
}

export interface UserspaceProxier {
  /** proxier.hostIP: the address host traffic is DNATed to (ChooseHostInterface: the node IP). */
  readonly hostIP: IPv4;
  /** One socket per TCP or UDP service port, in the service port map's order. */
  readonly sockets: readonly ProxySocket[];
  socketAt(protocol: ProxyProtocol, port: number): ProxySocket | undefined;
}

const cache = new WeakMap<Cluster, Map<string, UserspaceProxier>>();

export function userspaceProxier(cluster: Cluster, node: Node): UserspaceProxier {
  let perNode = cache.get(cluster);
  if (perNode === undefined) cache.set(cluster, (perNode = new Map()));
  let proxier = perNode.get(node.name);
  if (proxier === undefined) perNode.set(node.name, (proxier = build(cluster, node)));
  return proxier;
}

function build(cluster: Cluster, node: Node): UserspaceProxier {
  const infos = servicePortMap(cluster).ports.filter((info) => info.protocol === 'tcp' || info.protocol === 'udp');
  // Ports the node's own daemons already hold are not free for bind(0).
  const busy = listenersOfNode(node).map((l) => ({ protocol: l.protocol, port: l.port }));
  const ports = allocateProxyPorts(
    node.name,
    infos.map((info) => ({ name: info.name, protocol: info.protocol as ProxyProtocol })),
    busy,
  );
  const sockets: ProxySocket[] = [];
  infos.forEach((info, i) => {
    const port = ports[i];
    if (port === undefined) return;
    const endpoints = info
      .endpoints()
      .filter((e) => e.endpoint.ready)
      .map((e) => e.endpoint);
    sockets.push({ info, protocol: info.protocol as ProxyProtocol, port, endpoints });
  });
  const byKey = new Map(sockets.map((s) => [`${s.protocol}/${s.port}`, s]));
  return { hostIP: node.ip, sockets, socketAt: (protocol, port) => byKey.get(`${protocol}/${port}`) };
}
