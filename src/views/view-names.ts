/**
 * The names of `netlab show`'s views as people type them: the names, their
 * aliases, and the lookup with a did-you-mean. Apart from the views
 * themselves (netns-views.ts), so the CLI can print its help without
 * loading them.
 */
import { UsageError } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';

/** Every view's name, in the order the help lists them; netns-views.ts has one view for each (iptables: iptables-view.ts). */
export const VIEW_NAMES = ['routes', 'links', 'addresses', 'neighbours', 'fdb', 'bridges', 'stats', 'sysctls', 'iptables'] as const;

export type ViewName = (typeof VIEW_NAMES)[number];

/** Short and alternative names people type. */
export const VIEW_ALIASES: Readonly<Record<string, ViewName>> = {
  route: 'routes',
  link: 'links',
  addr: 'addresses',
  address: 'addresses',
  addrs: 'addresses',
  neigh: 'neighbours',
  neighbors: 'neighbours',
  arp: 'neighbours',
  bridge: 'bridges',
  counters: 'stats',
  sysctl: 'sysctls',
  rules: 'iptables',
};

/** A view's name as typed, or its alias; a UsageError with a did-you-mean when there is no such view. */
export function resolveView(what: string): ViewName {
  if ((VIEW_NAMES as readonly string[]).includes(what)) return what as ViewName;
  const alias = VIEW_ALIASES[what];
  if (alias) return alias;
  throw new UsageError(
    `netlab show has no view "${what}"`,
    didYouMean(what, [...VIEW_NAMES, ...Object.keys(VIEW_ALIASES)]) ?? `views: ${VIEW_NAMES.join(', ')}`,
  );
}
