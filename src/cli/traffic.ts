/**
 * `--traffic "FROM TO [COUNT]"` (declared in traffic-option.ts): walk
 * packets (each with its answer) before a view is printed, so the counters
 * in `ip -s link`, `ifconfig` and `netlab show stats` move as they would
 * after that traffic on a real node.
 */
import { UsageError } from '../diagnostics/diagnostic.js';
import type { Dataplane } from '../dataplane/build.js';
import { resolveTraceEndpoint } from '../dataplane/endpoints.js';
import { EPHEMERAL_SPORT, newSession, tracePacket } from '../dataplane/probes.js';
import { KernelState } from '../dataplane/kernel-state.js';
import type { TrafficSpec } from './traffic-option.js';

export type { TrafficSpec } from './traffic-option.js';

/** What the traffic left in the kernels: device counters, the tables `conntrack -L` and `ipvsadm -Lnc` list, affinities. */
export type TrafficState = KernelState;

/**
 * Walks the traffic through the dataplane; what it counted on the devices
 * and the flows of the conntrack and IPVS connection tables are in the
 * returned state.
 */
export function sendTraffic(dataplane: Dataplane, specs: readonly TrafficSpec[]): TrafficState {
  const state = new KernelState();
  specs.forEach((spec, index) => {
    const from = resolveTraceEndpoint(dataplane, spec.from);
    const to = resolveTraceEndpoint(dataplane, spec.to, from);
    if (!from.ns) throw new UsageError(`--traffic cannot send from ${spec.from}: not a pod or node of this cluster`);
    // Each --traffic is one connection with its own ephemeral port (two to one backend stay two
    // flows for conntrack and IPVS); its COUNT packets belong to that connection.
    const options = { sport: EPHEMERAL_SPORT + index };
    for (let i = 0; i < spec.count; i++) tracePacket(dataplane, from, to, options, true, newSession(dataplane, undefined, state));
  });
  return state;
}
