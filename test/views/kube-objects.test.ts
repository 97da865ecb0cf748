/** netlab's model as the API server would return it (src/views/kube-objects). */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '../../src/kube/discovery.js';
import type { Node, Pod, Service } from '../../src/kube/core.js';
import type { KubeObject } from '../../src/kube/meta.js';
import { ALL_KINDS, kubeList, kubeObjects } from '../../src/views/kube-objects/index.js';
import { calicoYaml } from '../cni/calico-helpers.js';
import { buildFromText, buildLab, flannelYaml } from '../helpers.js';

function sortedKeysEverywhere(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => sortedKeysEverywhere(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const keys = Object.keys(value);
  const problems = keys.join() === [...keys].sort().join() ? [] : [`${path}: ${keys.join(',')}`];
  return [...problems, ...keys.flatMap((k) => sortedKeysEverywhere((value as Record<string, unknown>)[k], `${path}.${k}`))];
}

const named = <T extends KubeObject>(items: readonly KubeObject[], kind: string, name: string): T =>
  items.find((i) => i.kind === kind && i.metadata.name === name) as T;

describe('the default lab as Kubernetes objects', () => {
  const { cluster } = buildLab('labs/default.yaml');
  const list = kubeList(cluster);

  it("is a v1 List of the five kinds, each sorted by namespace and name, keys in kubectl's order", () => {
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    expect([...new Set(list.items.map((i) => i.kind))]).toEqual(['Node', 'Pod', 'Service', 'EndpointSlice']);
    const pods = list.items.filter((i) => i.kind === 'Pod').map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(pods).toEqual([...pods].sort());
    expect(pods).toHaveLength(5);
    expect(sortedKeysEverywhere(list)).toEqual([]);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(kubeList(buildLab('labs/default.yaml').cluster, ALL_KINDS))).toBe(JSON.stringify(kubeList(cluster, ALL_KINDS)));
  });

  it("nodes: flannel annotations with the VTEP MAC, podCIDR, InternalIP, kubeadm's control-plane label and taint", () => {
    const master = named<Node>(list.items, 'Node', 'master');
    expect(master.metadata.annotations).toMatchObject({
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/backend-data': `{"VNI":1,"VtepMAC":"${cluster.nodeByName.get('master')!.vtepMAC}"}`,
      'flannel.alpha.coreos.com/public-ip': '10.234.2.11',
    });
    expect(master.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'master' });
    expect(master.spec).toEqual({
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      taints: [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }],
    });
    expect(master.status!.addresses).toEqual([
      { address: '10.234.2.11', type: 'InternalIP' },
      { address: 'master', type: 'Hostname' },
    ]);
  });

  it('pods: node, IPs, ports, readiness; CoreDNS owned by its ReplicaSet with dnsPolicy Default', () => {
    const podA = named<Pod>(list.items, 'Pod', 'pod-a');
    expect(podA.spec).toMatchObject({
      nodeName: 'node-02',
      dnsPolicy: 'ClusterFirst',
      containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }] }],
    });
    expect(podA.status).toMatchObject({ podIP: '10.244.1.2', hostIP: '10.234.2.12', phase: 'Running' });
    expect(podA.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    const coredns = list.items.filter((i) => i.kind === 'Pod' && i.metadata.name!.startsWith('coredns-')) as Pod[];
    expect(coredns).toHaveLength(2);
    for (const pod of coredns) {
      expect(pod.metadata.ownerReferences).toMatchObject([
        { kind: 'ReplicaSet', controller: true, name: pod.metadata.generateName!.slice(0, -1) },
      ]);
      expect(pod.spec.dnsPolicy).toBe('Default');
    }
  });

  it("services and their slices: ports with node ports, the controller's slice with both pods, the API server's own", () => {
    const web = named<Service>(list.items, 'Service', 'web');
    expect(web.spec).toMatchObject({
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      ports: [{ name: 'http', nodePort: 30080, port: 80, protocol: 'TCP', targetPort: 'http' }],
      selector: { app: 'web' },
    });
    const slices = list.items.filter(
      (i) => i.kind === 'EndpointSlice' && i.metadata.labels!['kubernetes.io/service-name'] === 'web',
    ) as EndpointSlice[];
    expect(slices).toHaveLength(1);
    expect(slices[0]!.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(slices[0]!.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(slices[0]!.endpoints!.map((e) => [e.addresses[0], e.nodeName, e.targetRef!.name, e.conditions])).toEqual([
      ['10.244.1.2', 'node-02', 'pod-a', { ready: true, serving: true, terminating: false }],
      ['10.244.2.2', 'node-03', 'pod-b', { ready: true, serving: true, terminating: false }],
    ]);
    const apiserver = named<EndpointSlice>(list.items, 'EndpointSlice', 'kubernetes');
    expect(apiserver.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes' });
    expect(apiserver.endpoints).toEqual([{ addresses: ['10.234.2.11'], conditions: { ready: true } }]);
    expect(apiserver.ports).toEqual([{ name: 'https', port: 6443, protocol: 'TCP' }]);
  });

  it("configuration: kube-proxy's mode in kubeadm's ConfigMap, flannel's net-conf.json, kubeadm's subnets", () => {
    const all = kubeList(cluster, ALL_KINDS).items;
    const proxy = named<KubeObject & { data: Record<string, string> }>(all, 'ConfigMap', 'kube-proxy');
    expect(proxy.data['config.conf']).toContain('\nmode: ""\n');
    expect(proxy.data['config.conf']).toContain('\nclusterCIDR: 10.244.0.0/16\n');
    expect(proxy.data['kubeconfig.conf']).toContain('server: https://10.234.2.11:6443');
    expect(
      JSON.parse(named<KubeObject & { data: Record<string, string> }>(all, 'ConfigMap', 'kube-flannel-cfg').data['net-conf.json']),
    ).toEqual({ Network: '10.244.0.0/16', EnableNFTables: false, Backend: { Type: 'vxlan' } });
    expect(named<KubeObject & { data: Record<string, string> }>(all, 'ConfigMap', 'kubeadm-config').data['ClusterConfiguration']).toContain(
      '  serviceSubnet: 10.96.0.0/12\n',
    );
  });
});

describe('slices, as the EndpointSlice controller cuts them', () => {
  it('one slice per set of resolved ports; a pod without the named port is in a slice without it; a not-ready or terminating pod is an endpoint with its conditions', () => {
    const pods = `  - {name: a, node: node-01, labels: {app: web}, containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}
  - {name: b, node: node-02, labels: {app: web}, containers: [{name: c, ports: [{name: http, containerPort: 8080}]}], ready: false}
  - {name: c, node: node-02, labels: {app: web}, terminating: true, containers: [{name: c}]}
services:
  - {name: web, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000}]}
  - {name: empty, selector: {app: none}, ports: [{port: 80}]}`;
    const { cluster } = buildFromText(flannelYaml({ pods }));
    const slices = kubeObjects(cluster).endpointslices as EndpointSlice[];
    const web = slices.filter((s) => s.metadata.labels!['kubernetes.io/service-name'] === 'web');
    expect(web.map((s) => [s.ports, s.endpoints!.map((e) => [e.targetRef!.name, e.conditions])])).toEqual([
      [
        [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'admin', port: 9000, protocol: 'TCP' },
        ],
        [['a', { ready: true, serving: true, terminating: false }]],
      ],
      [
        [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'admin', port: 9000, protocol: 'TCP' },
        ],
        [['b', { ready: false, serving: false, terminating: false }]],
      ],
      [[{ name: 'admin', port: 9000, protocol: 'TCP' }], [['c', { ready: false, serving: true, terminating: true }]]],
    ]);
    expect(new Set(web.map((s) => s.metadata.name)).size).toBe(3);
    const empty = slices.find((s) => s.metadata.labels!['kubernetes.io/service-name'] === 'empty')!;
    expect([empty.endpoints, empty.ports]).toEqual([null, null]);
    const terminating = kubeObjects(cluster).pods.find((p) => p.metadata.name === 'c')!;
    expect(terminating.metadata).toMatchObject({ deletionGracePeriodSeconds: 30 });
  });
});

