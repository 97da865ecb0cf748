/** iproute2's `bridge` tool: `bridge fdb [show] [dev X] [br BR]`, `bridge link [show] [dev X]`. */
import { linkByName, type NetNs } from '../kernel/netns.js';
import { deviceFdb, fdbLine, renderBridgeFdb } from '../render/bridge-fdb.js';
import { renderBridgeLink } from '../render/bridge-link.js';
import type { Lines } from '../render/types.js';
import { notEmulated, notEmulatedSubcommand } from './not-emulated.js';
import { fail, iproute2Subcommand, matches, ok, type ExecResult } from './types.js';

const OBJECTS = ['link', 'fdb', 'mdb', 'vlan', 'vni', 'monitor'] as const;

export function runBridge(ns: NetNs, argv: readonly string[]): ExecResult {
  const word = argv[1];
  // Of bridge's options only -Version is emulated, and it answers at once.
  if (word?.startsWith('-')) {
    if (matches(word.replace(/^--/, '-'), '-Version')) return ok(['bridge utility, 6.1.0']);
    return notEmulated(argv, `option ${word}`);
  }
  if (word === undefined) return fail(255, 'Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }');
  const object = OBJECTS.find((o) => matches(word, o));
  if (object === undefined) return fail(255, `Object "${word}" is unknown, try "bridge help".`);
  const args = argv.slice(2);
  if (object === 'fdb') return bridgeFdb(ns, argv, args);
  if (object === 'link') return bridgeLink(ns, argv, args);
  return notEmulated(argv, `bridge ${object}`);
}

function bridgeFdb(ns: NetNs, argv: readonly string[], args: readonly string[]): ExecResult {
  const sub = iproute2Subcommand(args[0], ['add', 'append', 'delete', 'replace', 'show', 'list', 'lst', 'get', 'flush', 'help']);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "bridge fdb help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'bridge fdb', sub, ['get']);
  let dev: string | undefined;
  let br: string | undefined;
  const rest = args.slice(1);
  for (let j = 0; j < rest.length; j++) {
    const arg = rest[j]!;
    if (arg === 'dev' || arg === 'brport') dev = rest[++j];
    else if (arg === 'br') br = rest[++j];
    else return notEmulated(argv, `the ${arg} selector`);
  }
  for (const name of [dev, br]) {
    if (name !== undefined && !linkByName(ns, name)) return fail(255, `Cannot find device "${name}"`);
  }
  if (br === undefined) return ok(renderBridgeFdb(ns, dev !== undefined ? { dev } : {}));
  const bridge = br;
  // `br BR` keeps the bridge and its ports; `dev` is still printed unless a port was named too.
  const selected = ns.links.filter((l) => (l.name === bridge || l.bridgePort?.bridge === bridge) && (dev === undefined || l.name === dev));
  return ok(
    (function* (): Lines {
      for (const link of selected) for (const entry of deviceFdb(ns, link)) yield fdbLine(entry, dev === undefined);
    })(),
  );
}

function bridgeLink(ns: NetNs, argv: readonly string[], args: readonly string[]): ExecResult {
  const sub = iproute2Subcommand(args[0], ['set', 'show', 'list', 'lst', 'help']);
  if (sub === undefined) return fail(255, `Command "${args[0]}" is unknown, try "bridge link help".`);
  if (sub !== 'show') return notEmulatedSubcommand(argv, 'bridge link', sub);
  let dev: string | undefined;
  const rest = args.slice(1);
  for (let j = 0; j < rest.length; j++) {
    if (rest[j] === 'dev') dev = rest[++j];
    else return notEmulated(argv, `the ${rest[j]} selector`);
  }
  if (dev !== undefined && !linkByName(ns, dev)) return fail(255, `Cannot find device "${dev}"`);
  return ok(renderBridgeLink(ns, dev === undefined ? ns.links : ns.links.filter((l) => l.name === dev)));
}
