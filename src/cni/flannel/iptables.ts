/**
 * flanneld's iptables rules (v0.20+, pkg/trafficmngr/iptables): masquerade
 * for traffic leaving the cluster network, and FORWARD accepts because Docker
 * sets the FORWARD policy to DROP. Chains FLANNEL-POSTRTG (nat) and
 * FLANNEL-FWD (filter); the kube-proxy mark 0x4000 is left to kube-proxy.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { IptRule, Match } from '../../kernel/netfilter/rule.js';
import { parseCidr, type Cidr } from '../../net/cidr.js';

const MULTICAST = parseCidr('224.0.0.0/4')!;
const KUBE_PROXY_MARK = 0x4000;

function comment(text: string): Match {
  return { module: 'comment', comment: text };
}

export function programFlannelIptables(node: NetnsBuilder, network: Cidr, lease: Cidr): void {
  const masq = comment('flanneld masq');
  const forward = comment('flanneld forward');
  const masquerade = { kind: 'MASQUERADE', randomFully: true } as const;
  const returnTarget = { kind: 'RETURN' } as const;

  node.appendRule('nat', 'POSTROUTING', { matches: [masq], target: { kind: 'jump', chain: 'FLANNEL-POSTRTG' } });
  const postrouting: IptRule[] = [
    // Packets kube-proxy marked for masquerade are left to KUBE-POSTROUTING.
    { matches: [{ module: 'mark', value: KUBE_PROXY_MARK, mask: KUBE_PROXY_MARK }, masq], target: returnTarget },
    // Pod to pod inside the cluster network keeps its source.
    { src: { value: lease }, dst: { value: network }, matches: [masq], target: returnTarget },
    { src: { value: network }, dst: { value: lease }, matches: [masq], target: returnTarget },
    { src: { value: network, negate: true }, dst: { value: lease }, matches: [masq], target: returnTarget },
    // Pods leaving the cluster network (but not to multicast) are masqueraded.
    { src: { value: network }, dst: { value: MULTICAST, negate: true }, matches: [masq], target: masquerade },
    // Outside sources reaching remote pods (e.g. via a NodePort) are masqueraded.
    { src: { value: network, negate: true }, dst: { value: network }, matches: [masq], target: masquerade },
  ];
  for (const rule of postrouting) node.appendRule('nat', 'FLANNEL-POSTRTG', rule);

  node.appendRule('filter', 'FORWARD', { matches: [forward], target: { kind: 'jump', chain: 'FLANNEL-FWD' } });
  node.appendRule('filter', 'FLANNEL-FWD', { src: { value: network }, matches: [forward], target: { kind: 'ACCEPT' } });
  node.appendRule('filter', 'FLANNEL-FWD', { dst: { value: network }, matches: [forward], target: { kind: 'ACCEPT' } });
}
