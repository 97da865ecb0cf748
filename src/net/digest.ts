/**
 * Cryptographic digests for names: in a module of their own so that the
 * small hashes of hash.ts (seeded choices, FNV) do not load node:crypto.
 */
import { createHash } from 'node:crypto';

/** Lowercase hex of sha256(seed): the root of every name netlab allocates deterministically. */
export function stableHex(seed: string, chars: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, chars);
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
