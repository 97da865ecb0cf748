/**
 * The statements kube-proxy's nftables rules are made of, as shared
 * constants and small constructors (a cluster with 10,000 services holds
 * some 200,000 rules; what can be one object is one object).
 */
import type { Cidr } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';
import type { NftElement, NftSelector, NftStatement, NftValue, NftVerdict } from '../../kernel/nftables.js';

export type NftProtocol = 'tcp' | 'udp' | 'sctp';

export const IP_SADDR: NftSelector = { kind: 'ip', field: 'saddr' };
export const IP_DADDR: NftSelector = { kind: 'ip', field: 'daddr' };
export const L4PROTO: NftSelector = { kind: 'l4proto' };
export const TH_DPORT: NftSelector = { kind: 'port', header: 'th', field: 'dport' };

/** `ip daddr . meta l4proto . th dport`: the key of service-ips, no-endpoint-services and firewall-ips. */
export const DADDR_PROTO_PORT: readonly NftSelector[] = [IP_DADDR, L4PROTO, TH_DPORT];
/** `meta l4proto . th dport`: the key of service-nodeports and no-endpoint-nodeports. */
export const PROTO_PORT: readonly NftSelector[] = [L4PROTO, TH_DPORT];

export const CT_STATE_NEW: NftStatement = {
  kind: 'match',
  selector: { kind: 'ct-state' },
  op: '==',
  values: [{ kind: 'symbol', value: 'new' }],
};
export const FIB_SADDR_LOCAL: NftStatement = {
  kind: 'match',
  selector: { kind: 'fib-type', field: 'saddr' },
  op: '==',
  values: [{ kind: 'symbol', value: 'local' }],
};
export const FIB_DADDR_LOCAL: NftStatement = {
  kind: 'match',
  selector: { kind: 'fib-type', field: 'daddr' },
  op: '==',
  values: [{ kind: 'symbol', value: 'local' }],
};

/** Verdicts are small objects; callers that reuse one (per chain) keep it (see service-port.ts). */
export const jumpTo = (chain: string): NftVerdict => ({ kind: 'jump', chain });
export const gotoChain = (chain: string): NftVerdict => ({ kind: 'goto', chain });
export const DROP: NftVerdict = { kind: 'drop' };

export function verdictStatement(verdict: NftVerdict): NftStatement {
  return { kind: 'verdict', verdict };
}

export function addr(ip: IPv4): NftValue {
  return { kind: 'addr', value: ip };
}

export function prefix(c: Cidr): NftValue {
  return { kind: 'prefix', value: c };
}

const PROTO_VALUES: Readonly<Record<NftProtocol, NftValue>> = {
  tcp: { kind: 'proto', value: 'tcp' },
  udp: { kind: 'proto', value: 'udp' },
  sctp: { kind: 'proto', value: 'sctp' },
};

export function proto(p: NftProtocol): NftValue {
  return PROTO_VALUES[p];
}

export function port(n: number): NftValue {
  return { kind: 'port', value: n };
}

/** `ip saddr|daddr [!=] VALUE`. */
export function ipMatch(field: 'saddr' | 'daddr', value: NftValue, negate = false): NftStatement {
  return { kind: 'match', selector: field === 'saddr' ? IP_SADDR : IP_DADDR, op: negate ? '!=' : '==', values: [value] };
}

/** `tcp|udp|sctp dport N`. */
export function dportMatch(protocol: NftProtocol, n: number): NftStatement {
  return { kind: 'match', selector: { kind: 'port', header: protocol, field: 'dport' }, op: '==', values: [port(n)] };
}

const L4PROTO_MATCHES: Readonly<Record<NftProtocol, NftStatement>> = {
  tcp: { kind: 'match', selector: L4PROTO, op: '==', values: [PROTO_VALUES.tcp] },
  udp: { kind: 'match', selector: L4PROTO, op: '==', values: [PROTO_VALUES.udp] },
  sctp: { kind: 'match', selector: L4PROTO, op: '==', values: [PROTO_VALUES.sctp] },
};

/** `meta l4proto tcp`. */
export function l4protoMatch(p: NftProtocol): NftStatement {
  return L4PROTO_MATCHES[p];
}

/** A map element `KEY : VERDICT` (with kube-proxy's comment on the no-endpoint maps). */
export function element(key: readonly NftValue[], value?: NftVerdict, comment?: string): NftElement {
  return { key, ...(value !== undefined ? { value } : {}), ...(comment !== undefined ? { comment } : {}) };
}
