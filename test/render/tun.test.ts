/**
 * A TUN held open by flanneld (udp backend): carrier, addrgenmode random and
 * a random link-local flagged stable-privacy, no solicited-node group
 * (NOARP). Expected lines are the real ones from test/golden/flannel-udp
 * (node-01), where capture.sh replaced the random address by a token.
 */
import { describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import { toText } from '../../src/render/types.js';
import { addr, link, lo, netns } from './fixtures.js';

const LL = 'fe80::xxxx:xxxx:xxxx:xxxx';
const ns = netns('tun-node', 'node-01', [
  lo(),
  link(
    3,
    'flannel0',
    { kind: 'tun', type: 'tun', pi: false, vnetHdr: false, persist: false },
    {
      mtu: 1472,
      state: { up: true, carrier: true, operstate: 'UNKNOWN' },
      qdisc: 'pfifo_fast',
      txqueuelen: 500,
      tsoMaxSize: 65536,
      ipv4: [addr('10.244.0.0/32')],
      ipv6LinkLocal: true,
      ipv6LinkLocalAddress: LL,
    },
  ),
]);
const run = (command: string) => toText(runEmulated(ns, command.split(' ')).stdout);

describe('flanneld TUN (addrgenmode random)', () => {
  it('ip -d link and ip addr', () => {
    expect(run('ip -d link show flannel0')).toBe(
      [
        '3: flannel0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472 qdisc pfifo_fast state UNKNOWN mode DEFAULT group default qlen 500',
        '    link/none  promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ',
        '    tun type tun pi off vnet_hdr off persist off addrgenmode random numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536 ',
        '',
      ].join('\n'),
    );
    expect(run('ip addr show flannel0')).toBe(
      [
        '3: flannel0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472 qdisc pfifo_fast state UNKNOWN group default qlen 500',
        '    link/none ',
        '    inet 10.244.0.0/32 scope global flannel0',
        '       valid_lft forever preferred_lft forever',
        `    inet6 ${LL}/64 scope link stable-privacy `,
        '       valid_lft forever preferred_lft forever',
        '',
      ].join('\n'),
    );
    expect(run('ip -o addr show flannel0').split('\n')[1]).toBe(
      `3: flannel0    inet6 ${LL}/64 scope link stable-privacy \\       valid_lft forever preferred_lft forever`,
    );
    expect(run('ip -br addr show flannel0')).toBe(`flannel0         UNKNOWN        10.244.0.0/32 ${LL}/64 \n`);
  });

  it('ifconfig, ip maddr (no solicited-node group on a NOARP device)', () => {
    expect(run('ifconfig flannel0').split('\n').slice(0, 4)).toEqual([
      'flannel0: flags=4305<UP,POINTOPOINT,RUNNING,NOARP,MULTICAST>  mtu 1472',
      '        inet 10.244.0.0  netmask 255.255.255.255  destination 10.244.0.0',
      `        inet6 ${LL}  prefixlen 64  scopeid 0x20<link>`,
      '        unspec 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  txqueuelen 500  (UNSPEC)',
    ]);
    expect(run('ip maddr show dev flannel0')).toBe('3:\tflannel0\n\tinet  224.0.0.1\n\tinet6 ff02::1\n\tinet6 ff01::1\n');
  });
});

describe('ipip fallback tunnel (formats from published outputs; no ipip module on the capture machine)', () => {
  const tunl = netns('calico-node', 'node', [
    lo(),
    link(
      4,
      'tunl0',
      { kind: 'ipip' },
      {
        mtu: 1480,
        state: { up: true, carrier: true, operstate: 'UNKNOWN' },
        minmtu: 0,
        maxmtu: 0,
        // The fallback tunnel is neither point-to-point nor multicast: only NOARP.
        flags: { broadcast: false, multicast: false, noarp: true, pointopoint: false, loopback: false },
        ipv4: [addr('10.244.159.128/32')],
        ipv6LinkLocal: false,
      },
    ),
  ]);
  it('ip addr show tunl0', () => {
    expect(toText(runEmulated(tunl, ['ip', 'addr', 'show', 'tunl0']).stdout)).toBe(
      [
        '4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/ipip 0.0.0.0 brd 0.0.0.0',
        '    inet 10.244.159.128/32 scope global tunl0',
        '       valid_lft forever preferred_lft forever',
        '',
      ].join('\n'),
    );
    expect(toText(runEmulated(tunl, ['ip', '-d', 'link', 'show', 'tunl0']).stdout).split('\n')[2]).toMatch(
      /^ {4}ipip any remote any local any ttl inherit nopmtudisc addrgenmode eui64 /,
    );
  });
});
