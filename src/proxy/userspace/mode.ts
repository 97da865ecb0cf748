/**
 * kube-proxy's userspace mode (Kubernetes v1.25, pkg/proxy/userspace/
 * proxysocket.go and roundrobin.go): it programs the portal rules
 * (./program.ts), and in the walk it is the process behind the proxy
 * sockets. The rules steer a service's packet to kube-proxy's socket on the
 * node; there the packet's way ends, in user space. The process then does
 * what a client does: it connects to an endpoint (TCP: tryConnect,
 * net.DialTimeout; UDP: a connected socket per client), so a second, new
 * connection leaves the node, from the address the route to the endpoint
 * picks and an ephemeral port, and is walked on to the endpoint. What the
 * endpoint sends back ends in kube-proxy's socket too, and the process
 * writes it into the client's connection, from the address the client's
 * packet was redirected to: conntrack turns that back into the service
 * address the client dialled. The balancer's memory is ./connections.ts.
 *
 * Without endpoints, NextEndpoint fails: a TCP connection the kernel has
 * already accepted is closed (the client sees it open, then a FIN without
 * data), a UDP datagram is dropped without a word. Not modelled: when
 * connect() fails, kube-proxy tries the next endpoint, up to 4 times with
 * timeouts of 0.25, 0.5, 1 and 2 s; the walk follows the first attempt.
 */
import type { NetNs } from '../../kernel/netns.js';
import { fnv1a32 } from '../../net/hash.js';
import { formatIPv4, type IPv4 } from '../../net/ipv4.js';
import type { Cluster, Node } from '../../model/types.js';
import { DEFAULT_TTL, type Packet } from '../../flow/packet.js';
import type { Step } from '../../flow/trace.js';
import type { KubeProxyMode, ProxyMemory, ServiceAnswer, ServiceWalk } from '../types.js';
import { programKubeProxyUserspace } from './program.js';
import { EPHEMERAL_HIGH, EPHEMERAL_LOW } from './proxy-ports.js';
import { userspaceProxier, type ProxySocket } from './state.js';

const PROCESS = 'kube-proxy';

const hostPort = (ip: IPv4, port: number | undefined): string => `${formatIPv4(ip)}:${port ?? 0}`;

export function userspaceMode(cluster: Cluster): KubeProxyMode {
  return {
    name: 'userspace',
    programNode: (ns, node) => programKubeProxyUserspace(ns, cluster, node),
    atSocket: (walk, ns, p, isReply) => deliver(walk, ns, p, isReply),
  };
}

/** kube-proxy's part in a packet delivered in `ns`: undefined when it is not for one of its sockets (another port, a pod's netns). */
function deliver(walk: ServiceWalk, ns: NetNs, p: Packet, isReply: boolean): ServiceAnswer | undefined {
  const node = walk.nodeOf(ns);
  if (node === undefined || ns.kind !== 'node') return undefined;
  if ((p.protocol !== 'tcp' && p.protocol !== 'udp') || p.dport === undefined) return undefined;
  if (isReply) return relayBack(walk.memory, ns, p);
  const socket = userspaceProxier(walk.cluster, node).socketAt(p.protocol, p.dport);
  return socket && accept(walk, node, ns, socket, p);
}

function accept(walk: ServiceWalk, node: Node, ns: NetNs, socket: ProxySocket, p: Packet): ServiceAnswer {
  const tcp = socket.protocol === 'tcp';
  const client = hostPort(p.src, p.sport);
  const listening = `${socket.protocol} *:${socket.port}`;
  const accepted: Step = {
    kind: 'proxy',
    process: PROCESS,
    action: 'accept',
    servicePort: socket.info.name,
    socket: listening,
    peer: client,
  };
  const endpoints = socket.endpoints;
  if (endpoints.length === 0) {
    const closed: Step = { ...accepted, action: 'close' };
    const summary = tcp
      ? `kube-proxy accepted the connection on ${listening} and closed it: ${socket.info.name} has no endpoints (the client's connection opens, then closes without data)`
      : `kube-proxy read the datagram on ${listening} and dropped it: ${socket.info.name} has no endpoints (nothing is sent back)`;
    return { kind: 'end', step: closed, disposition: 'NO_ENDPOINTS', summary, notice: tcp ? { kind: 'tcp-fin' } : { kind: 'none' } };
  }
  const { index, how } = walk.memory.userspaceProxy.nextEndpoint(node.name, socket, p.src, walk.random);
  const endpoint = endpoints[index]!;
  const sport = ephemeralPort(`${node.name}|${client}|${endpoint.key}|${socket.protocol}`, tcp);
  const packet: Packet = {
    src: 0,
    dst: endpoint.ip,
    protocol: socket.protocol,
    sport,
    dport: endpoint.port,
    ttl: DEFAULT_TTL,
    length: p.length,
    df: p.df,
    mark: 0,
  };
  walk.memory.userspaceProxy.connected(ns.id, socket.protocol, endpoint.ip, endpoint.port, sport, {
    socket,
    client: p.src,
    clientPort: p.sport ?? 0,
    local: p.dst,
    localPort: p.dport!,
  });
  const connect: Step = {
    kind: 'proxy',
    process: PROCESS,
    action: 'connect',
    servicePort: socket.info.name,
    socket: `${socket.protocol} ${hostPort(p.dst, p.dport)} ⇄ ${client}`,
    peer: endpoint.key,
    choice: { how, position: index + 1, of: endpoints.length },
    after: packet,
  };
  return { kind: 'relay', here: accepted, hopName: `${ns.displayName} (kube-proxy → ${endpoint.key})`, first: connect, packet };
}

/** The endpoint's answer on kube-proxy's connection, written into the client's. */
function relayBack(memory: ProxyMemory, ns: NetNs, p: Packet): ServiceAnswer | undefined {
  const conn = memory.userspaceProxy.answerTo(ns.id, p.protocol, p.src, p.sport ?? 0, p.dport!);
  if (!conn) return undefined;
  const packet: Packet = {
    src: conn.local,
    dst: conn.client,
    protocol: p.protocol,
    sport: conn.localPort,
    dport: conn.clientPort,
    ttl: DEFAULT_TTL,
    length: p.length,
    df: p.df,
    mark: 0,
  };
  const client = hostPort(conn.client, conn.clientPort);
  const relay: Step = {
    kind: 'proxy',
    process: PROCESS,
    action: 'relay',
    servicePort: conn.socket.info.name,
    socket: `${conn.socket.protocol} ${hostPort(conn.local, conn.localPort)} ⇄ ${client}`,
    peer: client,
    after: packet,
  };
  return { kind: 'relay', here: relay, hopName: `${ns.displayName} (kube-proxy → client ${client})`, packet };
}

/** A stand-in for the port connect() gets: stable, in ip_local_port_range, even for TCP (Linux 4.6+ leaves odd ports to bind). */
function ephemeralPort(seed: string, tcp: boolean): number {
  const port = EPHEMERAL_LOW + (fnv1a32(seed) % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
  return tcp ? port & ~1 : port;
}
