import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../../src/diagnostics/did-you-mean.js';

describe('editDistance (Damerau-Levenshtein, optimal string alignment)', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['vxlam', 'vxlan', 1], // substitution
    ['bakend', 'backend', 1], // insertion
    ['backendd', 'backend', 1], // deletion
    ['bakcend', 'backend', 1], // adjacent swap
    ['ca', 'abc', 3], // OSA does not edit a substring twice
    ['kitten', 'sitting', 3],
  ])('%s -> %s = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it('stops early beyond a bound', () => {
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });
});

describe('closestMatch', () => {
  it('suggests plausible typos only', () => {
    expect(closestMatch('host_gw', ['vxlan', 'host-gw', 'udp'])).toBe('host-gw');
    expect(closestMatch('Vxlan', ['vxlan', 'host-gw'])).toBe('vxlan');
    expect(closestMatch('ipip', ['vxlan', 'host-gw', 'udp'])).toBeUndefined();
    // Short words allow one edit only.
    expect(closestMatch('abc', ['xyc'])).toBeUndefined();
  });

  it('prefers the earliest candidate on ties, and never the word itself', () => {
    expect(closestMatch('node-3', ['node-1', 'node-2'])).toBe('node-1');
    expect(closestMatch('node-1', ['node-1'])).toBeUndefined();
  });

  it('words the hint', () => {
    expect(didYouMean('rack-9', ['rack-1'])).toBe("did you mean 'rack-1'?");
    expect(didYouMean('zzz', ['rack-1'])).toBeUndefined();
  });
});
