/** net-tools 2.10: `ifconfig`, `route -n`, `netstat -rn`, `arp -n` / `arp -an`. */
import { linkByName, type NetNs } from '../kernel/netns.js';
import { renderArpAn, renderArpN } from '../render/arp.js';
import { ifconfigBlock, renderIfconfig } from '../render/ifconfig.js';
import { renderNetstatRn, renderRouteN } from '../render/route-table.js';
import { CHANGES_STATE, notEmulated } from './not-emulated.js';
import { countersIn, fail, ok, type ExecContext, type ExecResult } from './types.js';

/** Short options given as `-rn`, `-n -r` or `-nr`, as a set of letters; undefined when something else is there. */
function letters(args: readonly string[]): Set<string> | undefined {
  const set = new Set<string>();
  for (const arg of args) {
    if (!/^-[a-zA-Z]+$/.test(arg)) return undefined;
    for (const c of arg.slice(1)) set.add(c);
  }
  return set;
}

export function runIfconfig(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  const args = argv.slice(1);
  const all = args[0] === '-a';
  const rest = all ? args.slice(1) : args;
  const counters = countersIn(ctx, ns);
  if (rest.length === 0) return ok(renderIfconfig(ns, { all, counters }));
  if (rest.length > 1 || rest[0]!.startsWith('-')) return notEmulated(argv, rest.length > 1 ? CHANGES_STATE : `ifconfig ${rest[0]}`);
  const link = linkByName(ns, rest[0]!);
  if (!link) return fail(1, `${rest[0]}: error fetching interface information: Device not found`);
  return ok(ifconfigBlock(link, counters(link)));
}

export function runRoute(ns: NetNs, argv: readonly string[]): ExecResult {
  const flags = letters(argv.slice(1));
  // Without -n, route resolves names (default, _gateway, hosts), which netlab does not emulate.
  if (!flags || !flags.has('n') || [...flags].some((f) => f !== 'n')) return notEmulated(argv, 'only route -n is emulated');
  return ok(renderRouteN(ns));
}

export function runNetstat(ns: NetNs, argv: readonly string[]): ExecResult {
  const flags = letters(argv.slice(1));
  if (!flags || !flags.has('r') || !flags.has('n') || flags.size !== 2) return notEmulated(argv, 'only netstat -rn is emulated');
  return ok(renderNetstatRn(ns));
}

export function runArp(ns: NetNs, argv: readonly string[]): ExecResult {
  const flags = letters(argv.slice(1));
  if (flags && flags.has('n') && flags.size === 1) return ok(renderArpN(ns));
  if (flags && flags.has('n') && flags.has('a') && flags.size === 2) return ok(renderArpAn(ns));
  return notEmulated(argv, 'only arp -n and arp -an are emulated');
}
