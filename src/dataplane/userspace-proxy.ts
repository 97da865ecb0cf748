/**
 * kube-proxy's userspace mode in the packet walk (Kubernetes v1.25,
 * pkg/proxy/userspace/proxysocket.go and roundrobin.go). The rules of
 * src/proxy/userspace/ steer a service's packet to kube-proxy's proxy
 * socket on the node; there the packet's way ends, in user space. The
 * process then does what a client does: it connects to an endpoint (TCP:
 * tryConnect, net.DialTimeout; UDP: a connected socket per client), so a
 * second, new connection leaves the node, from the address the route to the
 * endpoint picks and an ephemeral port, and is walked on to the endpoint.
 * What the endpoint sends back ends in kube-proxy's socket too, and the
 * process writes it into the client's connection, from the address the
 * client's packet was redirected to: conntrack turns that back into the
 * service address the client dialled.
 *
 * The balancer is LoadBalancerRR: a list of the service port's ready
 * endpoints, shuffled whenever it changes, taken in turn, one index per
 * service port on each node. netlab keeps kube-proxy's endpoint order
 * (sorted by `ip:port`) and lets the walk's random source choose where the
 * first connection starts (each endpoint 1/n, reproducible with --seed,
 * enumerated by --all-endpoints); later connections in the same session take
 * the next endpoints in order. With sessionAffinity ClientIP a client IP
 * keeps its endpoint (the timeout does not run out within a session).
 *
 * Without endpoints, NextEndpoint fails: a TCP connection the kernel has
 * already accepted is closed (the client sees it open, then a FIN without
 * data), a UDP datagram is dropped without a word. Not modelled: when
 * connect() fails, kube-proxy tries the next endpoint, up to 4 times with
 * timeouts of 0.25, 0.5, 1 and 2 s; the walk follows the first attempt.
 */
import type { NetNs } from '../kernel/netns.js';
import { fnv1a32 } from '../net/hash.js';
import { formatIPv4, type IPv4 } from '../net/ipv4.js';
import type { Cluster, Node } from '../model/types.js';
import { EPHEMERAL_HIGH, EPHEMERAL_LOW } from '../proxy/userspace/proxy-ports.js';
import { userspaceProxier, type ProxySocket } from '../proxy/userspace/state.js';
import { DEFAULT_TTL, type Packet } from '../flow/packet.js';
import { chainedChoice } from './random.js';
import type { Disposition, SenderNotice, Step } from '../flow/trace.js';

/** What the walker needs to know to ask kube-proxy. */
export interface ProxyContext {
  readonly cluster: Cluster;
  /** The node whose netns the packet was delivered in (absent for pods and the outside). */
  readonly node?: Node;
  /** The walk's random source (the round-robin start). */
  readonly random: (probability: number) => boolean;
}

/**
 * kube-proxy's answer to a delivered packet: a packet it sends on another
 * connection (`send`: walk it from the node), or the end of the walk
 * (`closed`: no endpoint).
 */
export type ProxyRelay =
  | {
      readonly kind: 'send';
      /** What happened to the delivered packet, for the hop it arrived in. */
      readonly here: Step;
      /** The name of the hop the new packet starts. */
      readonly hopName: string;
      /** The new hop's first step, if any (the choice of endpoint). */
      readonly first?: Step;
      /** From the proxy's socket; src 0 when the route is to choose it. */
      readonly packet: Packet;
    }
  | { readonly kind: 'closed'; readonly here: Step; readonly disposition: Disposition; readonly summary: string; readonly notice: SenderNotice };

/** A client's connection as kube-proxy holds it, found again from the endpoint's answer. */
interface ClientConnection {
  readonly socket: ProxySocket;
  readonly client: IPv4;
  readonly clientPort: number;
  /** The address and port the client's packet was redirected to: kube-proxy's side of the connection. */
  readonly local: IPv4;
  readonly localPort: number;
}

const PROCESS = 'kube-proxy';

const hostPort = (ip: IPv4, port: number | undefined): string => `${formatIPv4(ip)}:${port ?? 0}`;

/** The balancer's and the proxy's memory for one walk session. */
export class UserspaceProxySession {
  /** LoadBalancerRR's index per node and service port. */
  private readonly nextIndex = new Map<string, number>();
  /** ClientIP affinity: node, service port and client IP to the endpoint's index. */
  private readonly sticky = new Map<string, number>();
  /** kube-proxy's connections to endpoints, by how the endpoint's answer arrives. */
  private readonly outbound = new Map<string, ClientConnection>();

