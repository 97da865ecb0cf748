/** The host argument of ping, traceroute and curl, resolved as the tool in that netns would resolve it. */
import type { NetNs } from '../kernel/netns.js';
import { podResolvConf, resolveName, usesClusterDns } from '../model/dns.js';
import type { Cluster } from '../model/types.js';
import { parseIPv4, type IPv4 } from '../net/ipv4.js';

/**
 * An address as given; a name through the pod's resolv.conf search path
 * (CoreDNS's answers), its first A record, with `name` the canonical name
 * the tools print. Undefined when nothing answers, as for any name outside
 * a pod (a node's resolver is outside netlab's model).
 */
export function resolveHost(cluster: Cluster, ns: NetNs, host: string): { ip: IPv4; name?: string } | undefined {
  const ip = parseIPv4(host);
  if (ip !== undefined) return { ip };
  const pod = ns.kind === 'pod' ? cluster.podByKey.get(ns.displayName) : undefined;
  const answer = pod && usesClusterDns(pod) ? resolveName(cluster, host, podResolvConf(cluster, pod.namespace)).answer : undefined;
  return answer?.kind === 'A' && answer.addresses.length > 0 ? { ip: answer.addresses[0]!, name: answer.name } : undefined;
}
