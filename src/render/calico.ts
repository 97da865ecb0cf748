/**
 * calico-node's own tools: `calicoctl node status` (a tablewriter table
 * built from BIRD's protocol list, calicoctl commands/node/status.go) and
 * `birdcl show protocols` (BIRD 1.6's `%-8s %-8s %-8s %-5s  %-10s  %s`
 * rows, BGP info padded to 14 characters). Times are the fixed clock
 * netlab uses for iptables-save, so output is deterministic.
 */
import { formatIPv4 } from '../net/ipv4.js';
import type { BgpPeer } from '../cni/calico/bird.js';
import type { Lines } from './types.js';

/** BIRD's version string as calico-node ships it. */
export const BIRD_VERSION = 'v0.3.3+birdv1.6.8';

function hms(date: Date): string {
  return date.toISOString().slice(11, 19);
}

function bgpInfo(peer: BgpPeer): string {
  return peer.established ? 'Established' : 'Active        Socket: No route to host';
}

function birdRow(name: string, proto: string, state: string, since: string, info: string): string {
  return `${name.padEnd(8)} ${proto.padEnd(8)} ${'master'.padEnd(8)} ${state.padEnd(5)}  ${since.padEnd(10)}  ${info}`;
}

export function renderBirdProtocols(peers: readonly BgpPeer[], now: Date): Lines {
  const since = hms(now);
  const lines = [`BIRD ${BIRD_VERSION} ready.`, 'name     proto    table    state  since       info'];
  for (const [name, proto] of [
    ['static1', 'Static'],
    ['kernel1', 'Kernel'],
    ['device1', 'Device'],
    ['direct1', 'Direct'],
  ] as const) {
    lines.push(birdRow(name, proto, 'up', since, ''));
  }
  for (const peer of peers) {
    lines.push(birdRow(peer.protocol, 'BGP', peer.established ? 'up' : 'start', since, bgpInfo(peer).padEnd(14)));
  }
  return lines;
}

/** olekukonko/tablewriter with its defaults: centred upper-case headers, left-aligned text, 1 space of padding. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (text: string, width: number) => {
    const gap = width - text.length;
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + text + ' '.repeat(gap - left);
  };
  return [
    border,
    `|${header.map((h, i) => ` ${centre(h, widths[i]!)} `).join('|')}|`,
    border,
    ...rows.map((r) => `|${r.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('|')}|`),
    border,
  ];
}

/** `calicoctl node status`; `bird` false: the VXLAN-only backend, where BIRD does not run. */
export function renderNodeStatus(peers: readonly BgpPeer[], bird: boolean, now: Date): Lines {
  const lines = ['Calico process is running.'];
  if (!bird) return [...lines, '', 'None of the BGP backend processes (BIRD or GoBGP) are running.', ''];
  lines.push('', 'IPv4 BGP status');
  if (peers.length === 0) lines.push('No IPv4 peers found.');
  else {
    const since = hms(now);
    lines.push(
      ...table(
        ['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'],
        peers.map((p) => [formatIPv4(p.address), p.type, p.established ? 'up' : 'start', since, bgpInfo(p).replace(/ {2,}/, ' ')]),
      ),
    );
  }
  lines.push('', 'IPv6 BGP status', 'No IPv6 peers found.', '');
  return lines;
}
