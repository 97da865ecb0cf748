/**
 * kube-proxy's nftables names (pkg/proxy/nftables/proxier.go, v1.33): the
 * fixed chains, sets and maps of its `ip kube-proxy` table, and the
 * per-service ones. A per-service name is a prefix plus hashAndTruncate of
 * `namespace/name/protocol/portName` (endpoints add `__ip/port`): the first
 * 8 characters of the base32 (RFC 4648) sha256 of that text, a dash, then
 * the text itself, cut to 240 characters with `...` if longer (which an
 * IPv4 name never is). Unlike iptables' KUBE-SVC-* names these stay
 * readable:
 *
 *   ns1/svc1:p80 tcp           -> service-ULMVA6XW-ns1/svc1/tcp/p80
 *   ns1/svc1:p80 10.180.0.1:80 -> endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
 */
import { base32Prefix, sha256 } from '../iptables/chain-names.js';

export const KUBE_PROXY_TABLE = 'kube-proxy';
export const TABLE_COMMENT = 'rules for kube-proxy';

// Base chains: "${type}-${hook}" (the output hook has two filter chains, before and after DNAT).
export const FILTER_PREROUTING = 'filter-prerouting';
export const FILTER_INPUT = 'filter-input';
export const FILTER_FORWARD = 'filter-forward';
export const FILTER_OUTPUT = 'filter-output';
export const FILTER_OUTPUT_POST_DNAT = 'filter-output-post-dnat';
export const NAT_PREROUTING = 'nat-prerouting';
export const NAT_OUTPUT = 'nat-output';
export const NAT_POSTROUTING = 'nat-postrouting';

// Service dispatch.
export const SERVICES = 'services';
export const SERVICE_IPS = 'service-ips';
export const SERVICE_NODEPORTS = 'service-nodeports';
export const NODEPORT_IPS = 'nodeport-ips';
export const CLUSTER_IPS = 'cluster-ips';

// Services without (usable) endpoints.
export const SERVICE_ENDPOINTS_CHECK = 'service-endpoints-check';
export const NODEPORT_ENDPOINTS_CHECK = 'nodeport-endpoints-check';
export const NO_ENDPOINT_SERVICES = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
export const REJECT_CHAIN = 'reject-chain';

// Traffic to unallocated cluster IPs and to ports a cluster IP does not serve.
export const CLUSTER_IPS_CHECK = 'cluster-ips-check';

// loadBalancerSourceRanges.
export const FIREWALL_IPS = 'firewall-ips';
export const FIREWALL_CHECK = 'firewall-check';

// Masquerading.
export const MARK_FOR_MASQUERADE = 'mark-for-masquerade';
export const MASQUERADING = 'masquerading';

/** knftables.NameLengthMax minus the longest prefix kube-proxy puts before a base. */
const CHAIN_NAME_BASE_MAX = 256 - 16;

/** hashAndTruncate: `HASH8-name`, cut to 240 characters (the last three `...`). */
export function hashAndTruncate(name: string): string {
  const out = `${base32Prefix(sha256(name), 8)}-${name}`;
  return out.length > CHAIN_NAME_BASE_MAX ? `${out.slice(0, CHAIN_NAME_BASE_MAX - 3)}...` : out;
}

/** What names one service port: its ServicePortName parts and lower-case protocol. */
export interface ServicePortNameParts {
  readonly namespace: string;
  readonly name: string;
  /** '' for an unnamed port. */
  readonly port: string;
  readonly protocol: string;
}

export interface ServicePortChainNames {
  /** service-*: the endpoints used with Cluster traffic policy. */
  readonly cluster: string;
  /** local-*: this node's endpoints, for Local traffic policies. */
  readonly local: string;
  /** external-*: node ports, external IPs and load balancer addresses. */
  readonly external: string;
  /** firewall-*: loadBalancerSourceRanges. */
  readonly firewall: string;
}

function servicePortBase(p: ServicePortNameParts): string {
  return `${p.namespace}/${p.name}/${p.protocol}/${p.port}`;
}

export function servicePortChainNames(p: ServicePortNameParts): ServicePortChainNames {
  const base = hashAndTruncate(servicePortBase(p));
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

export interface EndpointNames {
  /** endpoint-*: masquerade hairpin traffic, DNAT. */
  readonly chain: string;
  /** affinity-*: the clients that last went to this endpoint (sessionAffinity ClientIP). */
  readonly affinitySet: string;
}

/** The names of one endpoint (`ip:port`) of one service port. */
export function endpointNames(p: ServicePortNameParts, endpointIp: string, endpointPort: number): EndpointNames {
  const base = hashAndTruncate(`${servicePortBase(p)}__${endpointIp}/${endpointPort}`);
  return { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
}
