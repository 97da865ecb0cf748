/** The source port a --random-fully NAT picks: random within the original port's class (nf_nat_l4proto_unique_tuple). */
import { describe, expect, it } from 'vitest';
import { randomFullySourcePort } from '../../src/dataplane/netfilter/nat.js';
import type { Packet } from '../../src/flow/packet.js';

const packet = (protocol: Packet['protocol'], sport: number | undefined, dst = 0x0a000001): Packet => ({
  src: 0x0a000002,
  dst,
  protocol,
  ttl: 64,
  length: 60,
  df: true,
  mark: 0,
  ...(sport !== undefined ? { sport, dport: 80 } : {}),
});

describe('randomFullySourcePort', () => {
  it('keeps a port in its class: below 512, 600-1023, 1024 and up', () => {
    for (let i = 0; i < 50; i++) {
      const dst = 0x0a000001 + i;
      const low = randomFullySourcePort(packet('tcp', 100, dst))!;
      const mid = randomFullySourcePort(packet('udp', 700, dst))!;
      const high = randomFullySourcePort(packet('tcp', 45678, dst))!;
      expect(low >= 1 && low <= 511).toBe(true);
      expect(mid >= 600 && mid <= 1023).toBe(true);
      expect(high >= 1024 && high <= 65535).toBe(true);
    }
  });

  it('is reproducible, and differs between connections', () => {
    expect(randomFullySourcePort(packet('tcp', 45678))).toBe(randomFullySourcePort(packet('tcp', 45678)));
    const ports = new Set(Array.from({ length: 20 }, (_, i) => randomFullySourcePort(packet('tcp', 40000 + i))));
    expect(ports.size).toBeGreaterThan(15);
  });

  it('leaves ICMP and port-less packets alone', () => {
    expect(randomFullySourcePort(packet('icmp', 4242))).toBeUndefined();
    expect(randomFullySourcePort(packet('tcp', undefined))).toBeUndefined();
  });
});
