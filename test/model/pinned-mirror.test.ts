/** What a mirrored cluster pins beyond addresses: calico tunnel addresses and pod owners. */
import { describe, expect, it } from 'vitest';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { usesClusterDns } from '../../src/model/dns.js';
import { calicoYaml } from '../cni/calico-helpers.js';
import { allocationDiagnostics, buildFromText, flannelYaml } from '../helpers.js';
import { loadTopology } from '../../src/topology/load.js';

describe('a pinned calico tunnel address', () => {
  const nodes = `  - {name: node-01, ip: 10.234.2.11, subnet: rack-1, tunnelAddress: 10.244.19.64}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}`;

  it("is the node's tunl0 address, and its block is the node's (pods follow it)", () => {
    const { cluster } = buildFromText(calicoYaml('{plugin: calico, mode: ipip}', { nodes }));
    const node = cluster.nodeByName.get('node-01')!;
    expect(formatIPv4(node.calico!.tunnelAddress!)).toBe('10.244.19.64');
    expect(node.calico!.blocks.map((b) => `${formatIPv4(b.addr)}/${b.len}`)).toEqual(['10.244.19.64/26']);
    expect(formatIPv4(cluster.podByKey.get('default/pod-a')!.ip)).toBe('10.244.19.65');
  });

  it('is refused when a pod pins it too', () => {
    const pods = '  - {name: pod-a, node: node-01, ip: 10.244.19.64}';
    const diagnostics = allocationDiagnostics(calicoYaml('{plugin: calico, mode: vxlan}', { nodes, pods }));
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['NL-IPAM-POD-IP', 'pod IP 10.244.19.64 is already used (by a pod or a tunnel address)'],
    ]);
  });

  it('is refused outside the pool, and ignored (a warning) where there is no tunnel', () => {
    const outside = nodes.replace('10.244.19.64', '10.250.0.1');
    expect(allocationDiagnostics(calicoYaml('{plugin: calico, mode: ipip}', { nodes: outside })).map((d) => d.code)).toEqual([
      'NL-IPAM-TUNNEL-ADDRESS',
    ]);
    const bgp = loadTopology(calicoYaml('{plugin: calico, mode: bgp}', { nodes }), 't.yaml');
    expect(bgp.diagnostics.map((d) => [d.code, d.line])).toEqual([['NL-OPTION-IGNORED', 10]]);
    const flannel = loadTopology(flannelYaml({ nodes }), 't.yaml');
    expect(flannel.diagnostics.map((d) => d.message)).toEqual([
      "tunnelAddress is ignored: flannel takes its tunnel address from the node's podCIDR",
    ]);
  });
});

describe('a written pod owner', () => {
  it("is kept; a written CoreDNS replica asks the node's resolver, as kubeadm's dnsPolicy Default says", () => {
    const pods = `  - {name: coredns-7c65d6cfc9-8t6pl, namespace: kube-system, node: node-01, labels: {k8s-app: kube-dns}, owner: {kind: ReplicaSet, name: coredns-7c65d6cfc9, deployment: coredns}}
  - {name: web-0, node: node-02, owner: {kind: StatefulSet, name: web}}`;
    const { cluster } = buildFromText(flannelYaml({ pods }));
    const coredns = cluster.podByKey.get('kube-system/coredns-7c65d6cfc9-8t6pl')!;
    expect(coredns.spec.owner).toEqual({ kind: 'ReplicaSet', name: 'coredns-7c65d6cfc9', deployment: 'coredns' });
    expect(usesClusterDns(coredns)).toBe(false);
    expect(usesClusterDns(cluster.podByKey.get('default/web-0')!)).toBe(true);
  });

  it('two written pods of one name are still a duplicate, owner or not', () => {
    const pods = `  - {name: web-0, node: node-01, owner: {kind: StatefulSet, name: web}}
  - {name: web-0, node: node-02, owner: {kind: StatefulSet, name: web}}`;
    expect(loadTopology(flannelYaml({ pods }), 't.yaml').diagnostics.map((d) => d.code)).toEqual(['NL-DUPLICATE-NAME']);
  });

  it('deployment on an owner that is not a ReplicaSet is ignored, with a warning', () => {
    const pods = '  - {name: web-0, node: node-01, owner: {kind: StatefulSet, name: web, deployment: web}}';
    expect(loadTopology(flannelYaml({ pods }), 't.yaml').diagnostics.map((d) => d.message)).toEqual([
      'owner.deployment is ignored: a StatefulSet is not owned by a Deployment',
    ]);
  });
});
