/**
 * `calicoctl node status` and `birdcl show protocols`, run on a calico
 * node (inside calico-node, as `kubectl exec` would). Elsewhere they fail
 * the way the real tools do when calico-node is not there.
 */
import { bgpPeers, birdRuns } from '../cni/calico/bird.js';
import type { NetNs } from '../kernel/netns.js';
import { renderBirdProtocols, renderNodeStatus } from '../render/calico.js';
import { notEmulated } from './not-emulated.js';
import { execClock, fail, ok, type ExecContext, type ExecResult } from './types.js';

function calicoNode(ns: NetNs, ctx: ExecContext) {
  const cluster = ctx.dataplane?.cluster;
  const cni = cluster?.topology.network.cni;
  const node = ns.id.startsWith('node/') ? cluster?.nodeByName.get(ns.id.slice(5)) : undefined;
  return cluster && node && cni?.plugin === 'calico' ? { cluster, node, cni } : undefined;
}

export function runCalicoctl(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  if (argv[1] !== 'node' || argv[2] !== 'status' || argv.length > 3)
    return notEmulated(argv, 'calicoctl node status is the only calicoctl command netlab emulates');
  const calico = calicoNode(ns, ctx);
  if (!calico) return fail(1, 'Calico process is not running.');
  return ok(renderNodeStatus(bgpPeers(calico.cluster, calico.cni, calico.node), birdRuns(calico.cni), execClock(ctx)));
}

export function runBirdcl(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  let words = argv.slice(1);
  if (words[0] === '-s') words = words.slice(2);
  if (words.join(' ') !== 'show protocols') return notEmulated(argv, 'birdcl show protocols is the only BIRD command netlab emulates');
  const calico = calicoNode(ns, ctx);
  if (!calico || !birdRuns(calico.cni))
    return fail(1, 'Unable to connect to server control socket (/var/run/calico/bird.ctl): No such file or directory');
  return ok(renderBirdProtocols(bgpPeers(calico.cluster, calico.cni, calico.node), execClock(ctx)));
}
