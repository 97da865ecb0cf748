/**
 * Names as people say them on the command line: `node-02`, `pod-a`,
 * `default/pod-a`, `pod-a:nginx` (a container). Unknown names get a
 * did-you-mean. Services, IPs and `external` join with the packet walk.
 */
import { UsageError } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { Cluster, Node, Pod } from './types.js';

export type NetnsTarget =
  { readonly kind: 'node'; readonly node: Node } | { readonly kind: 'pod'; readonly pod: Pod; readonly container?: string };

export function resolveNetnsTarget(cluster: Cluster, text: string): NetnsTarget {
  const node = cluster.nodeByName.get(text);
  if (node) return { kind: 'node', node };

  const [podRef, container] = splitContainer(text);
  const pod = findPod(cluster, podRef);
  if (pod) {
    if (container !== undefined && !pod.containers.some((c) => c.name === container)) {
      throw new UsageError(
        `pod ${pod.key} has no container "${container}"`,
        didYouMean(
          container,
          pod.containers.map((c) => c.name),
        ) ?? `its containers: ${pod.containers.map((c) => c.name).join(', ')}`,
      );
    }
    return container === undefined ? { kind: 'pod', pod } : { kind: 'pod', pod, container };
  }

  const candidates = [...cluster.nodeByName.keys(), ...cluster.pods.map((p) => p.name), ...cluster.pods.map((p) => p.key)];
  throw new UsageError(
    `no node or pod named "${text}"`,
    didYouMean(podRef, candidates) ?? 'run `netlab validate` to list the nodes and pods',
  );
}

function splitContainer(text: string): [string, string | undefined] {
  const colon = text.indexOf(':');
  return colon < 0 ? [text, undefined] : [text.slice(0, colon), text.slice(colon + 1)];
}

/** `ns/name`, or a bare name that is unique across namespaces (`default` wins a tie, like kubectl's default namespace). */
function findPod(cluster: Cluster, ref: string): Pod | undefined {
  return findPodByName(cluster.pods, ref, (key) => cluster.podByKey.get(key));
}

/** What a pod is named by: a name in a namespace. Pods of the model and pod specs of a topology both are. */
export interface NamedPod {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The one way netlab finds a pod by the name a person gives it: `ns/name`,
 * or a bare name that is unique across namespaces, `default` winning a tie
 * (kubectl's default namespace). Undefined when none has it; a UsageError
 * when several namespaces do. `byKey` looks `ns/name` up faster where the
 * caller has an index.
 */
export function findPodByName<T extends NamedPod>(pods: readonly T[], ref: string, byKey?: (key: string) => T | undefined): T | undefined {
  const lookup = byKey ?? ((key: string) => pods.find((p) => `${p.namespace}/${p.name}` === key));
  if (ref.includes('/')) return lookup(ref);
  const byDefault = lookup(`default/${ref}`);
  if (byDefault) return byDefault;
  const matches = pods.filter((p) => p.name === ref);
  if (matches.length > 1) {
    throw new UsageError(
      `pod name "${ref}" exists in several namespaces`,
      `say which: ${matches.map((p) => `${p.namespace}/${p.name}`).join(', ')}`,
    );
  }
  return matches[0];
}
