import { describe, expect, it } from 'vitest';
import { goldenTopologies, loadRepoFile } from './helpers.js';

describe('the repository topologies load cleanly', () => {
  it.each(['labs/default.yaml', ...goldenTopologies()])('%s', (file) => {
    const result = loadRepoFile(file);
    expect(result.diagnostics).toEqual([]);
    expect(result.topology).toBeDefined();
  });

  it('the default lab normalises with defaults filled in', () => {
    const { topology } = loadRepoFile('labs/default.yaml');
    expect(topology!.network).toEqual({
      podCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      clusterDomain: 'cluster.local',
      nodeCIDRMaskSize: 24,
      cni: { plugin: 'flannel', backend: 'vxlan', directRouting: false, vni: 1, port: 8472, networkPolicy: 'none' },
      serviceNodePortRange: '30000-32767',
      loadBalancerPool: '203.0.113.0/24',
      kubeProxy: { mode: 'iptables', scheduler: 'rr', clusterCIDR: '10.244.0.0/16', masqueradeAll: false },
      dns: { coreDNS: true },
      kubelet: { makeIPTablesUtilChains: true },
    });
    expect(topology!.nodes.map((n) => [n.name, n.role, n.runtime, n.source])).toEqual([
      ['master', 'control-plane', 'containerd', ['nodes', 0]],
      ['node-02', 'worker', 'containerd', ['nodes', 1]],
      ['node-03', 'worker', 'containerd', ['nodes', 2]],
    ]);
    expect(topology!.namespaces.map((n) => n.name)).toEqual(['default', 'kube-system']);
    expect(topology!.services[0]).toEqual({
      source: ['services', 0],
      name: 'web',
      namespace: 'default',
      type: 'NodePort',
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 10800,
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      selector: { app: 'web' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
      externalIPs: [],
      loadBalancerSourceRanges: [],
    });
  });
});
