/**
 * The objects that hold a cluster's networking configuration, as the tools
 * that install it create them:
 * - kube-system/kube-proxy: kubeadm's ConfigMap with kube-proxy's
 *   KubeProxyConfiguration in config.conf (every field, as kubeadm prints
 *   it; mode "" is iptables, the default);
 * - kube-system/kubeadm-config: kubeadm's ClusterConfiguration (the pod and
 *   service subnets and the DNS domain);
 * - flannel's kube-flannel-cfg (namespace kube-flannel, as kube-flannel.yml
 *   creates it) with net-conf.json, or canal's canal-config in kube-system;
 * - calico's default IPPool (crd.projectcalico.org/v1, as the operator or
 *   calico.yaml creates it) with the block size and encapsulation;
 * - the Namespaces.
 */
import type { IPPool } from '../../kube/calico.js';
import type { ConfigMap, Namespace } from '../../kube/core.js';
import * as K from '../../kube/well-known.js';
import type { Topology } from '../../topology/types.js';
import { objectUid, sortedRecord } from './identity.js';
import { KUBERNETES_VERSION } from './versions.js';

export function namespaceObject(name: string, labels: Readonly<Record<string, string>>, created: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { creationTimestamp: created, labels: sortedRecord(labels)!, name, uid: objectUid('Namespace', undefined, name) },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function configMap(
  namespace: string,
  name: string,
  data: Record<string, string>,
  created: string,
  labels?: Record<string, string>,
): ConfigMap {
  return {
    apiVersion: 'v1',
    data,
    kind: 'ConfigMap',
    metadata: { creationTimestamp: created, ...(labels ? { labels } : {}), name, namespace, uid: objectUid('ConfigMap', namespace, name) },
  };
}

/** kubeadm's kube-proxy ConfigMap; none when the cluster runs no kube-proxy. */
export function kubeProxyConfigMap(topology: Topology, apiserver: string | undefined, created: string): ConfigMap | undefined {
  const proxy = topology.network.kubeProxy;
  if (proxy.mode === 'none') return undefined;
  const mode = proxy.mode === 'iptables' ? '""' : proxy.mode;
  const scheduler = proxy.mode === 'ipvs' ? proxy.scheduler : '""';
  const conf = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: ${proxy.clusterCIDR}
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: ${proxy.masqueradeAll}
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ${scheduler}
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: ${mode}
nftables:
  masqueradeAll: ${proxy.masqueradeAll}
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""`;
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://${apiserver ?? 'control-plane.invalid'}:6443
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token`;
  return configMap(
    K.KUBE_PROXY_CONFIGMAP.namespace,
    K.KUBE_PROXY_CONFIGMAP.name,
    { [K.KUBE_PROXY_CONFIGMAP.key]: conf, 'kubeconfig.conf': kubeconfig },
    created,
    { app: 'kube-proxy' },
  );
}

/** kubeadm's kubeadm-config ConfigMap (ClusterConfiguration, v1beta4). */
export function kubeadmConfigMap(topology: Topology, created: string): ConfigMap {
  const net = topology.network;
  const conf = `apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controllerManager: {}
dns: {}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: ${KUBERNETES_VERSION}
networking:
  dnsDomain: ${net.clusterDomain}
  podSubnet: ${net.podCIDR}
  serviceSubnet: ${net.serviceCIDR}
proxy: {}
scheduler: {}
`;
  return configMap(K.KUBEADM_CONFIGMAP.namespace, K.KUBEADM_CONFIGMAP.name, { [K.KUBEADM_CONFIGMAP.key]: conf }, created);
}

/** flannel's net-conf.json in kube-flannel.yml's ConfigMap (canal's canal-config under canal). */
export function flannelConfigMap(topology: Topology, created: string): ConfigMap | undefined {
  const cni = topology.network.cni;
  if (cni.plugin !== 'flannel') return undefined;
  const backend: string[] = [`    "Type": "${cni.backend}"`];
  if (cni.backend === 'vxlan' && cni.vni !== 1) backend.push(`    "VNI": ${cni.vni}`);
  if (cni.backend === 'vxlan' && cni.port !== 8472) backend.push(`    "Port": ${cni.port}`);
  if (cni.backend === 'udp' && cni.port !== 8285) backend.push(`    "Port": ${cni.port}`);
  if (cni.backend === 'vxlan' && cni.directRouting) backend.push('    "DirectRouting": true');
  const netConf = `{
  "Network": "${topology.network.podCIDR}",
  "EnableNFTables": false,
  "Backend": {
${backend.join(',\n')}
  }
}
`;
  const canal = cni.networkPolicy === 'calico';
  const labels = canal ? undefined : { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' };
  return canal
    ? configMap('kube-system', 'canal-config', { canal_iface: '', masquerade: 'true', 'net-conf.json': netConf }, created)
    : configMap('kube-flannel', K.FLANNEL_CONFIGMAP.name, { [K.FLANNEL_CONFIGMAP.key]: netConf }, created, labels);
}

/** calico's default pool: the pod network, the block size, IPIP or VXLAN Always or CrossSubnet. */
export function calicoIpPool(topology: Topology, created: string): IPPool | undefined {
  const cni = topology.network.cni;
  if (cni.plugin !== 'calico') return undefined;
  const encap = cni.crossSubnet ? 'CrossSubnet' : 'Always';
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'IPPool',
    metadata: { creationTimestamp: created, name: 'default-ipv4-ippool', uid: objectUid('IPPool', undefined, 'default-ipv4-ippool') },
    spec: {
      allowedUses: ['Workload', 'Tunnel'],
      blockSize: cni.blockSize,
      cidr: topology.network.podCIDR,
      ipipMode: cni.mode === 'ipip' ? encap : 'Never',
      natOutgoing: true,
      nodeSelector: 'all()',
      vxlanMode: cni.mode === 'vxlan' ? encap : 'Never',
    },
  };
}
