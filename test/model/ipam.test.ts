import { describe, expect, it } from 'vitest';
import { formatCidr } from '../../src/net/cidr.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { allocationDiagnostics, buildFromText, flannelYaml } from '../helpers.js';

describe('node pod ranges (kube-controller-manager range allocator)', () => {
  it('hands out /24s of the pod network in node order', () => {
    const { cluster } = buildFromText(flannelYaml());
    expect(cluster.nodes.map((n) => formatCidr(n.podCIDR))).toEqual(['10.244.0.0/24', '10.244.1.0/24']);
  });

  it('skips ranges pinned on other nodes', () => {
    const { cluster } = buildFromText(
      flannelYaml({
        nodes: `  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1, podCIDR: 10.244.0.0/24}
  - {name: node-03, ip: 10.234.2.13, subnet: rack-1}`,
        pods: '  []',
      }),
    );
    expect(cluster.nodes.map((n) => formatCidr(n.podCIDR))).toEqual(['10.244.1.0/24', '10.244.0.0/24', '10.244.2.0/24']);
  });
});

describe('pod IPs (host-local)', () => {
  it('gives .2, .3, ... in pod order, .1 being the cni0 gateway', () => {
    const { cluster } = buildFromText(
      flannelYaml({
        pods: `  - {name: p1, node: node-01, containers: [{name: app}]}
  - {name: p2, node: node-01, containers: [{name: app}]}
  - {name: p3, node: node-02, containers: [{name: app}]}`,
      }),
    );
    expect(cluster.pods.map((p) => `${p.name}=${formatIPv4(p.ip)}`)).toEqual(['p1=10.244.0.2', 'p2=10.244.0.3', 'p3=10.244.1.2']);
  });

  it('reserves pinned IPs before allocating the rest', () => {
    const { cluster } = buildFromText(
      flannelYaml({
        pods: `  - {name: p1, node: node-01, containers: [{name: app}]}
  - {name: p2, node: node-01, ip: 10.244.0.2, containers: [{name: app}]}`,
      }),
    );
    expect(cluster.pods.map((p) => formatIPv4(p.ip))).toEqual(['10.244.0.3', '10.244.0.2']);
  });

  it('gives hostNetwork pods the node IP and no veth', () => {
    const { cluster } = buildFromText(
      flannelYaml({ pods: '  - {name: agent, node: node-02, hostNetwork: true, containers: [{name: app}]}' }),
    );
    expect(formatIPv4(cluster.pods[0]!.ip)).toBe('10.234.2.12');
    expect(cluster.pods[0]!.hostVeth).toBeUndefined();
  });

  it('rejects a pinned IP outside the node range, at the ip key', () => {
    const diagnostics = allocationDiagnostics(
      flannelYaml({ pods: '  - {name: p1, node: node-01, ip: 10.244.1.9, containers: [{name: app}]}' }),
    );
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: 'NL-IPAM-POD-IP',
      severity: 'error',
      message: "pod IP 10.244.1.9 is outside node node-01's pod range 10.244.0.0/24",
      path: ['pods', 0, 'ip'],
    });
  });

  it('rejects the gateway address', () => {
    const diagnostics = allocationDiagnostics(
      flannelYaml({ pods: '  - {name: p1, node: node-01, ip: 10.244.0.1, containers: [{name: app}]}' }),
    );
    expect(diagnostics[0]?.message).toBe('pod IP 10.244.0.1 is the cni0 gateway address of node node-01');
  });

  it('reports a full range: a /28 holds 13 pods (.2 to .14)', () => {
    const pods = Array.from({ length: 14 }, (_, i) => `  - {name: p${i}, node: node-01, containers: [{name: app}]}`).join('\n');
    const text = flannelYaml({ pods }).replace('  kubeProxy:', '  nodeCIDRMaskSize: 28\n  kubeProxy:');
    const diagnostics = allocationDiagnostics(text);
    expect(diagnostics.map((d) => d.code)).toEqual(['NL-IPAM-POD-RANGE-FULL']);
    expect(diagnostics[0]!.message).toBe("node node-01's pod range 10.244.0.0/28 is full: no address left for pod default/p13");
    expect(diagnostics[0]!.path).toEqual(['pods', 13]);
  });
});

describe('allocated names', () => {
  it('are stable and shaped like the real ones', () => {
    const a = buildFromText(flannelYaml()).cluster;
    const b = buildFromText(flannelYaml()).cluster;
    const veth = a.pods[0]!.hostVeth!;
    expect(veth.name).toMatch(/^veth[0-9a-f]{8}$/);
    expect(veth).toEqual(b.pods[0]!.hostVeth);
    // Locally administered unicast: bit 1 of the first byte set, bit 0 clear.
    const first = parseInt(a.pods[0]!.mac!.slice(0, 2), 16);
    expect(first & 0x03).toBe(0x02);
  });
});
