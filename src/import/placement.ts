/** Where pods without a node go (manifests): round-robin over the nodes they may run on, as netlab places a deployment's replicas. */
import type { PodSpec } from '../kube/core.js';
import * as K from '../kube/well-known.js';
import type { ImportedNode } from './nodes.js';

/** A toleration of kubeadm's control-plane taint (or of every taint). */
export function toleratesControlPlane(spec: PodSpec): boolean {
  return (spec.tolerations ?? []).some(
    (t) => (t.key === undefined && t.operator === 'Exists') || t.key === K.TAINT_CONTROL_PLANE || t.key === K.LABEL_MASTER,
  );
}

export class Placement {
  private cursor = 0;

  constructor(private readonly nodes: readonly ImportedNode[]) {}

  /** Workers (and control-plane nodes when tolerated) whose labels match the nodeSelector. */
  eligible(spec: PodSpec): ImportedNode[] {
    const tolerate = toleratesControlPlane(spec);
    return this.nodes.filter((n) => {
      if (n.role === 'control-plane' && !tolerate) return false;
      const labels: Record<string, string> = { [K.LABEL_HOSTNAME]: n.name, [K.LABEL_OS]: 'linux', ...n.labels };
      return Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
    });
  }

  next(eligible: readonly ImportedNode[]): ImportedNode | undefined {
    return eligible.length === 0 ? undefined : eligible[this.cursor++ % eligible.length];
  }
}
