/**
 * The `-m statistic --mode random --probability P` of the n-th from last
 * endpoint rule: kube-proxy writes 1/n with Go's `%0.10f` (rounding the
 * double's exact value half to even), and iptables keeps
 * lround(P * 2^31) / 2^31 in the kernel, which is what iptables-save prints
 * back with `%.11f` (0.3333333333 -> 0.33333333349). The model holds the
 * kernel's value.
 */

/** Go's strconv 'f' formatting with `digits` decimals: the exact decimal value of the double, rounded half to even. */
export function goFixed(x: number, digits: number): string {
  if (!Number.isFinite(x) || x < 0) throw new Error(`bug: goFixed(${x})`);
  // A double is m * 2^e exactly.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const e = (exponent === 0 ? 1 : exponent) - 1075;
  const scale = 10n ** BigInt(digits);
  let quotient: bigint;
  let remainder: bigint;
  let denominator: bigint;
  if (e >= 0) {
    quotient = (mantissa << BigInt(e)) * scale;
    remainder = 0n;
    denominator = 1n;
  } else {
    denominator = 1n << BigInt(-e);
    const scaled = mantissa * scale;
    quotient = scaled / denominator;
    remainder = scaled % denominator;
  }
  const twice = remainder * 2n;
  if (twice > denominator || (twice === denominator && (quotient & 1n) === 1n)) quotient += 1n;
  const text = quotient.toString().padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** computeProbability(n): the text kube-proxy writes. */
export function probabilityText(n: number): string {
  return goFixed(1 / n, 10);
}

const cache: number[] = [];

/** The probability the kernel holds for kube-proxy's 1/n rule (a multiple of 2^-31). */
export function kernelProbability(n: number): number {
  let p = cache[n];
  if (p === undefined) {
    p = Math.round(Number(probabilityText(n)) * 2 ** 31) / 2 ** 31;
    cache[n] = p;
  }
  return p;
}
