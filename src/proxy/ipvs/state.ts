/**
 * What kube-proxy's ipvs proxier (Kubernetes v1.33, pkg/proxy/ipvs/proxier.go
 * syncProxyRules) derives from the services for one node: the addresses it
 * binds to kube-ipvs0, the ipset entries, and the IPVS virtual servers with
 * their real servers. Pure: the node build applies it.
 */
import type { IpvsProtocol, IpvsRealServer, IpvsVirtualServer } from '../../kernel/ipvs.js';
import { contains } from '../../net/cidr.js';
import { formatIPv4, type IPv4 } from '../../net/ipv4.js';
import type { Cluster } from '../../model/types.js';
import { categorizeEndpoints, type Categorized } from '../iptables/categorize.js';
import { servicePortMap, type EndpointInfo } from '../iptables/service-ports.js';
import type { NodeView } from '../iptables/service-rules.js';
import * as S from './ipsets.js';

export interface IpvsSync {
  /** Addresses bound to kube-ipvs0, in the order kube-proxy first binds them. */
  readonly bindAddrs: readonly IPv4[];
  readonly entries: S.SetEntries;
}

const ipPort = (ip: IPv4, protocol: string, port: number): string => `${formatIPv4(ip)},${protocol}:${port}`;

/** The ipsets and bound addresses (they do not depend on the node's own addresses, except SCTP node ports). */
export function ipvsSync(cluster: Cluster, node: NodeView, nodeAddresses: readonly IPv4[]): IpvsSync {
  const entries = new S.SetEntries();
  const bind: IPv4[] = [];
  const bound = new Set<IPv4>();
  const bindOnce = (ip: IPv4): void => {
    if (!bound.has(ip)) {
      bound.add(ip);
      bind.push(ip);
    }
  };
  const nodeAddressSet = new Set(nodeAddresses);
  for (const info of servicePortMap(cluster).ports) {
    const proto = info.protocol;
    const hashIpPort = (name: string, ip: IPv4): void =>
      entries.add(name, ipPort(ip, proto, info.port.port), { kind: 'ip,port', ip, protocol: proto, port: info.port.port });
    // Hairpin: every local endpoint, ready or not (kube-proxy reads its endpointsMap unfiltered here).
    for (const { endpoint } of info.endpoints()) {
      if (endpoint.nodeName !== node.name) continue;
      entries.add(S.KUBE_LOOP_BACK, `${ipPort(endpoint.ip, proto, endpoint.port)},${formatIPv4(endpoint.ip)}`, {
        kind: 'ip,port,ip',
        ip: endpoint.ip,
        protocol: proto,
        port: endpoint.port,
        ip2: endpoint.ip,
      });
    }
    hashIpPort(S.KUBE_CLUSTER_IP, info.clusterIP);
    bindOnce(info.clusterIP);
    for (const ip of info.externalIPs) {
      hashIpPort(info.externalPolicyLocal ? S.KUBE_EXTERNAL_IP_LOCAL : S.KUBE_EXTERNAL_IP, ip);
      // An address the node already has elsewhere is not bound again.
      if (!nodeAddressSet.has(ip)) bindOnce(ip);
    }
    for (const ip of info.loadBalancerVIPs) {
      hashIpPort(S.KUBE_LOAD_BALANCER, ip);
      if (info.externalPolicyLocal) hashIpPort(S.KUBE_LOAD_BALANCER_LOCAL, ip);
      if (info.loadBalancerSourceRanges.length > 0) {
        hashIpPort(S.KUBE_LOAD_BALANCER_FW, ip);
        let allowFromNode = false;
        for (const range of info.loadBalancerSourceRanges) {
          entries.add(S.KUBE_LOAD_BALANCER_SOURCE_CIDR, `${ipPort(ip, proto, info.port.port)},${formatIPv4(range.addr)}/${range.len}`, {
            kind: 'ip,port,net',
            ip,
            protocol: proto,
            port: info.port.port,
            net: range,
          });
          if (contains(range, node.ip)) allowFromNode = true;
        }
        // Otherwise kube-proxy also writes a KUBE-IPVS-OUT-FILTER rule (`-m ipvs`), which netlab does not model.
        if (allowFromNode)
          entries.add(S.KUBE_LOAD_BALANCER_SOURCE_IP, `${ipPort(ip, proto, info.port.port)},${formatIPv4(ip)}`, {
            kind: 'ip,port,ip',
            ip,
            protocol: proto,
            port: info.port.port,
            ip2: ip,
          });
      }
      if (!nodeAddressSet.has(ip)) bindOnce(ip);
    }
    if (info.nodePort !== 0) {
      const port = info.nodePort;
      if (proto === 'sctp') {
        for (const ip of nodeAddresses) {
          const member = { kind: 'ip,port', ip, protocol: proto, port } as const;
          entries.add(S.KUBE_NODE_PORT_SCTP, ipPort(ip, proto, port), member);
          if (info.externalPolicyLocal) entries.add(S.KUBE_NODE_PORT_LOCAL_SCTP, ipPort(ip, proto, port), member);
        }
      } else {
        const all = proto === 'tcp' ? S.KUBE_NODE_PORT_TCP : S.KUBE_NODE_PORT_UDP;
        const local = proto === 'tcp' ? S.KUBE_NODE_PORT_LOCAL_TCP : S.KUBE_NODE_PORT_LOCAL_UDP;
        entries.add(all, String(port), { kind: 'port', port });
        if (info.externalPolicyLocal) entries.add(local, String(port), { kind: 'port', port });
      }
    }
    if (info.healthCheckNodePort !== 0)
      entries.add(S.KUBE_HEALTH_CHECK_NODE_PORT, String(info.healthCheckNodePort), { kind: 'port', port: info.healthCheckNodePort });
  }
  for (const ip of bind) entries.add(S.KUBE_IPVS_IPS, formatIPv4(ip), { kind: 'ip', ip });
  return { bindAddrs: bind, entries };
}

