/**
 * Names the components write on objects (labels, annotations, taints) and
 * the names of the objects that hold cluster configuration. Sources: the
 * Kubernetes well-known labels reference, kubeadm's constants, flannel's
 * pkg/subnet/kube annotations (prefix flannel.alpha.coreos.com), calico's
 * libcalico-go KDD node annotations.
 */

/** Labels the kubelet sets on its node. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_BETA_OS = 'beta.kubernetes.io/os';
export const LABEL_BETA_ARCH = 'beta.kubernetes.io/arch';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
/** kubeadm marks control-plane nodes with these labels and taints them. */
export const LABEL_CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';
/** Before kubeadm 1.20 (and still on older clusters): the master role label. */
export const LABEL_MASTER = 'node-role.kubernetes.io/master';
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const TAINT_CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

/** Node annotations kubeadm and the attach-detach controller set. */
export const ANNOTATION_CRI_SOCKET = 'kubeadm.alpha.kubernetes.io/cri-socket';
export const ANNOTATION_NODE_TTL = 'node.alpha.kubernetes.io/ttl';
export const ANNOTATION_ATTACH_DETACH = 'volumes.kubernetes.io/controller-managed-attach-detach';

/** flannel's node annotations (kube subnet manager). */
export const FLANNEL_BACKEND_TYPE = 'flannel.alpha.coreos.com/backend-type';
/** vxlan: `{"VNI":1,"VtepMAC":"52:1f:57:62:d4:b2"}`; host-gw and udp: `null`. */
export const FLANNEL_BACKEND_DATA = 'flannel.alpha.coreos.com/backend-data';
export const FLANNEL_PUBLIC_IP = 'flannel.alpha.coreos.com/public-ip';
export const FLANNEL_PUBLIC_IP_OVERWRITE = 'flannel.alpha.coreos.com/public-ip-overwrite';
export const FLANNEL_KUBE_SUBNET_MANAGER = 'flannel.alpha.coreos.com/kube-subnet-manager';

/** calico's node annotations in Kubernetes-datastore mode. */
export const CALICO_IPV4_ADDRESS = 'projectcalico.org/IPv4Address';
export const CALICO_IPIP_TUNNEL_ADDR = 'projectcalico.org/IPv4IPIPTunnelAddr';
export const CALICO_VXLAN_TUNNEL_ADDR = 'projectcalico.org/IPv4VXLANTunnelAddr';
export const CALICO_VXLAN_TUNNEL_MAC = 'projectcalico.org/VXLANTunnelMACAddr';
export const CALICO_AS_NUMBER = 'projectcalico.org/ASNumber';
export const CALICO_ROUTE_REFLECTOR_CLUSTER_ID = 'projectcalico.org/RouteReflectorClusterID';
/** calico's CNI plugin annotates the pods it wires. */
export const CALICO_POD_IP = 'cni.projectcalico.org/podIP';
export const CALICO_POD_IPS = 'cni.projectcalico.org/podIPs';

/** EndpointSlice labels (discovery/v1 well_known_labels.go). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** Endpoints the API server writes for kubernetes carry it, so the mirroring controller leaves them alone. */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

/** Labels workload controllers put on their pods. */
export const LABEL_POD_TEMPLATE_HASH = 'pod-template-hash';

/** The objects that hold cluster configuration. */
export const KUBE_PROXY_CONFIGMAP = { namespace: 'kube-system', name: 'kube-proxy', key: 'config.conf' } as const;
export const KUBEADM_CONFIGMAP = { namespace: 'kube-system', name: 'kubeadm-config', key: 'ClusterConfiguration' } as const;
/** kube-flannel.yml's ConfigMap (namespace kube-flannel since v0.20; kube-system before). */
export const FLANNEL_CONFIGMAP = { name: 'kube-flannel-cfg', key: 'net-conf.json' } as const;

/** kube-proxy's KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1), the fields netlab reads. */
export interface KubeProxyConfiguration {
  readonly apiVersion?: string;
  readonly kind?: string;
  /** '' means the platform default: iptables on Linux. */
  readonly mode?: string;
  readonly clusterCIDR?: string;
  readonly iptables?: {
    readonly masqueradeAll?: boolean;
    readonly masqueradeBit?: number | null;
    readonly localhostNodePorts?: boolean | null;
  };
  readonly ipvs?: { readonly scheduler?: string; readonly strictARP?: boolean; readonly excludeCIDRs?: readonly string[] | null };
  readonly nftables?: { readonly masqueradeAll?: boolean; readonly masqueradeBit?: number | null };
  readonly nodePortAddresses?: readonly string[] | null;
  readonly detectLocalMode?: string;
  readonly conntrack?: { readonly tcpBeLiberal?: boolean };
}

/** kubeadm's ClusterConfiguration, the networking part. */
export interface KubeadmClusterConfiguration {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly networking?: { readonly dnsDomain?: string; readonly podSubnet?: string; readonly serviceSubnet?: string };
}

/** flannel's net-conf.json. */
export interface FlannelNetConf {
  readonly Network?: string;
  readonly SubnetLen?: number;
  /** flanneld programs nftables (table flannel-ipv4) instead of iptables. */
  readonly EnableNFTables?: boolean;
  readonly Backend?: { readonly Type?: string; readonly VNI?: number; readonly Port?: number; readonly DirectRouting?: boolean };
}
