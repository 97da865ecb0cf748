/**
 * Who listens where: a pod listens on the ports its containers declare; a
 * node runs sshd and the kubelet (and the API server on a control-plane
 * node); hostNetwork pods listen in their node's namespace.
 */
import type { Node, Pod } from './types.js';

export interface Listener {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** `nginx (pod default/pod-a)`, `kubelet`. */
  readonly owner: string;
}

const NODE_DAEMONS: readonly Listener[] = [
  { protocol: 'tcp', port: 22, owner: 'sshd' },
  { protocol: 'tcp', port: 10250, owner: 'kubelet' },
];
const CONTROL_PLANE: readonly Listener[] = [{ protocol: 'tcp', port: 6443, owner: 'kube-apiserver' }];

export function listenersOfPod(pod: Pod): Listener[] {
  return pod.containers.flatMap((c) =>
    c.ports
      .filter((p) => p.protocol !== 'SCTP')
      .map((p) => ({ protocol: p.protocol.toLowerCase() as 'tcp' | 'udp', port: p.containerPort, owner: `${c.name} (pod ${pod.key})` })),
  );
}

export function listenersOfNode(node: Node): Listener[] {
  const own = node.spec.role === 'control-plane' ? [...NODE_DAEMONS, ...CONTROL_PLANE] : [...NODE_DAEMONS];
  return own.concat(node.pods.filter((p) => p.hostNetwork).flatMap(listenersOfPod));
}