describe('calico nodes', () => {
  it("IPv4Address with the subnet's prefix, the IPIP tunnel address; VXLAN adds the tunnel MAC; pods carry the CNI plugin's annotation", () => {
    const ipip = kubeObjects(buildFromText(calicoYaml('{plugin: calico, mode: ipip}')).cluster);
    const node = ipip.nodes[0] as Node;
    const tunnel = node.metadata.annotations!['projectcalico.org/IPv4IPIPTunnelAddr'];
    expect(node.metadata.annotations).toMatchObject({ 'projectcalico.org/IPv4Address': '10.234.2.11/24' });
    expect(tunnel).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(Object.keys(node.metadata.annotations!).some((k) => k.startsWith('flannel'))).toBe(false);
    const podIP = (ipip.pods[0] as Pod).status!.podIP;
    expect((ipip.pods[0] as Pod).metadata.annotations).toEqual({
      'cni.projectcalico.org/podIP': `${podIP}/32`,
      'cni.projectcalico.org/podIPs': `${podIP}/32`,
    });
    const vxlan = kubeObjects(buildFromText(calicoYaml('{plugin: calico, mode: vxlan, crossSubnet: true}')).cluster);
    expect(Object.keys((vxlan.nodes[0] as Node).metadata.annotations!)).toEqual(
      expect.arrayContaining(['projectcalico.org/IPv4VXLANTunnelAddr', 'projectcalico.org/VXLANTunnelMACAddr']),
    );
    expect(vxlan.ippools[0]).toMatchObject({ spec: { cidr: '10.244.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'CrossSubnet' } });
  });
});
