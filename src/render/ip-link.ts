/**
 * `ip link [show [dev] X]`, with `-d` (details) and `-s` (counters), as
 * iproute2 6.1 prints it.
 */
import { stateCounters, type CountersOf } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { detailLines, linkHeader, linkLayerLine, statsLines } from './ip-link-block.js';
import type { Lines } from './types.js';

export interface IpLinkOptions {
  /** `-d`: kind data, queues, GSO limits. */
  readonly details?: boolean;
  /** `-s`: RX/TX counters. */
  readonly stats?: boolean;
  /** `-o`: each link's lines joined into one with `\` (iproute2's _SL_). */
  readonly oneline?: boolean;
  /** Where `-s` reads the counters: the state's own unless a traffic run counted more. */
  readonly counters?: CountersOf;
}

/** Renders the given links (all of ns.links unless the caller filtered them). */
export function* renderIpLink(ns: NetNs, options: IpLinkOptions = {}, links = ns.links): Lines {
  for (const link of links) {
    const block = [linkHeader(ns, link, { showMode: true })];
    if (options.details) block.push(...detailLines(ns, link, { addrgenmode: true }));
    else block.push(linkLayerLine(ns, link));
    if (options.stats) block.push(...statsLines((options.counters ?? stateCounters)(link)));
    if (options.oneline) yield block.join('\\');
    else yield* block;
  }
}
