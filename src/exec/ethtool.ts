/** ethtool 6.1: `ethtool DEV`, `ethtool -S DEV`, `ethtool -i DEV`, with its exit codes. */
import { linkByName, type NetNs } from '../kernel/netns.js';
import { ETHTOOL_NO_DEVICE, ethtoolDriverInfo, ethtoolStats, isEthtoolError, renderEthtoolSettings } from '../render/ethtool.js';
import { notEmulated } from './not-emulated.js';
import { countersIn, fail, ok, type ExecContext, type ExecResult } from './types.js';

export function runEthtool(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  const [, first, second, ...extra] = argv;
  if (first === undefined) return fail(1, 'ethtool: bad command line argument(s)', 'For more information run ethtool -h');
  if (extra.length > 0) return notEmulated(argv);
  if (!first.startsWith('-')) {
    if (second !== undefined) return notEmulated(argv);
    const link = linkByName(ns, first);
    if (!link) {
      // ethtool 6.1 asks netlink for five setting groups, each failing twice.
      const once = ['netlink error: no device matches name (offset 24)', 'netlink error: No such device'];
      return { stdout: ['No data available'], stderr: [...once, ...once, ...once, ...once, ...once], exitCode: 75 };
    }
    return ok(renderEthtoolSettings(ns, link));
  }
  const stats = first === '-S' || first === '--statistics';
  const driver = first === '-i' || first === '--driver';
  if (!stats && !driver) return notEmulated(argv, `ethtool ${first}`);
  if (second === undefined) return fail(1, 'ethtool: bad command line argument(s)', 'For more information run ethtool -h');
  const link = linkByName(ns, second);
  if (!link) {
    const error = stats ? ETHTOOL_NO_DEVICE.stats : ETHTOOL_NO_DEVICE.driver;
    return fail(error.exitCode, error.stderr);
  }
  const out = stats ? ethtoolStats(link, countersIn(ctx, ns)(link)) : ethtoolDriverInfo(link);
  return isEthtoolError(out) ? fail(out.exitCode, out.stderr) : ok(out);
}
