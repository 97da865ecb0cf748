/**
 * `conntrack -L` (conntrack-tools 1.4.7) for the flows a walk left in one
 * netns. Timers are what the tool shows a moment after the exchange (the
 * protocol's timeout minus one second), so output is deterministic. The
 * kernel lists entries in hash order; netlab lists them in creation order.
 */
import type { ConntrackEntry, Tuple } from '../dataplane/netfilter/conntrack.js';
import { IP_PROTOCOL_NUMBER } from '../flow/packet.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

/** nf_conntrack's default timeouts, in seconds, by protocol and state. */
const TIMEOUT = { icmp: 30, udp: 30, tcpSynSent: 120, tcpEstablished: 432000 } as const;

function tupleText(t: Tuple, icmpType: number): string {
  const addresses = `src=${formatIPv4(t.src)} dst=${formatIPv4(t.dst)}`;
  if (t.protocol === 'icmp') {
    // Echo request and reply share the identifier, kept in the tuple's port slot.
    return `${addresses} type=${icmpType} code=0 id=${t.sport ?? t.dport ?? 0}`;
  }
  return `${addresses} sport=${t.sport ?? 0} dport=${t.dport ?? 0}`;
}

export function conntrackLine(entry: ConntrackEntry): string {
  const { original, reply, replied } = entry;
  const protocol = original.protocol;
  const head = `${protocol.padEnd(8)} ${IP_PROTOCOL_NUMBER[protocol]} `;
  const unreplied = replied ? '' : ' [UNREPLIED]';
  if (protocol === 'icmp') {
    return `${head}${TIMEOUT.icmp - 1} ${tupleText(original, 8)}${unreplied} ${tupleText(reply, 0)} mark=0 use=1`;
  }
  if (protocol === 'udp') {
    return `${head}${TIMEOUT.udp - 1} ${tupleText(original, 0)}${unreplied} ${tupleText(reply, 0)} mark=0 use=1`;
  }
  // netlab walks the SYN and, with a reply, the SYN-ACK; a connection that was answered is shown
  // established, as it is once the handshake's last ACK has gone.
  const state = replied ? `${TIMEOUT.tcpEstablished - 1} ESTABLISHED` : `${TIMEOUT.tcpSynSent - 1} SYN_SENT`;
  return `${head}${state} ${tupleText(original, 0)}${unreplied} ${tupleText(reply, 0)}${replied ? ' [ASSURED]' : ''} mark=0 use=1`;
}

export function renderConntrackList(entries: readonly ConntrackEntry[]): Lines {
  return entries.map(conntrackLine);
}

/** What the tool prints on stderr after the list. */
export function conntrackSummary(count: number): string {
  return `conntrack v1.4.7 (conntrack-tools): ${count} flow entries have been shown.`;
}
