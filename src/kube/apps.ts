/** apps/v1 workloads: what owns pods (and, for manifests without pods, what would create them). */
import type { PodTemplateSpec } from './core.js';
import type { LabelSelector, ObjectMeta } from './meta.js';

interface WorkloadSpec {
  readonly selector?: LabelSelector;
  readonly template?: PodTemplateSpec;
}

export interface Deployment {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly metadata: ObjectMeta;
  readonly spec?: WorkloadSpec & { readonly replicas?: number };
}

export interface ReplicaSet {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'ReplicaSet';
  readonly metadata: ObjectMeta;
  readonly spec?: WorkloadSpec & { readonly replicas?: number };
}

export interface StatefulSet {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'StatefulSet';
  readonly metadata: ObjectMeta;
  readonly spec?: WorkloadSpec & { readonly replicas?: number; readonly serviceName?: string };
}

export interface DaemonSet {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'DaemonSet';
  readonly metadata: ObjectMeta;
  readonly spec?: WorkloadSpec;
}

export type Workload = Deployment | ReplicaSet | StatefulSet | DaemonSet;
