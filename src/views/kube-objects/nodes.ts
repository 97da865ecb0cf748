/**
 * Node objects as the kubelet, kubeadm, kube-controller-manager and the CNI
 * leave them:
 * - labels: the kubelet's (arch, os, hostname), kubeadm's on control-plane
 *   nodes (the role label and exclude-from-external-load-balancers, plus the
 *   NoSchedule taint), then the topology's labels (written ones win);
 * - annotations: kubeadm's CRI socket, the TTL and attach-detach ones, and
 *   the CNI's: flannel's backend-type, backend-data (`{"VNI":1,"VtepMAC":..}`
 *   for vxlan, `null` otherwise, as flanneld marshals them), public-ip and
 *   kube-subnet-manager; calico's IPv4Address (with the subnet's prefix
 *   length, as calico-node autodetects it), the IPIP or VXLAN tunnel address
 *   and the VXLAN tunnel MAC; under canal, flannel's and calico's IPv4Address;
 * - spec.podCIDR(s) from kube-controller-manager's range allocator (none for
 *   a calico node it had no range left for);
 * - status: InternalIP and Hostname, NetworkUnavailable False as the CNI
 *   reports it, Ready, and the runtime in nodeInfo.
 */
import type { Node as KubeNode, NodeCondition } from '../../kube/core.js';
import * as K from '../../kube/well-known.js';
import { formatCidr } from '../../net/cidr.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Cluster, Node } from '../../model/types.js';
import { objectUid, sortedRecord } from './identity.js';
import { CONTAINERD_VERSION, CRI_SOCKET, DOCKER_VERSION, KUBERNETES_VERSION } from './versions.js';

/** The route reflector cluster ID calico's documentation uses. */
export const ROUTE_REFLECTOR_CLUSTER_ID = '244.0.0.1';
/** calico's default AS number (BGPConfiguration asNumber). */
export const CALICO_DEFAULT_AS = 64512;

export function nodeObject(cluster: Cluster, node: Node, created: string): KubeNode {
  const spec = node.spec;
  const controlPlane = spec.role === 'control-plane';
  const labels = {
    [K.LABEL_BETA_ARCH]: 'amd64',
    [K.LABEL_BETA_OS]: 'linux',
    [K.LABEL_ARCH]: 'amd64',
    ...(controlPlane ? { [K.LABEL_CONTROL_PLANE]: '', [K.LABEL_EXCLUDE_FROM_LB]: '' } : {}),
    ...spec.labels,
  };
  const podCIDR = node.podCIDR.len === 32 && node.podCIDR.addr === 0 ? undefined : formatCidr(node.podCIDR);
  const conditions: NodeCondition[] = [
    networkCondition(cluster, created),
    {
      lastHeartbeatTime: created,
      lastTransitionTime: created,
      message: 'kubelet is posting ready status',
      reason: 'KubeletReady',
      status: 'True',
      type: 'Ready',
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: sortedRecord({ ...kubeadmAnnotations(node), ...cniAnnotations(cluster, node) })!,
      creationTimestamp: created,
      labels: sortedRecord(labels)!,
      name: node.name,
      uid: objectUid('Node', undefined, node.name),
    },
    spec: {
      ...(podCIDR !== undefined ? { podCIDR, podCIDRs: [podCIDR] } : {}),
      ...(controlPlane ? { taints: [{ effect: 'NoSchedule' as const, key: K.TAINT_CONTROL_PLANE }] } : {}),
    },
    status: {
      addresses: [
        { address: formatIPv4(node.ip), type: 'InternalIP' },
        { address: node.name, type: 'Hostname' },
      ],
      conditions,
      nodeInfo: {
        architecture: 'amd64',
        containerRuntimeVersion: spec.runtime === 'docker' ? DOCKER_VERSION : CONTAINERD_VERSION,
        kubeletVersion: KUBERNETES_VERSION,
        operatingSystem: 'linux',
      },
    },
  };
}

function kubeadmAnnotations(node: Node): Record<string, string> {
  return {
    [K.ANNOTATION_CRI_SOCKET]: CRI_SOCKET[node.spec.runtime],
    [K.ANNOTATION_NODE_TTL]: '0',
    [K.ANNOTATION_ATTACH_DETACH]: 'true',
  };
}

function cniAnnotations(cluster: Cluster, node: Node): Record<string, string> {
  const cni = cluster.topology.network.cni;
  const calicoAddress = { [K.CALICO_IPV4_ADDRESS]: `${formatIPv4(node.ip)}/${node.subnet.cidr.len}` };
  if (cni.plugin === 'flannel') {
    const data = cni.backend === 'vxlan' ? `{"VNI":${cni.vni},"VtepMAC":"${node.vtepMAC}"}` : 'null';
    return {
      [K.FLANNEL_BACKEND_DATA]: data,
      [K.FLANNEL_BACKEND_TYPE]: cni.backend,
      [K.FLANNEL_KUBE_SUBNET_MANAGER]: 'true',
      [K.FLANNEL_PUBLIC_IP]: formatIPv4(node.ip),
      ...(cni.networkPolicy === 'calico' ? calicoAddress : {}),
    };
  }
  const tunnel = node.calico?.tunnelAddress;
  return {
    ...calicoAddress,
    ...(cni.asNumber !== CALICO_DEFAULT_AS ? { [K.CALICO_AS_NUMBER]: String(cni.asNumber) } : {}),
    ...(cni.routeReflectors.includes(node.name) ? { [K.CALICO_ROUTE_REFLECTOR_CLUSTER_ID]: ROUTE_REFLECTOR_CLUSTER_ID } : {}),
    ...(cni.mode === 'ipip' && tunnel !== undefined ? { [K.CALICO_IPIP_TUNNEL_ADDR]: formatIPv4(tunnel) } : {}),
    ...(cni.mode === 'vxlan' && tunnel !== undefined
      ? { [K.CALICO_VXLAN_TUNNEL_ADDR]: formatIPv4(tunnel), [K.CALICO_VXLAN_TUNNEL_MAC]: node.vtepMAC }
      : {}),
  };
}

/** flanneld and calico-node clear the node's NetworkUnavailable condition when they start. */
function networkCondition(cluster: Cluster, created: string): NodeCondition {
  const flannel = cluster.topology.network.cni.plugin === 'flannel';
  return {
    lastHeartbeatTime: created,
    lastTransitionTime: created,
    message: flannel ? 'Flannel is running on this node' : 'Calico is running on this node',
    reason: flannel ? 'FlannelIsUp' : 'CalicoIsUp',
    status: 'False',
    type: 'NetworkUnavailable',
  };
}
