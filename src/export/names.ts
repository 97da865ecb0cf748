/**
 * The names an exported lab gives what it creates on a real host: one
 * network namespace per node, per pod, per underlay segment and one for the
 * router, and the underlay's own interface names. Every namespace name
 * starts with the lab's prefix so two labs (or two copies of one) can live
 * side by side and a teardown deletes exactly its own.
 *
 * The one documented exception to "names as netlab prints them": a pod's
 * namespace is `<prefix>cni-<uuid>`, not containerd's bare `cni-<uuid>`
 * (src/model/names.ts podNetnsName), because the uuid is a hash of the pod's
 * key and would collide between two labs with the same pods. A host veth
 * therefore prints `link-netns <prefix>cni-<uuid>` where netlab prints
 * `link-netns cni-<uuid>`; the conformance suite strips the prefix
 * (test/golden/accepted-differences.ts).
 */
import type { Cluster, Node, Pod, Subnet } from '../model/types.js';
import { podNetnsName } from '../model/names.js';
import { interfaceNameProblem } from '../net/ifname.js';

/** What a prefix may contain: it ends up in /run/netns file names and shell words. */
const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export interface LabNames {
  readonly prefix: string;
  node(node: Node): string;
  pod(pod: Pod): string;
  /** The namespace holding a segment's bridge `br0`. */
  underlay(subnet: Subnet): string;
  readonly router: string;
  /** The client outside the cluster (netlab's `external`). */
  readonly external: string;
  /** The underlay end (in the segment's namespace) of a host's eth0: a node's, or `external`'s. */
  underlayPort(segment: Subnet, host: string): string;
  /** The underlay end of the router's leg on a segment. */
  readonly routerPort: string;
  /** The segment's bridge in its namespace. */
  readonly underlayBridge: string;
}

/** `nl-<metadata.name>-`, reduced to the characters a prefix may hold. */
export function defaultPrefix(metadataName: string): string {
  const clean = metadataName
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  return `nl-${clean || 'lab'}-`;
}

/** Why a prefix cannot be used, or undefined when it can. */
export function prefixProblem(prefix: string): string | undefined {
  if (!PREFIX_RE.test(prefix)) {
    return `prefix "${prefix}" must be 1 to 40 characters of letters, digits, '.', '_' and '-', starting with a letter or digit`;
  }
  return undefined;
}

export function labNames(cluster: Cluster, prefix: string): LabNames {
  const ports = new Map<string, Map<string, string>>();
  return {
    prefix,
    node: (node) => `${prefix}${node.name}`,
    pod: (pod) => `${prefix}${podNetnsName(pod.namespace, pod.name)}`,
    underlay: (subnet) => `${prefix}ul-${subnet.name}`,
    router: `${prefix}router`,
    external: `${prefix}external`,
    underlayPort: (segment, host) => {
      let names = ports.get(segment.name);
      if (!names)
        ports.set(segment.name, (names = portNames(cluster.nodes.filter((n) => n.subnet.name === segment.name).map((n) => n.name))));
      const name = names.get(host) ?? `to-${host}`;
      if (interfaceNameProblem(name) !== undefined) throw new Error(`bug: underlay port name ${name} for a host not on ${segment.name}`);
      return name;
    },
    routerPort: 'to-router',
    underlayBridge: 'br0',
  };
}

/**
 * `to-<host>` (as test/golden/capture.sh names them) when that fits in an
 * interface name and is unique on its segment, else `to-n<position>`.
 */
function portNames(hosts: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set(['to-router', 'br0', 'lo']);
  hosts.forEach((host, i) => {
    let name = `to-${host}`;
    if (interfaceNameProblem(name) !== undefined || taken.has(name)) name = `to-n${i + 1}`;
    taken.add(name);
    names.set(host, name);
  });
  return names;
}

/**
 * Every namespace the lab creates, in creation order (underlay segments,
 * the router, the external client, then each node followed by its pods),
 * with the first clash between two of them (a node named `router`, say)
 * reported.
 */
export function labNetnsNames(
  cluster: Cluster,
  names: LabNames,
  segments: readonly Subnet[],
  withRouter: boolean,
  withExternal: boolean,
): { readonly all: string[]; readonly clash?: string } {
  const all: string[] = segments.map((s) => names.underlay(s));
  if (withRouter) all.push(names.router);
  if (withExternal) all.push(names.external);
  for (const node of cluster.nodes) {
    all.push(names.node(node));
    for (const pod of node.pods) if (!pod.hostNetwork) all.push(names.pod(pod));
  }
  const seen = new Set<string>();
  for (const name of all) {
    if (seen.has(name)) return { all, clash: name };
    seen.add(name);
  }
  return { all };
}
