/**
 * Trace endpoints as people name them: a pod (`pod-a`, `default/pod-a`,
 * `pod-a:nginx`), a node, `external` (a client outside the cluster), a
 * service (`svc/web`, `svc/kube-system/kube-dns:53`, `svc/web:http`), a DNS
 * name resolved as the sending pod would (`web`, `web.default`,
 * `web.default.svc.cluster.local`), or a bare IP (whatever owns it), with an
 * optional `:port`.
 */
import { UsageError } from '../diagnostics/diagnostic.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import { resolveNetnsTarget, type NetnsTarget } from '../model/resolve.js';
import type { Cluster } from '../model/types.js';
import { podResolvConf, resolveName, usesClusterDns } from '../model/dns.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { L4Protocol } from '../flow/packet.js';
import type { Dataplane } from './build.js';
import { EXTERNAL_CLIENT } from './external.js';

export interface TraceEndpoint {
  /** What to print: `pod-a`, `node-02`, `10.244.2.2`, `svc/web`. */
  readonly label: string;
  readonly ip: IPv4;
  /** The namespace the endpoint lives in, when it is inside the cluster. */
  readonly ns?: NetNs;
  readonly port?: number;
  /** The protocol a service port implies (`svc/kube-dns:53` is udp). */
  readonly protocol?: L4Protocol;
  /** How a name became the address (DNS search, service lookup), for the trace header. */
  readonly resolvedBy?: string;
}

/** Splits a trailing `:port` off (a container name is not a number). */
function splitPort(text: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) return [text, undefined];
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`port ${m[2]} is out of range`, 'ports are 1 to 65535');
  return [m[1]!, port];
}

/**
 * `from` is the sender, when known: a pod resolves names through its own
 * /etc/resolv.conf search path (its namespace first).
 */
export function resolveTraceEndpoint(dataplane: Dataplane, text: string, from?: TraceEndpoint): TraceEndpoint {
  if (text.startsWith('svc/')) return resolveService(dataplane.cluster, text);
  const [name, port] = splitPort(text);
  const withPort = port !== undefined ? { port } : {};
  if (name === 'external') return { label: 'external', ip: EXTERNAL_CLIENT.ip, ns: dataplane.externalNetns(), ...withPort };
  const ip = parseIPv4(name);
  if (ip !== undefined) return { label: formatIPv4(ip), ip, ...ownerOf(dataplane, ip), ...withPort };
  let target;
  try {
    target = resolveNetnsTarget(dataplane.cluster, name);
  } catch (error) {
    // Not a node or pod: perhaps a DNS name (`web`, `web.default.svc.cluster.local`).
    const resolved = error instanceof UsageError ? resolveDnsName(dataplane, name, from) : undefined;
    if (!resolved) throw error;
    return { ...resolved, ...withPort };
  }
  if (target.kind === 'node') {
    return { label: target.node.name, ip: target.node.ip, ns: dataplane.nodeNetns(target.node), ...withPort };
  }
  return { label: target.pod.name, ip: target.pod.ip, ns: dataplane.podNetns(target.pod), ...withPort };
}

/**
 * A sender: an endpoint with a namespace of its own to send from (a pod, a
 * node, `external`, or an address one of them owns). A service or an
 * address nobody in the cluster owns cannot send: a usage error, said the
 * same way by trace, diff --pair, --traffic and the lab runner.
 */
export function resolveTraceSource(dataplane: Dataplane, text: string): TraceEndpoint & { readonly ns: NetNs } {
  const from = resolveTraceEndpoint(dataplane, text);
  if (!from.ns) throw new UsageError(`cannot send from ${text}: it is not a pod or node of this cluster`);
  return from as TraceEndpoint & { readonly ns: NetNs };
}

