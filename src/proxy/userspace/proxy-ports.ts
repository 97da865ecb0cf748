/**
 * The ports kube-proxy's userspace proxy sockets listen on. Upstream binds
 * port 0 and lets the kernel choose (randomAllocator, unless
 * --proxy-port-range is set); the kernel picks a random free port of
 * net.ipv4.ip_local_port_range (32768-60999 by default), and for TCP an odd
 * one (inet_csk_find_open_port tries odd ports first, leaving even ones to
 * connect(); Linux 4.6+, checked on this machine's kernel). UDP takes any
 * parity.
 *
 * netlab must be deterministic, so its "random" start is FNV-1a 32 of
 * `node|ns/name:port|protocol` into that range (made odd for TCP); a port
 * already taken for the same protocol (another proxy socket, a daemon of the
 * node) moves on to the next candidate (+2 for TCP, +1 for UDP), wrapping
 * around, and TCP takes even ports only once every odd one is taken, as the
 * kernel does. Each node gets its own ports, as each node's kube-proxy asked its
 * own kernel.
 */
import { fnv1a32 } from '../../net/hash.js';

/** net.ipv4.ip_local_port_range's default. */
export const EPHEMERAL_LOW = 32768;
export const EPHEMERAL_HIGH = 60999;
const SIZE = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;

export interface ProxyPortRequest {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp';
}

/**
 * One port per request, in request order; `busy` ports are never handed
 * out. undefined when the range is full: bind() fails with EADDRINUSE, and
 * kube-proxy logs "Failed to start proxy" and writes no rules for that port.
 */
export function allocateProxyPorts(
  nodeName: string,
  requests: readonly ProxyPortRequest[],
  busy: readonly { protocol: string; port: number }[] = [],
): (number | undefined)[] {
  const taken = new Set(busy.map((b) => `${b.protocol}/${b.port}`));
  return requests.map((request) => {
    const start = fnv1a32(`${nodeName}|${request.name}|${request.protocol}`) % SIZE;
    // TCP: odd ports first, then the even ones (EPHEMERAL_LOW is even, so parity of offset is parity of port).
    const passes =
      request.protocol === 'tcp'
        ? [
            { offset: start | 1, step: 2 },
            { offset: start & ~1, step: 2 },
          ]
        : [{ offset: start, step: 1 }];
    for (const { offset, step } of passes) {
      for (let tried = 0; tried < SIZE; tried += step) {
        const port = EPHEMERAL_LOW + ((offset + tried) % SIZE);
        const key = `${request.protocol}/${port}`;
        if (taken.has(key)) continue;
        taken.add(key);
        return port;
      }
    }
    return undefined;
  });
}
