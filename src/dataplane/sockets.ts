/** Which socket a packet reaches: the listener (src/model/listeners.ts) on its protocol and destination port. */
import type { Listener } from '../model/listeners.js';
import type { Packet } from '../flow/packet.js';

export function findListener(listeners: readonly Listener[], p: Packet): Listener | undefined {
  if (p.protocol === 'icmp') return undefined;
  return listeners.find((l) => l.protocol === p.protocol && l.port === p.dport);
}
