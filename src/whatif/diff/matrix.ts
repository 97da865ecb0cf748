/**
 * The reachability matrix of one build: a probe from every row endpoint to
 * every column endpoint, walked through the dataplane, each cell keeping
 * the disposition and what the path looked like (for telling "the same
 * answer by another way" from "the same answer").
 */
import { UsageError } from '../../diagnostics/diagnostic.js';
import type { Dataplane } from '../../dataplane/build.js';
import { resolveTraceEndpoint, type TraceEndpoint } from '../../dataplane/endpoints.js';
import { tracePacket, type ProbeOptions } from '../../dataplane/probes.js';
import type { Disposition, Trace } from '../../flow/trace.js';
import { WalkSession } from '../../dataplane/walk/session.js';
import type { MatrixAxes, MatrixEndpoint } from './endpoints.js';
import { traceOutcome } from './outcome.js';

export interface Cell {
  readonly disposition: Disposition;
  readonly summary: string;
  readonly hops: number;
  /** The TTL the receiver saw (delivered only). */
  readonly ttl?: number;
  /** Tunnels crossed, in order (`vxlan`, `flannel-udp`). */
  readonly encap: readonly string[];
  /** Where the walk ended (`default/pod-b`): a service may answer from another endpoint. */
  readonly at: string;
  /** Where the packet went and by which devices: equal paths have equal signatures. */
  readonly path: string;
}

/** A cell, or `absent` when an endpoint does not exist in this build. */
export type CellOrAbsent = Cell | 'absent';

export interface Matrix {
  /** `rowRef -> columnRef -> cell`; a pod's cell to itself is absent from the map. */
  readonly cells: ReadonlyMap<string, ReadonlyMap<string, CellOrAbsent>>;
}

export function cellOf(trace: Trace): Cell {
  const encap = trace.hops.flatMap((h) => h.steps.flatMap((s) => (s.kind === 'encap' ? [s.tunnel] : [])));
  return {
    ...traceOutcome(trace),
    encap,
    at: trace.hops[trace.hops.length - 1]?.name ?? '',
    path:
      trace.hops.map((h) => `${h.where}[${h.inDev ?? ''}>${h.outDev ?? ''}]`).join(' ') + (encap.length ? ` via ${encap.join(',')}` : ''),
  };
}

interface Resolved {
  readonly endpoint: TraceEndpoint;
  /** Service ports are probed with their own protocol and port. */
  readonly probe?: ProbeOptions;
}

/** Resolves an endpoint in this build; undefined when it does not exist here. */
function resolve(dataplane: Dataplane, endpoint: MatrixEndpoint): Resolved | undefined {
  if (endpoint.target) return resolveService(dataplane, endpoint);
  try {
    return { endpoint: resolveTraceEndpoint(dataplane, endpoint.ref) };
  } catch (e) {
    if (e instanceof UsageError) return undefined;
    throw e;
  }
}

function resolveService(dataplane: Dataplane, endpoint: MatrixEndpoint): Resolved | undefined {
  const target = endpoint.target!;
  const cluster = dataplane.cluster;
  const service = cluster.serviceByKey.get(target.service);
  const port = service?.ports.find((p) => p.port === target.port);
  if (!service || !port || port.protocol === 'SCTP') return undefined;
  const protocol = port.protocol === 'UDP' ? 'udp' : 'tcp';
  if (target.node === undefined) {
    if (service.clusterIP === undefined) return undefined;
    return { endpoint: { label: endpoint.label, ip: service.clusterIP, port: port.port }, probe: { protocol, dport: port.port } };
  }
  const node = cluster.nodeByName.get(target.node);
  if (!node || port.nodePort === undefined) return undefined;
  return { endpoint: { label: endpoint.label, ip: node.ip, port: port.nodePort }, probe: { protocol, dport: port.nodePort } };
}

/** `onCell`: called after each cell with how many are done and how many there are (for a progress line). */
export function computeMatrix(
  dataplane: Dataplane,
  axes: MatrixAxes,
  probe: ProbeOptions = {},
  onCell?: (done: number, total: number) => void,
): Matrix {
  // The dataplane's one underlay for every walk; each walk gets its own session (no conntrack carried between cells).
  const underlay = dataplane.underlay();
  const columns = axes.columns.map((c) => [c, resolve(dataplane, c)] as const);
  const cells = new Map<string, Map<string, CellOrAbsent>>();
  const total = axes.rows.length * axes.columns.length;
  let done = 0;
  for (const row of axes.rows) {
    const from = resolve(dataplane, row);
    const line = new Map<string, CellOrAbsent>();
    cells.set(row.ref, line);
    for (const [column, to] of columns) {
      if (column.ref !== row.ref) {
        if (!from?.endpoint.ns || !to) {
          line.set(column.ref, 'absent');
        } else {
          const run = tracePacket(dataplane, from.endpoint, to.endpoint, to.probe ?? probe, false, new WalkSession(dataplane, underlay));
          line.set(column.ref, cellOf(run.request));
        }
      }
      onCell?.(++done, total);
    }
  }
  return { cells };
}
