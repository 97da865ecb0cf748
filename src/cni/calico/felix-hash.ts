/**
 * Felix's names and rule hashes, reproduced exactly:
 *
 * - rule comments `cali:<16 chars>` (felix generictables.RuleHashes): h =
 *   sha224(chain name); for each rule in order h = sha224(h || rendered
 *   rule), where the rendered rule is Felix's own spelling
 *   `-A <chain> HASH <comments> <matches> <action>`; the comment is the
 *   first 16 characters of base64url(h). Each hash chains in the previous
 *   one, so a rule's position and the rules before it change its hash.
 * - long chain names (hashutils.GetLengthLimitedID): prefix + suffix when
 *   that fits in 28 characters (iptables' limit), else prefix + `_` + the
 *   start of base64url(sha256(suffix)).
 *
 * test/cni/felix-hash.test.ts checks both against hashes published from
 * real nodes (kernel-facts §3.7).
 */
import { createHash } from 'node:crypto';

export const HASH_LENGTH = 16;
/** iptables' chain name limit, as Felix enforces it (iptables.MaxChainNameLength). */
export const MAX_CHAIN_NAME = 28;

/** Go's base64.URLEncoding without padding, as Felix names hashes. */
export function base64url(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The `cali:` hash of each rule of a chain, from Felix's rendering of the rules (without `-A <chain> HASH`). */
export function ruleHashes(chain: string, renderedRules: readonly string[]): string[] {
  let h = createHash('sha224').update(chain).digest();
  return renderedRules.map((rule) => {
    h = createHash('sha224')
      .update(h)
      .update(`-A ${chain} HASH${rule === '' ? '' : ` ${rule}`}`)
      .digest();
    return base64url(h).slice(0, HASH_LENGTH);
  });
}

/** hashutils.GetLengthLimitedID. */
export function lengthLimitedId(prefix: string, suffix: string, maxLength = MAX_CHAIN_NAME): string {
  const total = prefix.length + suffix.length;
  if (total > maxLength || (total === maxLength && suffix.startsWith('_'))) {
    const hash = base64url(createHash('sha256').update(suffix).digest());
    return `${prefix}_${hash.slice(0, maxLength - 1 - prefix.length)}`;
  }
  return prefix + suffix;
}
