/** bridge-utils 1.7.1 `brctl show [BR]`, `brctl showmacs BR`, `brctl showstp BR`, with its error texts. */
import { linkByName, type NetNs } from '../kernel/netns.js';
import { renderBrctlShow, renderBrctlShowmacs, renderBrctlShowstp } from '../render/brctl.js';
import { CHANGES_STATE, notEmulated } from './not-emulated.js';
import { fail, ok, type ExecResult } from './types.js';

const USAGE = [
  'Usage: brctl [commands]',
  'commands:',
  '\taddbr     \t<bridge>\t\tadd bridge',
  '\tdelbr     \t<bridge>\t\tdelete bridge',
  '\taddif     \t<bridge> <device>\tadd interface to bridge',
  '\tdelif     \t<bridge> <device>\tdelete interface from bridge',
  '\thairpin   \t<bridge> <port> {on|off}\tturn hairpin on/off',
  '\tsetageing \t<bridge> <time>\t\tset ageing time',
  '\tsetbridgeprio\t<bridge> <prio>\t\tset bridge priority',
  '\tsetfd     \t<bridge> <time>\t\tset bridge forward delay',
  '\tsethello  \t<bridge> <time>\t\tset hello time',
  '\tsetmaxage \t<bridge> <time>\t\tset max message age',
  '\tsetpathcost\t<bridge> <port> <cost>\tset path cost',
  '\tsetportprio\t<bridge> <port> <prio>\tset port priority',
  '\tshow      \t[ <bridge> ]\t\tshow a list of bridges',
  '\tshowmacs  \t<bridge>\t\tshow a list of mac addrs',
  '\tshowstp   \t<bridge>\t\tshow bridge stp info',
  '\tstp       \t<bridge> {on|off}\tturn stp on/off',
];

const MUTATING = [
  'addbr',
  'delbr',
  'addif',
  'delif',
  'hairpin',
  'setageing',
  'setbridgeprio',
  'setfd',
  'sethello',
  'setmaxage',
  'setpathcost',
  'setportprio',
  'stp',
];

export function runBrctl(ns: NetNs, argv: readonly string[]): ExecResult {
  const command = argv[1];
  if (command === undefined) return fail(1, ...USAGE);
  if (MUTATING.includes(command)) return notEmulated(argv, CHANGES_STATE);
  const name = argv[2];
  const link = name !== undefined ? linkByName(ns, name) : undefined;
  switch (command) {
    case 'show':
      if (name === undefined) return ok(renderBrctlShow(ns));
      if (!link) return fail(1, `bridge ${name} does not exist!`);
      if (link.info.kind !== 'bridge') return fail(1, `device ${name} is not a bridge!`);
      return ok(renderBrctlShow(ns, link));
    case 'showmacs':
    case 'showstp':
      if (name === undefined) return fail(1, ...USAGE.slice(0, 1), `Incorrect number of arguments for command`);
      if (!link)
        return fail(1, command === 'showmacs' ? 'read of forward table failed: No such device' : `${name}: can't get info No such device`);
      if (link.info.kind !== 'bridge') {
        return fail(
          1,
          command === 'showmacs'
            ? 'read of forward table failed: Operation not supported'
            : `${name}: can't get info Operation not supported`,
        );
      }
      return ok(command === 'showmacs' ? renderBrctlShowmacs(ns, link) : renderBrctlShowstp(ns, link));
    default:
      return fail(1, ...USAGE, `never heard of command [${command}]`);
  }
}
