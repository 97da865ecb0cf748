/**
 * network: defaults of the cluster-wide settings, the CNI plugin and
 * kube-proxy. The defaults are the upstream ones (flannel's Network and
 * ports, kubeadm's service range, calico's manifest settings) and are also
 * written as `default` in the schema, for editors.
 */
import type { DocumentCalicoCni, DocumentFlannelCni, DocumentNetwork } from '../document.js';
import type { CniSpec, FlannelBackend, KubeProxyMode, NetworkSpec } from '../types.js';

export const DEFAULT_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

/** flannel's vxlan port is the Linux kernel's VXLAN default, not IANA's 4789; udp uses flanneld's 8285. */
const FLANNEL_PORTS: Readonly<Record<FlannelBackend, number>> = { vxlan: 8472, udp: 8285, 'host-gw': 0 };

export function normaliseNetwork(network: DocumentNetwork | undefined): NetworkSpec {
  return {
    podCIDR: network?.podCIDR ?? DEFAULT_POD_CIDR,
    serviceCIDR: network?.serviceCIDR ?? DEFAULT_SERVICE_CIDR,
    clusterDomain: network?.clusterDomain ?? 'cluster.local',
    nodeCIDRMaskSize: network?.nodeCIDRMaskSize ?? 24,
    cni: normaliseCni(network?.cni),
    serviceNodePortRange: network?.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE,
    loadBalancerPool: network?.loadBalancerPool ?? DEFAULT_LOAD_BALANCER_POOL,
    kubeProxy: {
      mode: (network?.kubeProxy?.mode ?? 'iptables') as KubeProxyMode,
      scheduler: network?.kubeProxy?.scheduler ?? 'rr',
      // kubeadm copies the pod subnet into kube-proxy's clusterCIDR.
      clusterCIDR: network?.kubeProxy?.clusterCIDR ?? network?.podCIDR ?? DEFAULT_POD_CIDR,
      masqueradeAll: network?.kubeProxy?.masqueradeAll ?? false,
    },
    dns: { coreDNS: network?.dns?.coreDNS ?? true },
    kubelet: { makeIPTablesUtilChains: network?.kubelet?.makeIPTablesUtilChains ?? true },
  };
}

/** kube-apiserver's default --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';
/**
 * TEST-NET-3 (RFC 5737): addresses no real network uses, for the stand-in
 * load balancer (TEST-NET-2 is the external client's network).
 */
export const DEFAULT_LOAD_BALANCER_POOL = '203.0.113.0/24';

/** `MIN-MAX` as numbers (the schema guarantees the shape; the semantic checks the order). */
export function parsePortRange(text: string): { readonly min: number; readonly max: number } {
  const [min, max] = text.split('-').map(Number);
  return { min: min!, max: max! };
}

function normaliseCni(cni: DocumentFlannelCni | DocumentCalicoCni | undefined): CniSpec {
  if (cni?.plugin === 'calico') {
    return {
      plugin: 'calico',
      mode: cni.mode ?? 'ipip',
      crossSubnet: cni.crossSubnet ?? false,
      blockSize: cni.blockSize ?? 26,
      routeReflectors: cni.routeReflectors ?? [],
      asNumber: cni.asNumber ?? 64512,
      routerPeering: cni.routerPeering ?? false,
    };
  }
  const flannel = cni as DocumentFlannelCni | undefined;
  const backend = flannel?.backend ?? 'vxlan';
  return {
    plugin: 'flannel',
    backend,
    directRouting: flannel?.directRouting ?? false,
    vni: flannel?.vni ?? 1,
    port: flannel?.port ?? FLANNEL_PORTS[backend],
    networkPolicy: flannel?.networkPolicy ?? 'none',
  };
}
