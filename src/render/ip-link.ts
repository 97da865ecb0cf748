/**
 * `ip link [show [dev] X]`, with `-d` (details) and `-s` (counters), as
 * iproute2 6.1 prints it.
 */
import type { NetNs } from '../kernel/netns.js';
import { detailLines, linkHeader, linkLayerLine, statsLines } from './ip-link-block.js';
import type { Lines } from './types.js';

export interface IpLinkOptions {
  /** `-d`: kind data, queues, GSO limits. */
  readonly details?: boolean;
  /** `-s`: RX/TX counters. */
  readonly stats?: boolean;
}

/** Renders the given links (all of ns.links unless the caller filtered them). */
export function* renderIpLink(ns: NetNs, options: IpLinkOptions = {}, links = ns.links): Lines {
  for (const link of links) {
    yield linkHeader(ns, link, { showMode: true });
    if (options.details) yield* detailLines(ns, link, { addrgenmode: true });
    else yield linkLayerLine(ns, link);
    if (options.stats) yield* statsLines(link);
  }
}
