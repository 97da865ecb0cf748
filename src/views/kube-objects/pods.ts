/**
 * Pod objects as the API server, the scheduler and the kubelet leave them:
 * the owner's controller reference (and generateName for the pods a
 * ReplicaSet or DaemonSet names), spec.nodeName, hostNetwork, the
 * containers and their ports, dnsPolicy (CoreDNS has Default, as kubeadm's
 * manifest says), and a status with the pod's and host's addresses and the
 * readiness conditions. A terminating pod carries deletionTimestamp. Under
 * calico (and canal) the CNI plugin's podIP annotations are there too.
 */
import type { Pod as KubePod, PodCondition } from '../../kube/core.js';
import type { OwnerReference } from '../../kube/meta.js';
import * as K from '../../kube/well-known.js';
import { usesClusterDns } from '../../model/dns.js';
import type { Cluster, Pod } from '../../model/types.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { PodOwner } from '../../topology/types.js';
import { objectUid, sortedRecord } from './identity.js';

/** kubectl delete's default grace period. */
const GRACE_PERIOD_SECONDS = 30;

export function podObject(cluster: Cluster, pod: Pod, created: string): KubePod {
  const spec = pod.spec;
  const ip = formatIPv4(pod.ip);
  const hostIP = formatIPv4(pod.node.ip);
  const owner = spec.owner;
  const calico = cluster.topology.network.cni.plugin === 'calico' || cluster.topology.network.cni.networkPolicy === 'calico';
  const annotations =
    calico && !pod.hostNetwork ? sortedRecord({ [K.CALICO_POD_IP]: `${ip}/32`, [K.CALICO_POD_IPS]: `${ip}/32` }) : undefined;
  const labels = sortedRecord(spec.labels);
  const generateName = owner !== undefined && (owner.kind === 'ReplicaSet' || owner.kind === 'DaemonSet') ? `${owner.name}-` : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(annotations ? { annotations } : {}),
      creationTimestamp: created,
      ...(spec.terminating ? { deletionGracePeriodSeconds: GRACE_PERIOD_SECONDS, deletionTimestamp: created } : {}),
      ...(generateName !== undefined ? { generateName } : {}),
      ...(labels ? { labels } : {}),
      name: pod.name,
      namespace: pod.namespace,
      ...(owner !== undefined ? { ownerReferences: [ownerReference(owner, pod.namespace)] } : {}),
      uid: objectUid('Pod', pod.namespace, pod.name),
    },
    spec: {
      containers: spec.containers.map((c) => ({
        ...(c.image !== undefined ? { image: c.image } : {}),
        name: c.name,
        ...(c.ports.length > 0
          ? {
              ports: c.ports.map((p) => ({
                containerPort: p.containerPort,
                ...(p.name !== undefined ? { name: p.name } : {}),
                protocol: p.protocol,
              })),
            }
          : {}),
      })),
      dnsPolicy: pod.hostNetwork || usesClusterDns(pod) ? 'ClusterFirst' : 'Default',
      ...(pod.hostNetwork ? { hostNetwork: true } : {}),
      nodeName: pod.node.name,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
    },
    status: {
      conditions: podConditions(spec.ready, created),
      hostIP,
      hostIPs: [{ ip: hostIP }],
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      startTime: created,
    },
  };
}

/** The controller reference: apps/v1 for workloads, v1 for the Node of a static pod (its mirror pod's owner). */
export function ownerReference(owner: PodOwner, namespace: string): OwnerReference {
  if (owner.kind === 'Node')
    return { apiVersion: 'v1', controller: true, kind: 'Node', name: owner.name, uid: objectUid('Node', undefined, owner.name) };
  const apiVersion = owner.kind === 'Job' ? 'batch/v1' : 'apps/v1';
  return {
    apiVersion,
    blockOwnerDeletion: true,
    controller: true,
    kind: owner.kind,
    name: owner.name,
    uid: objectUid(owner.kind, namespace, owner.name),
  };
}

function podConditions(ready: boolean, at: string): PodCondition[] {
  const condition = (type: string, status: boolean): PodCondition => ({
    lastProbeTime: null,
    lastTransitionTime: at,
    ...(status ? {} : { reason: 'ContainersNotReady' }),
    status: status ? 'True' : 'False',
    type,
  });
  return [
    condition('PodReadyToStartContainers', true),
    condition('Initialized', true),
    condition('Ready', ready),
    condition('ContainersReady', ready),
    condition('PodScheduled', true),
  ];
}
