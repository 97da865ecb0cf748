import { describe, expect, it } from 'vitest';
import { compareMatrices } from '../../src/whatif/diff/compare.js';
import { matrixAxes } from '../../src/whatif/diff/endpoints.js';
import { computeMatrix } from '../../src/whatif/diff/matrix.js';
import { changeLines, matrixLines } from '../../src/views/diff-text.js';
import { buildVariant, NO_WHAT_IF, type WhatIf } from '../../src/whatif/variant.js';
import { flannelYaml } from '../helpers.js';

function diff(text: string, whatIf: WhatIf, maxPods?: number) {
  const a = buildVariant(text, 't.yaml', NO_WHAT_IF);
  const b = buildVariant(text, 't.yaml', whatIf);
  const axes = matrixAxes(a.cluster!, b.cluster!, maxPods !== undefined ? { maxPods } : {});
  return compareMatrices(axes, computeMatrix(a.dataplane!, axes), computeMatrix(b.dataplane!, axes));
}

describe('reachability matrix', () => {
  it('prints a small matrix exactly', () => {
    const result = diff(flannelYaml(), { sets: [], faults: [{ kind: 'fail', value: 'node-02', origin: { flag: '--fail' } }] });
    expect(matrixLines(result)).toEqual([
      'reachability (icmp echo): 4 sources × 2 pods, baseline → variant',
      '           1   2',
      '1 pod-a    ·   .>N',
      '2 pod-b    .>R ·',
      '  node-01  .   .>N',
      '  node-02  .>R .>R',
      'legend: . delivered, R no route, N neighbour unreachable, A>B changed from A to B, ~ delivered by another path',
    ]);
    expect(changeLines(result)).toEqual([
      'changes (5 of 6 cells):',
      "  pod-a → pod-b    lost: neighbour unreachable: no answer to ARP for 10.234.2.12 on eth0 in node-01 (nothing on segment rack-1 has 10.234.2.12); the kernel's vxlan socket gets the error about the outer packet and does not relay it: the sender hears nothing",
      '  pod-b → pod-a    lost: route missing: no route to 10.244.0.2 in default/pod-b',
      "  node-01 → pod-b  lost: neighbour unreachable: no answer to ARP for 10.234.2.12 on eth0 in node-01 (nothing on segment rack-1 has 10.234.2.12); the kernel's vxlan socket gets the error about the outer packet and does not relay it: the sender hears nothing",
      '  node-02 → pod-a  lost: route missing: no route to 10.244.0.2 in node-02',
      '  node-02 → pod-b  lost: route missing: no route to 10.244.1.2 in node-02',
      'reachability changed: 5 lost, 0 gained of 6 cells',
    ]);
  });

  it('host-gw across two subnets loses the cross-subnet pairs; DirectRouting keeps them', () => {
    const text = flannelYaml({
      subnets:
        '  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254}\n  - {name: rack-2, cidr: 10.234.3.0/24, gateway: 10.234.3.254}',
      nodes: '  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}\n  - {name: node-02, ip: 10.234.3.12, subnet: rack-2}',
    });
    const hostGw = diff(text, { sets: ['network.cni.backend=host-gw'], faults: [] });
    expect(hostGw.reachabilityChanged).toBe(true);
    expect(hostGw.cells.find((c) => c.from.label === 'pod-a' && c.to.label === 'pod-b')).toMatchObject({
      change: 'lost',
      reason: expect.stringMatching(/^route missing: the underlay router has no route to 10\.244\.1\.2/),
    });
    const direct = diff(text, { sets: ['network.cni.directRouting=true'], faults: [] });
    expect(direct.reachabilityChanged).toBe(false);
  });

  it('samples big clusters, spread over the nodes, and says so', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => `  - {name: node-${i}, ip: 10.234.2.${20 + i}, subnet: rack-1}`).join('\n');
    const pods = Array.from({ length: 40 }, (_, i) => `  - {name: p-${i}, node: node-${i % 10}}`).join('\n');
    const text = flannelYaml({ nodes, pods });
    const a = buildVariant(text, 't.yaml');
    const axes = matrixAxes(a.cluster!, a.cluster!, { maxPods: 12 });
    expect(axes.columns.map((c) => c.label)).toEqual([
      'p-0',
      'p-10',
      'p-1',
      'p-11',
      'p-2',
      'p-3',
      'p-4',
      'p-5',
      'p-6',
      'p-7',
      'p-8',
      'p-9',
    ]);
    expect(axes.note).toBe('sampled: 12 of 40 pods, spread over the nodes (--max-pods to change)');
  });
});

describe('progress', () => {
  it('is reported per cell, up to the number of cells, for a progress line', () => {
    const a = buildVariant(flannelYaml(), 't.yaml', NO_WHAT_IF);
    const axes = matrixAxes(a.cluster!, a.cluster!);
    const seen: [number, number][] = [];
    computeMatrix(a.dataplane!, axes, {}, (done, total) => seen.push([done, total]));
    const total = axes.rows.length * axes.columns.length;
    expect(seen.every(([, t]) => t === total)).toBe(true);
    expect(seen.map(([d]) => d)).toEqual([...seen.map(([d]) => d)].sort((x, y) => x - y));
    expect(seen[seen.length - 1]![0]).toBe(total);
  });
});
