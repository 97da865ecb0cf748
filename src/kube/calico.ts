/**
 * calico's IPPool (crd.projectcalico.org/v1, the CRD calico stores in the
 * Kubernetes API; projectcalico.org/v3 through calico's API server has the
 * same spec): the pool's range, block size and encapsulation.
 */
import type { ObjectMeta } from './meta.js';

export type CalicoEncapMode = 'Always' | 'CrossSubnet' | 'Never';

export interface IPPool {
  readonly apiVersion: 'crd.projectcalico.org/v1' | 'projectcalico.org/v3';
  readonly kind: 'IPPool';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly cidr: string;
    readonly blockSize?: number;
    readonly ipipMode?: CalicoEncapMode;
    readonly vxlanMode?: CalicoEncapMode;
    readonly natOutgoing?: boolean;
    readonly disabled?: boolean;
    readonly nodeSelector?: string;
    readonly allowedUses?: readonly string[];
  };
}
