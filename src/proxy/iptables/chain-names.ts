/**
 * kube-proxy's per-service chain names (pkg/proxy/iptables/proxier.go,
 * v1.33): the first 16 characters of the standard base32 encoding of
 * sha256(servicePortName + protocol), after a prefix; endpoint chains hash
 * the endpoint string (`ip:port`) too. iptables chain names are at most 28
 * characters, hence the cut. servicePortName is `namespace/name:port`, or
 * `namespace/name` for an unnamed port; protocol is lower case (`tcp`).
 *
 *   default/kubernetes:https + tcp -> KUBE-SVC-NPX46M4PTMTKRN6Y
 */
import * as crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first `chars` characters of RFC 4648 base32 (Go's base32.StdEncoding) of `bytes`. */
export function base32Prefix(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && out.length < chars; i++) {
    buffer = ((buffer << 8) | bytes[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** crypto.hash (Node >= 20.12) is a one-shot sha256, several times faster than a Hash object per name. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
export const sha256 =
  oneShot !== undefined
    ? (text: string): Uint8Array => oneShot('sha256', text, 'buffer')
    : (text: string): Uint8Array => crypto.createHash('sha256').update(text).digest();

/** portProtoHash: 16 base32 characters of sha256(servicePortName + protocol [+ endpoint]). */
export function portProtoHash(servicePortName: string, protocol: string, endpoint = ''): string {
  return base32Prefix(sha256(servicePortName + protocol + endpoint), 16);
}

export interface ServicePortChains {
  /** KUBE-SVC-*: the endpoints used with Cluster traffic policy. */
  readonly cluster: string;
  /** KUBE-SVL-*: the node's own endpoints, for Local traffic policies. */
  readonly local: string;
  /** KUBE-FW-*: loadBalancerSourceRanges filtering. */
  readonly firewall: string;
  /** KUBE-EXT-*: traffic to node ports, external IPs and load balancer addresses. */
  readonly external: string;
}

export function servicePortChains(servicePortName: string, protocol: string): ServicePortChains {
  const hash = portProtoHash(servicePortName, protocol);
  return { cluster: `KUBE-SVC-${hash}`, local: `KUBE-SVL-${hash}`, firewall: `KUBE-FW-${hash}`, external: `KUBE-EXT-${hash}` };
}

/** KUBE-SEP-*: one endpoint of one service port. */
export function endpointChain(servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${portProtoHash(servicePortName, protocol, endpoint)}`;
}