/** `svc/NAME`, `svc/NS/NAME`, with `:PORT` (a number or the port's name); default: the first port. */
function resolveService(cluster: Cluster, text: string): TraceEndpoint {
  const body = text.slice(4);
  const colon = body.lastIndexOf(':');
  const ref = colon < 0 ? body : body.slice(0, colon);
  const portText = colon < 0 ? undefined : body.slice(colon + 1);
  const key = ref.includes('/') ? ref : `default/${ref}`;
  const service = cluster.serviceByKey.get(key) ?? (ref.includes('/') ? undefined : uniqueByName(cluster, ref));
  if (!service) {
    throw new UsageError(
      `no service named "${ref}"`,
      didYouMean(
        ref,
        cluster.services.map((s) => (s.namespace === 'default' ? s.name : s.key)),
      ) ?? 'netlab validate lists the services',
    );
  }
  if (service.headless || service.clusterIP === undefined) {
    throw new UsageError(
      `service ${service.key} is headless: it has no cluster IP to send to`,
      `trace to one of its pods, or its DNS name ${service.name}.${service.namespace}.svc.${cluster.topology.network.clusterDomain}`,
    );
  }
  const port = portText === undefined ? service.ports[0] : service.ports.find((p) => String(p.port) === portText || p.name === portText);
  if (!port) {
    throw new UsageError(
      `service ${service.key} has no port ${portText}`,
      `its ports: ${service.ports.map((p) => (p.name ? `${p.name} ${p.port}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(', ')}`,
    );
  }
  return {
    label: `svc/${service.namespace === 'default' ? service.name : service.key}`,
    ip: service.clusterIP,
    port: port.port,
    protocol: port.protocol === 'UDP' ? 'udp' : 'tcp',
    resolvedBy: `service ${service.key} cluster IP ${formatIPv4(service.clusterIP)}, port ${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol}`,
  };
}

function uniqueByName(cluster: Cluster, name: string) {
  const matches = cluster.services.filter((s) => s.name === name);
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * A name resolved as the sender would: a pod through its resolv.conf search
 * path (CoreDNS's answers); anything else as a fully qualified name.
 */
function resolveDnsName(dataplane: Dataplane, name: string, from: TraceEndpoint | undefined): TraceEndpoint | undefined {
  const cluster = dataplane.cluster;
  const pod = from?.ns?.kind === 'pod' ? cluster.podByKey.get(from.ns.displayName) : undefined;
  const conf = pod && usesClusterDns(pod) ? podResolvConf(cluster, pod.namespace) : { search: [], ndots: 1 };
  const resolution = resolveName(cluster, name, conf);
  const answer = resolution.answer;
  if (answer.kind !== 'A' || answer.addresses.length === 0) return undefined;
  const ip = answer.addresses[0]!;
  const asked = resolution.tried.map((t) => t.name).join(', ');
  const resolvedBy = `DNS: ${answer.name} A ${formatIPv4(ip)} (asked ${asked})`;
  // A service name means its service: default to its first port, as svc/NAME does.
  const service = answer.service && !answer.service.headless ? answer.service : undefined;
  const port = service?.ports[0];
  const servicePort = port ? { port: port.port, protocol: port.protocol === 'UDP' ? ('udp' as const) : ('tcp' as const) } : {};
  return {
    label: name,
    ip,
    ...ownerOf(dataplane, ip),
    ...servicePort,
    resolvedBy: port ? `${resolvedBy}, service port ${port.port}/${port.protocol}` : resolvedBy,
  };
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

/** The netns a node or pod target names (a hostNetwork pod's is its node's). */
export function netnsOfTarget(dataplane: Dataplane, target: NetnsTarget): NetNs {
  return target.kind === 'node' ? dataplane.nodeNetns(target.node) : dataplane.podNetns(target.pod);
}

/** The netns of a node or pod named as people name it (`node-02`, `pod-a`, `default/pod-a`); a UsageError with a did-you-mean otherwise. */
export function netnsOf(dataplane: Dataplane, text: string): NetNs {
  return netnsOfTarget(dataplane, resolveNetnsTarget(dataplane.cluster, text));
}