  /**
   * kube-proxy's part in a packet delivered to a node's netns: undefined
   * when the packet is not for one of its sockets (another mode, another
   * port, a pod's netns).
   */
  deliver(ctx: ProxyContext, ns: NetNs, p: Packet, isReply: boolean): ProxyRelay | undefined {
    if (ctx.cluster.topology.network.kubeProxy.mode !== 'userspace' || ctx.node === undefined || ns.kind !== 'node') return undefined;
    if ((p.protocol !== 'tcp' && p.protocol !== 'udp') || p.dport === undefined) return undefined;
    if (isReply) return this.relayBack(ns, p);
    const socket = userspaceProxier(ctx.cluster, ctx.node).socketAt(p.protocol, p.dport);
    return socket && this.accept(ctx, ctx.node, ns, socket, p);
  }

  private accept(ctx: ProxyContext, node: Node, ns: NetNs, socket: ProxySocket, p: Packet): ProxyRelay {
    const tcp = socket.protocol === 'tcp';
    const client = hostPort(p.src, p.sport);
    const listening = `${socket.protocol} *:${socket.port}`;
    const accepted: Step = { kind: 'proxy', process: PROCESS, action: 'accept', servicePort: socket.info.name, socket: listening, peer: client };
    const endpoints = socket.endpoints;
    if (endpoints.length === 0) {
      const closed: Step = { ...accepted, action: 'close' };
      const summary = tcp
        ? `kube-proxy accepted the connection on ${listening} and closed it: ${socket.info.name} has no endpoints (the client's connection opens, then closes without data)`
        : `kube-proxy read the datagram on ${listening} and dropped it: ${socket.info.name} has no endpoints (nothing is sent back)`;
      return { kind: 'closed', here: closed, disposition: 'NO_ENDPOINTS', summary, notice: tcp ? { kind: 'tcp-fin' } : { kind: 'none' } };
    }
    const key = `${node.name}|${socket.info.name}`;
    const stickyKey = `${key}|${p.src}`;
    const remembered = socket.info.clientIPAffinity ? this.sticky.get(stickyKey) : undefined;
    let index: number;
    let how: 'round-robin' | 'session-affinity';
    if (remembered !== undefined && remembered < endpoints.length) {
      index = remembered;
      how = 'session-affinity';
    } else {
      // Where a freshly shuffled list starts: each endpoint 1/n, a chain of choices --all-endpoints can enumerate.
      index = this.nextIndex.get(key) ?? chainedChoice(endpoints.length, ctx.random);
      how = 'round-robin';
      this.nextIndex.set(key, (index + 1) % endpoints.length);
      if (socket.info.clientIPAffinity) this.sticky.set(stickyKey, index);
    }
    const endpoint = endpoints[index]!;
    const sport = ephemeralPort(`${node.name}|${client}|${endpoint.key}|${socket.protocol}`, tcp);
    const packet: Packet = { src: 0, dst: endpoint.ip, protocol: socket.protocol, sport, dport: endpoint.port, ttl: DEFAULT_TTL, length: p.length, df: p.df, mark: 0 };
    this.outbound.set(outboundKey(ns, socket.protocol, endpoint.ip, endpoint.port, sport), { socket, client: p.src, clientPort: p.sport ?? 0, local: p.dst, localPort: p.dport! });
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
    return { kind: 'send', here: accepted, hopName: `${ns.displayName} (kube-proxy → ${endpoint.key})`, first: connect, packet };
  }

  /** The endpoint's answer on kube-proxy's connection, written into the client's. */
  private relayBack(ns: NetNs, p: Packet): ProxyRelay | undefined {
    const conn = this.outbound.get(outboundKey(ns, p.protocol, p.src, p.sport ?? 0, p.dport!));
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
    return { kind: 'send', here: relay, hopName: `${ns.displayName} (kube-proxy → client ${client})`, packet };
  }
}

function outboundKey(ns: NetNs, protocol: string, endpoint: IPv4, endpointPort: number, sport: number): string {
  return `${ns.id}|${protocol}|${endpoint}:${endpointPort}|${sport}`;
}

/** A stand-in for the port connect() gets: stable, in ip_local_port_range, even for TCP (Linux 4.6+ leaves odd ports to bind). */
function ephemeralPort(seed: string, tcp: boolean): number {
  const port = EPHEMERAL_LOW + (fnv1a32(seed) % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
  return tcp ? port & ~1 : port;
}
