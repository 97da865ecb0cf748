/**
 * The choices kube-proxy leaves to chance (`-m statistic --mode random`),
 * made reproducible: a seeded generator for one outcome, and forced choices
 * that enumerate every endpoint with the probability of its branch.
 */
import { mulberry32 } from '../net/hash.js';

/** The seed of a walk when none is given (`netlab trace --seed`): the same seed, the same endpoint. */
export const DEFAULT_SEED = 1;

/** Numbers in [0, 1) from mulberry32: the same seed always gives the same walk. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A statistic match decided by the seeded generator. */
export function statisticFromSeed(seed: number): (probability: number) => boolean {
  const next = seededRandom(seed);
  return (probability) => next() < probability;
}

/**
 * One of `n` choices, each 1/n, drawn as iptables' statistic chains draw it: the first with
 * probability 1/n, else the second with 1/(n-1), ... the last without a draw. IPVS's scheduler,
 * nft's `numgen random` and kube-proxy userspace's round-robin start use it too, so the seeded walk
 * and --all-endpoints (forcedChoice) treat every mode alike.
 */
export function chainedChoice(n: number, random: (probability: number) => boolean): number {
  for (let i = 0; i < n - 1; i++) if (random(1 / (n - i))) return i;
  return n - 1;
}

export interface ForcedChoice {
  readonly decide: (probability: number) => boolean;
  /** The probabilities seen and what was decided: the branch's probability is their product. */
  readonly decisions: { readonly probability: number; readonly taken: boolean }[];
}

/** Skips the first `skip` random matches and takes the next one: endpoint number `skip` of a KUBE-SVC chain. */
export function forcedChoice(skip: number): ForcedChoice {
  const decisions: { probability: number; taken: boolean }[] = [];
  return {
    decisions,
    decide(probability) {
      const taken = decisions.length >= skip;
      decisions.push({ probability, taken });
      return taken;
    },
  };
}

export function branchProbability(decisions: ForcedChoice['decisions']): number {
  return decisions.reduce((p, d) => p * (d.taken ? d.probability : 1 - d.probability), 1);
}
