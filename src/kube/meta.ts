/**
 * The Kubernetes API's object metadata (k8s.io/apimachinery meta/v1), as the
 * API server returns it: the part of every object netlab reads and writes.
 * Field names are the API's JSON names; optional where the API omits them.
 *
 * src/kube/ is an input format, like a file format: plain types and the
 * well-known names, no behaviour. It sits at the bottom of the floors, beside
 * src/net/.
 */

/** metav1.OwnerReference: who controls the object (controller: true marks the one controller). */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** metav1.ObjectMeta, the fields a networking model needs plus the ones every object has. */
export interface ObjectMeta {
  readonly name?: string;
  /** The prefix the API server completed with 5 random characters (pods of a ReplicaSet or DaemonSet, EndpointSlices). */
  readonly generateName?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  /** RFC 3339, seconds: `2025-01-26T07:24:05Z`. */
  readonly creationTimestamp?: string;
  /** Set while the object is being deleted (a terminating pod). */
  readonly deletionTimestamp?: string;
  readonly deletionGracePeriodSeconds?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly OwnerReference[];
}

/** The two fields every object starts with. */
export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

export interface KubeObject extends TypeMeta {
  readonly metadata: ObjectMeta;
}

/** What `kubectl get A,B,C -o json` prints: a v1 List of objects of several kinds. */
export interface KubeList<T extends KubeObject = KubeObject> {
  readonly apiVersion: 'v1';
  readonly kind: 'List';
  readonly items: readonly T[];
  readonly metadata: { readonly resourceVersion: string };
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** metav1.LabelSelector ({} selects everything). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** core/v1 ObjectReference, as an EndpointSlice endpoint's targetRef uses it. */
export interface ObjectReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly uid?: string;
}
