/**
 * The order `ifconfig -a` lists devices in (net-tools 2.10 nstrcmp), as
 * this machine's ifconfig printed these names (bridges made with exactly
 * these names in a fresh netns, `ifconfig -a | grep -o '^[^: ]*'`).
 */
import { describe, expect, it } from 'vitest';
import { nstrcmp } from '../../src/render/ifconfig.js';

describe('nstrcmp', () => {
  it('sorts as the real ifconfig does: heads before trailing digits, shorter head first, then the numbers', () => {
    const real = [
      'a10',
      'a1b2',
      'ab',
      'br0',
      'cali2f5353dd8c5',
      'cali5e1c4d6c68c',
      'cni0',
      'docker0',
      'eth0',
      'eth2',
      'eth10',
      'flannel0',
      'flannel.1',
      'lo',
      'veth9',
      'veth39974854',
      'veth10x',
      'veth16eae649',
      'vxlan.calico',
    ];
    const shuffled = [...real].reverse();
    expect(shuffled.sort(nstrcmp)).toEqual(real);
  });
});
