import { describe, expect, it } from 'vitest';
import { goFixed, kernelProbability, probabilityText } from '../../src/proxy/iptables/probability.js';
import { formatProbability } from '../../src/render/iptables-rule.js';

describe('statistic probabilities', () => {
  it("writes 1/n as kube-proxy's computeProbability does (TestComputeProbability)", () => {
    const expected: Record<number, string> = {
      1: '1.0000000000',
      2: '0.5000000000',
      10: '0.1000000000',
      100: '0.0100000000',
      1000: '0.0010000000',
      10000: '0.0001000000',
      100000: '0.0000100000',
      100001: '0.0000099999',
    };
    for (const [n, text] of Object.entries(expected)) expect(probabilityText(Number(n))).toBe(text);
  });

  it('rounds exact halves to even, as Go does', () => {
    expect(goFixed(1 / 2048, 10)).toBe('0.0004882812'); // 0.00048828125 exactly
    expect(goFixed(0.125, 2)).toBe('0.12');
    expect(goFixed(0.375, 2)).toBe('0.38');
  });

  it('prints back what the kernel keeps, as iptables-save does (checked on a real kernel)', () => {
    expect(formatProbability(kernelProbability(2))).toBe('0.50000000000');
    expect(formatProbability(kernelProbability(3))).toBe('0.33333333349');
    expect(formatProbability(kernelProbability(10))).toBe('0.10000000009');
    expect(formatProbability(kernelProbability(2048))).toBe('0.00048828125');
    expect(formatProbability(1)).toBe('1.00000000000');
  });
});
