/**
 * Names of pods generated from deployments, shaped like the ones Kubernetes
 * gives: `<deployment>-<pod-template-hash>-<suffix>`, e.g.
 * web-5d59d67564-8xk2q.
 *
 * - pod-template-hash: Kubernetes hashes the pod template with FNV-1a 32 and
 *   writes the decimal number through its "safe" alphabet
 *   (rand.SafeEncodeString), so a hash is ten characters from
 *   "bcdfghjklmnpqrstvwxz2456789" (in practice only 4-9, b, c, d, f, as the
 *   alphabet is indexed by the digits' character codes). netlab hashes the
 *   canonical JSON of the template (labels, containers, hostNetwork,
 *   nodeSelector, tolerateControlPlane). Kubernetes prints fewer than ten
 *   digits for hashes below 10^9; netlab adds 10^9 to those so every hash is
 *   ten characters long.
 * - suffix: Kubernetes draws five random characters of the same alphabet
 *   (names.SimpleNameGenerator). netlab draws them from mulberry32 seeded
 *   with FNV-1a of `<namespace>/<replicaset>`, one name per replica in
 *   order, drawing again when a name is taken. Changing a deployment's
 *   replicas therefore adds or removes names at the end and keeps the others.
 *
 * The ReplicaSet name is `<deployment>-<hash>`; like Kubernetes, the pod name
 * prefix is cut to 58 characters before the suffix so names stay within 63.
 */
import { fnv1a32, mulberry32 } from '../../net/hash.js';

/** Kubernetes' k8s.io/apimachinery/pkg/util/rand alphanums: no vowels, no confusable characters. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const SUFFIX_LENGTH = 5;
const MAX_GENERATED_PREFIX = 63 - SUFFIX_LENGTH;

/** rand.SafeEncodeString: each character mapped through the alphabet by its code. */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** The ten-character pod-template-hash of a canonical template text. */
export function podTemplateHash(canonicalTemplate: string): string {
  const hash = fnv1a32(canonicalTemplate);
  return safeEncode(String(hash < 1e9 ? hash + 1e9 : hash));
}

/** JSON with object keys sorted, so equal templates hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The pod names of each namespace, split as generated names are: everything
 * but the last five characters, and those five. A generated name can only
 * collide with a name of the same prefix, so checking a 5-character suffix in
 * a small set replaces hashing 150,000 full names.
 */
export class PodNameRegistry {
  private readonly byNamespace = new Map<string, Map<string, Set<string>>>();

  add(namespace: string, name: string): void {
    // Shorter names cannot look like `<prefix>-<5 characters>`.
    if (name.length > SUFFIX_LENGTH) this.suffixes(namespace, name.slice(0, -SUFFIX_LENGTH)).add(name.slice(-SUFFIX_LENGTH));
  }

  /** The suffixes taken after `prefix` in `namespace` (live: adding to it registers names). */
  suffixes(namespace: string, prefix: string): Set<string> {
    let prefixes = this.byNamespace.get(namespace);
    if (prefixes === undefined) this.byNamespace.set(namespace, (prefixes = new Map()));
    let suffixes = prefixes.get(prefix);
    if (suffixes === undefined) prefixes.set(prefix, (suffixes = new Set()));
    return suffixes;
  }
}

/** Names for `count` replicas of a ReplicaSet, avoiding (and registering in) the namespace's taken names. */
export function replicaNames(namespace: string, replicaSet: string, count: number, registry: PodNameRegistry): string[] {
  const prefix = `${replicaSet}-`.slice(0, MAX_GENERATED_PREFIX);
  const next = mulberry32(fnv1a32(`${namespace}/${replicaSet}`));
  const letter = (): string => SAFE_ALPHABET[next() % SAFE_ALPHABET.length]!;
  const taken = registry.suffixes(namespace, prefix);
  const names: string[] = new Array(count);
  for (let r = 0; r < count;) {
    // SUFFIX_LENGTH (5) draws, in order.
    const suffix = letter() + letter() + letter() + letter() + letter();
    if (taken.has(suffix)) continue;
    taken.add(suffix);
    names[r++] = prefix + suffix;
  }
  return names;
}
