/**
 * `ip neigh [show [dev X]]` (print_neigh): `IP dev IF lladdr MAC [router] STATE `
 * with a trailing space; under `dev X` the `dev` part is dropped.
 *
 * The kernel dumps its neighbour hash, whose seed is random per boot, so
 * real line order is arbitrary; netlab prints entries in the order the
 * state holds them.
 */
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

export function* renderIpNeigh(ns: NetNs, options: { dev?: string } = {}): Lines {
  for (const n of ns.neighbours) {
    if (options.dev !== undefined && n.dev !== options.dev) continue;
    let line = `${formatIPv4(n.ip)} `;
    if (options.dev === undefined) line += `dev ${n.dev} `;
    if (n.lladdr !== undefined) line += `lladdr ${n.lladdr} `;
    if (n.router) line += 'router ';
    yield `${line}${n.state} `;
  }
}
