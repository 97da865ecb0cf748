/**
 * The real-kernel round trip of one node's iptables, as the kube-proxy
 * iptables and userspace tests check it: netlab's iptables-save text goes in
 * with iptables-restore and must come back byte for byte from the real
 * iptables-save, and each listing netlab emulates must print what the real
 * command prints.
 */
import { expect } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { renderIptablesSave } from '../../src/render/iptables-save.js';
import { toText } from '../../src/render/types.js';
import { inNs, maskIptablesSave } from '../netns-helpers.js';

/** `ns`: netlab's node; `netns`: an empty real namespace the rules are restored into. */
export function expectIptablesRoundTrip(ns: NetNs, netns: string, listings: readonly (readonly string[])[]): void {
  const ours = toText(renderIptablesSave(ns.netfilter));
  inNs(netns, ['iptables-restore'], ours);
  expect(maskIptablesSave(inNs(netns, ['iptables-save']))).toBe(maskIptablesSave(ours));
  for (const argv of listings) {
    const emulated = runEmulated(ns, argv);
    expect(emulated.exitCode, argv.join(' ')).toBe(0);
    expect(maskIptablesSave(toText(emulated.stdout)), argv.join(' ')).toBe(maskIptablesSave(inNs(netns, argv)));
  }
}