/** syncEndpoint: Local policy uses the node's endpoints, or all usable ones when it has none (kubernetes#97081). */
function realServers({ cluster, local }: Categorized, onlyNodeLocal: boolean): IpvsRealServer[] {
  const chosen: readonly EndpointInfo[] = onlyNodeLocal && local.length > 0 ? local : cluster;
  const seen = new Set<string>();
  const out: IpvsRealServer[] = [];
  for (const { endpoint } of chosen) {
    if (seen.has(endpoint.key)) continue;
    seen.add(endpoint.key);
    out.push({ addr: endpoint.ip, port: endpoint.port, weight: 1, forward: 'Masq' });
  }
  return out;
}

/** The virtual servers of one node: cluster IPs, external IPs, load balancer IPs, and node ports on every node address. */
export function ipvsVirtualServers(
  cluster: Cluster,
  node: NodeView,
  nodeAddresses: readonly IPv4[],
  scheduler: string,
): IpvsVirtualServer[] {
  const services = new Map<string, IpvsVirtualServer>();
  for (const info of servicePortMap(cluster).ports) {
    const protocol = info.protocol.toUpperCase() as IpvsProtocol;
    // One service port's endpoints, categorized once for all its virtual servers.
    const categorized = categorizeEndpoints(info, node.name);
    const add = (addr: IPv4, port: number, onlyNodeLocal: boolean): void => {
      const key = `${protocol} ${addr}:${port}`;
      if (services.has(key)) return;
      services.set(key, {
        protocol,
        addr,
        port,
        scheduler,
        ...(info.clientIPAffinity ? { persistent: info.stickyMaxAgeSeconds } : {}),
        servicePort: info.name,
        realServers: realServers(categorized, onlyNodeLocal),
      });
    };
    add(info.clusterIP, info.port.port, info.internalPolicyLocal);
    for (const ip of info.externalIPs) add(ip, info.port.port, info.externalPolicyLocal);
    for (const ip of info.loadBalancerVIPs) add(ip, info.port.port, info.externalPolicyLocal);
    if (info.nodePort !== 0) for (const ip of nodeAddresses) add(ip, info.nodePort, info.externalPolicyLocal);
  }
  return [...services.values()];
}
