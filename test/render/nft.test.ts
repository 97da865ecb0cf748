/**
 * nft 1.0.6's spelling of base chain priorities and set timeouts, as the
 * real nft on the profile machine printed them back (captured while writing
 * src/render/nft.ts: chains and sets loaded with `nft -f`, then `nft list
 * table`). The whole listing is compared with the real nft in
 * test/proxy/nftables-kernel.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { nftTime, priorityText } from '../../src/render/nft.js';

describe('nft list: base chain priorities', () => {
  it.each([
    [-110, 'prerouting', 'dstnat - 10'],
    [-110, 'input', '-110'],
    [-110, 'forward', '-110'],
    [-110, 'output', '-110'],
    [-90, 'output', '-90'],
    [-100, 'prerouting', 'dstnat'],
    [-100, 'output', '-100'],
    [100, 'postrouting', 'srcnat'],
  ] as const)('%i at %s prints as %s', (priority, hook, text) => {
    expect(priorityText(priority, hook)).toBe(text);
  });
});

describe('nft list: set timeouts', () => {
  it.each([
    [10800, '3h'],
    [600, '10m'],
    [3601, '1h1s'],
    [86461, '1d1m1s'],
  ])('%is prints as %s', (seconds, text) => {
    expect(nftTime(seconds)).toBe(text);
  });
});
