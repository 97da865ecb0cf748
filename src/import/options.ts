/**
 * What the objects cannot say, from the command line: the underlay subnets
 * (and their gateways and MTU), kube-proxy's mode, the pod and service
 * ranges, the CNI when the cluster runs one netlab does not model, the
 * cluster's name, and how many nodes a set of manifests without Node
 * objects should get.
 */
import { UsageError } from '../diagnostics/diagnostic.js';
import { formatCidr, parseCidrText, hasHostBits, contains, parseCidr } from '../net/cidr.js';
import { parseIPv4 } from '../net/ipv4.js';
import type { KubeProxyMode } from '../topology/types.js';

export interface SubnetOption {
  readonly name: string;
  readonly cidr: string;
  /** An address, 'none' for an isolated segment, absent to have one assumed. */
  readonly gateway?: string;
  readonly mtu?: number;
}

export const CNI_CHOICES = [
  'flannel/vxlan',
  'flannel/host-gw',
  'flannel/udp',
  'calico/bgp',
  'calico/ipip',
  'calico/vxlan',
  'canal',
] as const;
export type CniChoice = (typeof CNI_CHOICES)[number];

export interface ImportOptions {
  readonly name?: string;
  readonly subnets?: readonly SubnetOption[];
  /** MTU of the subnets that do not say (default 1500). */
  readonly mtu?: number;
  readonly proxyMode?: KubeProxyMode;
  readonly podCIDR?: string;
  readonly serviceCIDR?: string;
  readonly cni?: CniChoice;
  /** Manifests without Node objects: how many workers to give the cluster (plus one control-plane node). */
  readonly nodes?: number;
}

const RFC1123_LABEL = /^(?=.{1,63}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

/** `NAME=CIDR[,gw=IP][,mtu=N]`, as --subnet takes it. */
export function parseSubnetOption(text: string): SubnetOption {
  const hint = 'write --subnet NAME=CIDR[,gw=IP|none][,mtu=N], e.g. --subnet rack-1=10.0.1.0/24,gw=10.0.1.1';
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--subnet ${text}: expected NAME=CIDR`, hint);
  const name = text.slice(0, eq);
  if (!RFC1123_LABEL.test(name))
    throw new UsageError(`--subnet ${text}: '${name}' is not a valid subnet name (an RFC 1123 label: a-z, 0-9, '-')`, hint);
  const [cidrText, ...rest] = text.slice(eq + 1).split(',');
  const parsedCidr = parseCidrText(cidrText ?? '');
  if (!parsedCidr) throw new UsageError(`--subnet ${text}: '${cidrText}' is not a CIDR`, hint);
  if (hasHostBits(parsedCidr))
    throw new UsageError(`--subnet ${text}: ${cidrText} has host bits set`, `did you mean ${formatCidr(parseCidr(cidrText!)!)}?`);
  let gateway: string | undefined;
  let mtu: number | undefined;
  for (const part of rest) {
    const [key, value = ''] = part.split('=');
    if ((key === 'gw' || key === 'gateway') && value === 'none') {
      gateway = 'none';
    } else if (key === 'gw' || key === 'gateway') {
      const ip = parseIPv4(value);
      if (ip === undefined) throw new UsageError(`--subnet ${text}: gateway '${value}' is not an IPv4 address`, hint);
      if (!contains(parseCidr(cidrText!)!, ip)) throw new UsageError(`--subnet ${text}: gateway ${value} is outside ${cidrText}`, hint);
      gateway = value;
    } else if (key === 'mtu') {
      mtu = parseMtu(value, `--subnet ${text}`);
    } else {
      throw new UsageError(`--subnet ${text}: unknown setting '${key}'`, hint);
    }
  }
  return { name, cidr: cidrText!, ...(gateway !== undefined ? { gateway } : {}), ...(mtu !== undefined ? { mtu } : {}) };
}

export function parseMtu(text: string, what = '--mtu'): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 68 || n > 65535) throw new UsageError(`${what}: MTU '${text}' is not a number from 68 to 65535`);
  return n;
}

export function parseCidrOption(text: string, flag: string): string {
  const parsed = parseCidrText(text);
  if (!parsed) throw new UsageError(`${flag} ${text}: not a CIDR`, `e.g. ${flag} 10.244.0.0/16`);
  if (hasHostBits(parsed)) throw new UsageError(`${flag} ${text}: host bits set`, `did you mean ${formatCidr(parseCidr(text)!)}?`);
  return text;
}
