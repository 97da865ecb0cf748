/**
 * xt_recent's address lists, per netns: what kube-proxy's iptables mode uses
 * for sessionAffinity ClientIP (`-m recent --set` on the endpoint's DNAT
 * rule records the client, `--rcheck --seconds N --reap` in the service
 * chain sends it back to the same endpoint). A walk keeps no clock, so an
 * address recorded earlier in the session is always within the timeout.
 */
import { formatIPv4, parseIPv4, type IPv4 } from '../../net/ipv4.js';

export class RecentLists {
  private readonly lists = new Map<string, Set<IPv4>>();

  private static id(nsId: string, name: string): string {
    return `${nsId}|${name}`;
  }

  /** `--set`: records the (masked) address in the netns's list. */
  set(nsId: string, name: string, address: IPv4, mask: string): void {
    const id = RecentLists.id(nsId, name);
    let list = this.lists.get(id);
    if (!list) this.lists.set(id, (list = new Set()));
    list.add(masked(address, mask));
  }

  /** `--rcheck`: whether the (masked) address is in the netns's list. */
  has(nsId: string, name: string, address: IPv4, mask: string): boolean {
    return this.lists.get(RecentLists.id(nsId, name))?.has(masked(address, mask)) ?? false;
  }

  /** The addresses of one list, as /proc/net/xt_recent/NAME would name them (in the order recorded). */
  addresses(nsId: string, name: string): string[] {
    return [...(this.lists.get(RecentLists.id(nsId, name)) ?? [])].map(formatIPv4);
  }
}

function masked(address: IPv4, mask: string): IPv4 {
  const m = parseIPv4(mask) ?? 0xffffffff;
  return (address & m) >>> 0;
}
