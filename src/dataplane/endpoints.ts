/**
 * Trace endpoints as people name them: a pod (`pod-a`, `default/pod-a`,
 * `pod-a:nginx`), a node, `external` (a client outside the cluster), a bare
 * IP (whatever owns it), with an optional `:port`.
 */
import { UsageError } from '../diagnostics/diagnostic.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import { resolveNetnsTarget } from '../model/resolve.js';
import type { Dataplane } from './build.js';
import { EXTERNAL_CLIENT } from './external.js';

export interface TraceEndpoint {
  /** What to print: `pod-a`, `node-02`, `10.244.2.2`. */
  readonly label: string;
  readonly ip: IPv4;
  /** The namespace the endpoint lives in, when it is inside the cluster. */
  readonly ns?: NetNs;
  readonly port?: number;
}

/** Splits a trailing `:port` off (a container name is not a number). */
function splitPort(text: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) return [text, undefined];
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`port ${m[2]} is out of range`, 'ports are 1 to 65535');
  return [m[1]!, port];
}

export function resolveTraceEndpoint(dataplane: Dataplane, text: string): TraceEndpoint {
  const [name, port] = splitPort(text);
  const withPort = port !== undefined ? { port } : {};
  if (name === 'external') return { label: 'external', ip: EXTERNAL_CLIENT.ip, ns: dataplane.externalNetns(), ...withPort };
  const ip = parseIPv4(name);
  if (ip !== undefined) return { label: formatIPv4(ip), ip, ...ownerOf(dataplane, ip), ...withPort };
  const target = resolveNetnsTarget(dataplane.cluster, name);
  if (target.kind === 'node') {
    return { label: target.node.name, ip: target.node.ip, ns: dataplane.nodeNetns(target.node), ...withPort };
  }
  return { label: target.pod.name, ip: target.pod.ip, ns: dataplane.podNetns(target.pod), ...withPort };
}

/** The namespace owning an address: a pod IP, a node IP, or a node's flannel/cni0 address. */
function ownerOf(dataplane: Dataplane, ip: IPv4): { ns?: NetNs } {
  const cluster = dataplane.cluster;
  const pod = cluster.pods.find((p) => !p.hostNetwork && p.ip === ip);
  if (pod) return { ns: dataplane.podNetns(pod) };
  const node = cluster.nodes.find((n) => n.ip === ip || n.podCIDR.addr === ip || n.podCIDR.addr + 1 === ip);
  if (node) return { ns: dataplane.nodeNetns(node) };
  if (ip === EXTERNAL_CLIENT.ip) return { ns: dataplane.externalNetns() };
  return {};
}
