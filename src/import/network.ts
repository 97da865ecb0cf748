/**
 * The cluster's address plan: the pod network, the service network, the
 * cluster domain and the size of each node's pod range. Taken from what
 * configures them when the input has it (the CNI's own configuration,
 * kubeadm's ClusterConfiguration, kube-proxy's clusterCIDR), otherwise
 * inferred from the addresses in use, and said so.
 */
import { cidr, contains, formatCidr, parseCidr, type Cidr } from '../net/cidr.js';
import { formatIPv4, parseIPv4, type IPv4 } from '../net/ipv4.js';
import type { ImportContext } from './context.js';
import type { ImportedNode } from './nodes.js';

export interface AddressPlan {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly clusterDomain: string;
  readonly nodeCIDRMaskSize: number;
}

const DEFAULT_POD_CIDR = '10.244.0.0/16';
const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
const DEFAULT_DOMAIN = 'cluster.local';
/** kube-apiserver refuses a service range larger than this (20 host bits). */
const WIDEST_SERVICE_PREFIX = 12;

/** The first IPv4 range of a comma-separated list (kubeadm and kube-proxy write dual-stack ranges so). */
function firstIPv4Range(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  for (const part of text.split(',')) {
    const parsed = parseCidr(part.trim());
    if (parsed) return formatCidr(parsed);
  }
  return undefined;
}

/**
 * A round range around every address: the longest prefix holding them all,
 * widened to /`roundTo` (real ranges are round); undefined when even
 * /`widest` cannot hold them.
 */
function covering(addresses: readonly IPv4[], roundTo: number, widest: number): Cidr | undefined {
  if (addresses.length === 0) return undefined;
  for (let len = 32; len >= widest; len--) {
    const c = cidr(addresses[0]!, len);
    if (addresses.every((a) => contains(c, a))) return cidr(addresses[0]!, Math.min(len, roundTo));
  }
  return undefined;
}

export function importAddressPlan(context: ImportContext, nodes: readonly ImportedNode[]): AddressPlan {
  const { options, config, notes, objects } = context;
  const podIps = objects.pods
    .flatMap((p) => (p.object.spec.hostNetwork ? [] : [parseIPv4(p.object.status?.podIP ?? '')]))
    .filter((x): x is IPv4 => x !== undefined);
  const nodeRanges = nodes.flatMap((n) => (n.podCIDR !== undefined ? [parseCidr(n.podCIDR)!] : []));

  // The pod network: what the CNI is configured with first, since it is what routes pods.
  const pool = config.ipPools.find((p) => parseCidr(p.spec.cidr) !== undefined);
  const podSources: [string | undefined, string][] = [
    [options.podCIDR, '--pod-cidr'],
    [firstIPv4Range(config.flannel?.netConf.Network), `flannel's Network (${config.flannel?.from})`],
    [pool && firstIPv4Range(pool.spec.cidr), `calico's IP pool ${pool?.metadata.name}`],
    [firstIPv4Range(config.kubeadm?.networking?.podSubnet), "kubeadm's podSubnet (kube-system/kubeadm-config)"],
    [firstIPv4Range(config.kubeProxy?.config.clusterCIDR), "kube-proxy's clusterCIDR (kube-system/kube-proxy)"],
  ];
  let podCIDR = podSources.find(([v]) => v !== undefined);
  if (podCIDR !== undefined) {
    if (podCIDR[1] !== '--pod-cidr') notes.inferred(`pod network ${podCIDR[0]} from ${podCIDR[1]}`);
  } else {
    const starts = [...nodeRanges.map((r) => r.addr), ...podIps];
    const guess = covering(starts, 16, 8);
    podCIDR = [guess ? formatCidr(guess) : DEFAULT_POD_CIDR, ''];
    notes.assumed(
      guess
        ? `pod network ${podCIDR[0]}: a /16 (or wider) around the node pod ranges and pod IPs (--pod-cidr; kubeadm-config or the CNI's configuration in the input say it exactly)`
        : `pod network ${DEFAULT_POD_CIDR}, kubeadm's usual (--pod-cidr)`,
    );
  }
  if (config.ipPools.length > 1)
    notes.notExpressible(
      'calico IP pools beyond the first (netlab has one pool)',
      config.ipPools
        .slice(1)
        .map((p) => `${p.metadata.name} ${p.spec.cidr}`)
        .join(', '),
    );

  // The service network: kubeadm says it; else the kubernetes service sits at its first address.
  const clusterIps = objects.services.flatMap((s) => [parseIPv4(s.object.spec.clusterIP ?? '')]).filter((x): x is IPv4 => x !== undefined);
  const kubernetes = objects.services.find((s) => s.object.metadata.namespace === 'default' && s.object.metadata.name === 'kubernetes');
  const kubernetesIp = parseIPv4(kubernetes?.object.spec.clusterIP ?? '');
  let serviceCIDR = options.serviceCIDR ?? firstIPv4Range(config.kubeadm?.networking?.serviceSubnet);
  if (serviceCIDR !== undefined && options.serviceCIDR === undefined)
    notes.inferred(`service network ${serviceCIDR} from kubeadm's serviceSubnet (kube-system/kubeadm-config)`);
  if (serviceCIDR === undefined) {
    const guess =
      kubernetesIp !== undefined ? serviceRangeAt(kubernetesIp - 1, clusterIps) : covering(clusterIps, 16, WIDEST_SERVICE_PREFIX);
    serviceCIDR = guess ? formatCidr(guess) : DEFAULT_SERVICE_CIDR;
    notes.assumed(
      guess
        ? `service network ${serviceCIDR}: ${kubernetesIp !== undefined ? `the kubernetes service's ${formatIPv4(kubernetesIp)} is its first address, ` : ''}the widest range kube-apiserver allows that holds every cluster IP (--service-cidr; kubeadm-config in the input says it exactly)`
        : `service network ${DEFAULT_SERVICE_CIDR}, kubeadm's default (--service-cidr)`,
    );
  }

  const domain = config.kubeadm?.networking?.dnsDomain;
  if (domain === undefined && objects.services.length > 0)
    notes.assumed(`cluster domain ${DEFAULT_DOMAIN} (kubeadm-config in the input says it)`);

  const lengths = new Map<number, number>();
  for (const r of nodeRanges) lengths.set(r.len, (lengths.get(r.len) ?? 0) + 1);
  const mask = [...lengths.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 24;
  if (lengths.size > 1)
    notes.notExpressible(
      'node pod ranges of several sizes (netlab has one nodeCIDRMaskSize)',
      [...lengths.keys()].map((l) => `/${l}`).join(', '),
    );

  return { podCIDR: podCIDR[0]!, serviceCIDR, clusterDomain: domain ?? DEFAULT_DOMAIN, nodeCIDRMaskSize: mask };
}

/** The widest range (down to /12) whose network address is `network` and that holds every cluster IP. */
function serviceRangeAt(network: IPv4, clusterIps: readonly IPv4[]): Cidr | undefined {
  for (let len = WIDEST_SERVICE_PREFIX; len <= 30; len++) {
    const c = cidr(network, len);
    if (c.addr === network && clusterIps.every((ip) => contains(c, ip))) return c;
  }
  return undefined;
}
