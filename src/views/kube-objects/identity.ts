/**
 * What the API server stamps on every object and netlab has to choose:
 * uids, creation times and the random suffixes of generated names. Chosen
 * from stable hashes and the cluster's order, so the same topology always
 * gives the same objects, and the order things were created in survives a
 * round trip (import sorts by creationTimestamp, as a real cluster's objects
 * were created).
 */
import { stableHex } from '../../net/digest.js';
import { fnv1a32, mulberry32 } from '../../net/hash.js';
import { SAFE_ALPHABET } from '../../topology/normalise/pod-names.js';

/** A uid shaped like the API server's (a random UUID, version 4). */
export function objectUid(kind: string, namespace: string | undefined, name: string): string {
  const h = stableHex(`uid/${kind}/${namespace ?? ''}/${name}`, 32);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The instant netlab's cluster "was created": the first object's creationTimestamp. */
export const CLUSTER_EPOCH_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

/** RFC 3339 to the second, as the API server writes metav1.Time. */
export function timestamp(secondsAfterEpoch: number): string {
  return new Date(CLUSTER_EPOCH_MS + secondsAfterEpoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One tick per object created, in the order the cluster created them. */
export class CreationClock {
  private next = 0;

  tick(): string {
    return timestamp(this.next++);
  }
}

/**
 * The API server's generateName completion: the prefix and 5 characters of
 * the safe alphabet (names.SimpleNameGenerator), drawn from a seed instead
 * of at random; drawn again when `taken` has the name.
 */
export function generatedName(prefix: string, seed: string, taken: Set<string>): string {
  const next = mulberry32(fnv1a32(seed));
  for (;;) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += SAFE_ALPHABET[next() % SAFE_ALPHABET.length];
    const name = prefix.slice(0, 58) + suffix;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

/** Labels or annotations with keys in the order kubectl prints them (sorted), empty ones left out. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const keys = Object.keys(record).sort();
  if (keys.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = record[key]!;
  return out;
}
