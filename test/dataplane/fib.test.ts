import { describe, expect, it } from 'vitest';
import { fibLookup, isLocalAddress, selectSource } from '../../src/dataplane/fib.js';
import { RT_TABLE } from '../../src/kernel/route.js';
import { formatIPv4, parseIPv4 } from '../../src/net/ipv4.js';
import { buildLab } from '../helpers.js';

const ip = (s: string) => parseIPv4(s)!;

describe('route lookup', () => {
  const { cluster, dataplane } = buildLab('labs/default.yaml');
  const node02 = dataplane.nodeNetns(cluster.nodeByName.get('node-02')!);

  it('finds the local table first for own addresses', () => {
    const hit = fibLookup(node02, ip('10.244.1.1'));
    expect(hit.ok && hit.table).toBe(RT_TABLE.local);
    expect(isLocalAddress(node02, ip('10.234.2.12'))).toBe(true);
    expect(isLocalAddress(node02, ip('10.234.2.13'))).toBe(false);
  });

  it('takes the longest prefix, and picks the flannel.1 /32 as source towards a remote pod (as ip route get shows)', () => {
    const hit = fibLookup(node02, ip('10.244.2.2'));
    expect(hit.ok).toBe(true);
    if (!hit.ok) return;
    expect(hit.route.dev).toBe('flannel.1');
    expect(formatIPv4(selectSource(node02, hit.route, ip('10.244.2.2'))!)).toBe('10.244.1.0');
  });

  it('falls back to the default route', () => {
    const hit = fibLookup(node02, ip('8.8.8.8'));
    expect(hit.ok && formatIPv4(hit.route.gateway!)).toBe('10.234.2.254');
  });

  it('reports no route when nothing matches', () => {
    const master = dataplane.nodeNetns(cluster.nodeByName.get('master')!);
    // master has a default route; a pod netns always has one too, so build a miss from the main table alone.
    const main = master.routes.get(RT_TABLE.main)!.filter((r) => r.dst.len > 0);
    const ns = { ...master, routes: new Map([[RT_TABLE.main, main]]) };
    expect(fibLookup(ns, ip('8.8.8.8'))).toMatchObject({ ok: false, reason: 'no-route' });
  });
});
