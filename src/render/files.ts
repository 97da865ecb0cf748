/** `cat FILE`, `hostname`, `sysctl` over the files and sysctls a netns holds. */
import type { NetNs } from '../kernel/netns.js';
import type { Lines } from './types.js';

/** A file's lines; the newline that ends the last line does not make an extra empty line. */
export function* renderFile(content: string): Lines {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  yield* lines;
}

export function* renderHostname(ns: NetNs): Lines {
  yield ns.hostname;
}

/** sysctl accepts `net/ipv4/ip_forward` as well as the dotted name. */
export function sysctlKey(name: string): string {
  return name.replaceAll('/', '.');
}

/** `sysctl NAME` prints `NAME = VALUE`; `-n` only the value. */
export function sysctlLine(name: string, value: string, valueOnly: boolean): string {
  return valueOnly ? value : `${name} = ${value}`;
}

/** `sysctl -a` over the keys netlab models (the real one lists thousands), sorted by name. */
export function* renderSysctlAll(ns: NetNs, valueOnly = false): Lines {
  for (const name of [...ns.sysctls.keys()].sort()) yield sysctlLine(name, ns.sysctls.get(name)!, valueOnly);
}
