/**
 * What kube-proxy's userspace proxier remembers between packets, for one
 * walk session (Kubernetes v1.25, pkg/proxy/userspace/roundrobin.go and
 * proxysocket.go): LoadBalancerRR's position per node and service port, the
 * ClientIP affinities, and its own connections to endpoints, by which the
 * endpoint's answer finds the client's connection again. The walk step that
 * uses it is ./mode.ts.
 *
 * The balancer is a list of the service port's ready endpoints, shuffled
 * whenever it changes, taken in turn. netlab keeps kube-proxy's endpoint
 * order (sorted by `ip:port`) and lets the walk's random source choose where
 * the first connection starts (each endpoint 1/n, reproducible with --seed,
 * enumerated by --all-endpoints); later connections in the same session
 * take the next endpoints in order. With sessionAffinity ClientIP a client
 * IP keeps its endpoint (the timeout does not run out within a session).
 */
import type { IPv4 } from '../../net/ipv4.js';
import { chainedChoice } from '../../flow/random.js';
import type { ProxySocket } from './state.js';

/** A client's connection as kube-proxy holds it, found again from the endpoint's answer. */
export interface ClientConnection {
  readonly socket: ProxySocket;
  readonly client: IPv4;
  readonly clientPort: number;
  /** The address and port the client's packet was redirected to: kube-proxy's side of the connection. */
  readonly local: IPv4;
  readonly localPort: number;
}

export class UserspaceProxySession {
  /** LoadBalancerRR's index per node and service port. */
  private readonly nextIndex = new Map<string, number>();
  /** ClientIP affinity: node, service port and client IP to the endpoint's index. */
  private readonly sticky = new Map<string, number>();
  /** kube-proxy's connections to endpoints, by how the endpoint's answer arrives. */
  private readonly outbound = new Map<string, ClientConnection>();

  /**
   * NextEndpoint: the endpoint (an index into the socket's list) a client's
   * new connection goes to on `node`, and whether affinity or the
   * round-robin chose it.
   */
  nextEndpoint(
    node: string,
    socket: ProxySocket,
    client: IPv4,
    random: (probability: number) => boolean,
  ): { index: number; how: 'round-robin' | 'session-affinity' } {
    const endpoints = socket.endpoints;
    const key = `${node}|${socket.info.name}`;
    const stickyKey = `${key}|${client}`;
    const remembered = socket.info.clientIPAffinity ? this.sticky.get(stickyKey) : undefined;
    if (remembered !== undefined && remembered < endpoints.length) return { index: remembered, how: 'session-affinity' };
    // Where a freshly shuffled list starts: each endpoint 1/n, a chain of choices --all-endpoints can enumerate.
    const index = this.nextIndex.get(key) ?? chainedChoice(endpoints.length, random);
    this.nextIndex.set(key, (index + 1) % endpoints.length);
    if (socket.info.clientIPAffinity) this.sticky.set(stickyKey, index);
    return { index, how: 'round-robin' };
  }

  /** kube-proxy dialled an endpoint for a client: its connection, keyed by how the endpoint's answer arrives. */
  connected(nsId: string, protocol: string, endpoint: IPv4, endpointPort: number, sport: number, conn: ClientConnection): void {
    this.outbound.set(outboundKey(nsId, protocol, endpoint, endpointPort, sport), conn);
  }

  /** The client's connection an endpoint's answer belongs to (the answer's source is the endpoint, its destination port kube-proxy's). */
  answerTo(nsId: string, protocol: string, endpoint: IPv4, endpointPort: number, dport: number): ClientConnection | undefined {
    return this.outbound.get(outboundKey(nsId, protocol, endpoint, endpointPort, dport));
  }
}

function outboundKey(nsId: string, protocol: string, endpoint: IPv4, endpointPort: number, sport: number): string {
  return `${nsId}|${protocol}|${endpoint}:${endpointPort}|${sport}`;
}
