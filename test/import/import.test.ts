/** netlab import on small inputs: what it reads, what it assumes, what it names and leaves out, and bad input. */
import { describe, expect, it } from 'vitest';
import { importCluster } from '../../src/import/import.js';
import type { ImportOptions } from '../../src/import/options.js';
import { parseSubnetOption } from '../../src/import/options.js';
import { loadTopology } from '../../src/topology/load.js';

const node = (name: string, ip: string, podCIDR: string, extra = '') => `
- apiVersion: v1
  kind: Node
  metadata: {name: ${name}${extra}}
  spec: {podCIDR: ${podCIDR}}
  status: {addresses: [{type: InternalIP, address: ${ip}}]}`;

const pod = (name: string, nodeName: string, ip: string, extra = '') => `
- apiVersion: v1
  kind: Pod
  metadata: {name: ${name}, namespace: default, labels: {app: web}}
  spec: {nodeName: ${nodeName}, containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}
  status: {phase: Running, podIP: ${ip}, conditions: [{type: Ready, status: "True"}]}${extra}`;

const list = (...items: string[]) => `apiVersion: v1\nkind: List\nitems:${items.join('')}\n`;
const TWO_NODES = node('n1', '10.0.0.11', '10.244.0.0/24') + node('n2', '10.0.0.12', '10.244.1.0/24');

function run(text: string, options: ImportOptions = {}, file = 'in.yaml') {
  return importCluster([{ file, text }], options);
}

function ok(text: string, options: ImportOptions = {}) {
  const r = run(text, options);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(loadTopology(r.yaml!, 'out.yaml').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r;
}

describe('bad input', () => {
  it("YAML syntax errors keep the loader's code and position", () => {
    const r = run('apiVersion: v1\nkind: List\nitems: [\n');
    expect(r.yaml).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ code: 'NL-YAML-SYNTAX', file: 'in.yaml', line: 4 });
  });

  it('a field of the wrong type: file:line:col at the value, the field named', () => {
    const r = run(
      list(
        TWO_NODES,
        `
- apiVersion: v1
  kind: Pod
  metadata: {name: p, namespace: default}
  spec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: eighty}]}]}`,
      ),
    );
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'NL-IMPORT-FIELD-TYPE',
        severity: 'error',
        message: "spec.containers[0].ports[0].containerPort: expected an integer, found the string 'eighty'",
        file: 'in.yaml',
        line: 17,
        col: 71,
      }),
    ]);
  });

  it('a missing name, an object without kind, an address that is not one', () => {
    const r = run(
      list(
        `
- apiVersion: v1
  kind: Node
  metadata: {labels: {a: b}}`,
        `
- {metadata: {name: x}}`,
        node('n1', '10.0.0.300', '10.244.0.0/24'),
      ),
    );
    expect(r.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['NL-IMPORT-FIELD-MISSING', 6, 'metadata.name is missing'],
      ['NL-IMPORT-NOT-AN-OBJECT', 7, 'expected a Kubernetes object: apiVersion and kind are missing'],
    ]);
    const bad = run(list(node('n1', '10.0.0.300', '10.244.0.0/24')));
    expect(bad.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['NL-IMPORT-VALUE-INVALID', 8, "node n1: '10.0.0.300' is not an IPv4 address"],
    ]);
  });

  it('documents of a stream are positioned in the whole file; a list where an object belongs is refused', () => {
    const r = run(`apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n- just\n- a list\n`);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['NL-IMPORT-NOT-AN-OBJECT', 5, 1]]);
  });

  it('no objects at all, or no nodes and nothing to make them for', () => {
    expect(run('apiVersion: v1\nkind: List\nitems: []\n').diagnostics.map((d) => d.code)).toEqual(['NL-IMPORT-EMPTY']);
    expect(
      run(
        list(`
- apiVersion: v1
  kind: Secret
  metadata: {name: s}`),
      ).diagnostics.map((d) => d.code),
    ).toEqual(['NL-IMPORT-EMPTY']);
  });

  it('a service network guessed wrong is an error at the service, with the flag that fixes it', () => {
    const r = run(
      list(
        TWO_NODES,
        `
- apiVersion: v1
  kind: Service
  metadata: {name: s, namespace: default}
  spec: {clusterIP: 10.96.0.20, ports: [{port: 80}]}`,
      ),
      { serviceCIDR: '10.100.0.0/16' },
    );
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'NL-IMPORT-UNBUILDABLE', line: 14, hint: expect.stringContaining('--service-cidr') }),
    ]);
  });

  it('--subnet is checked as it is parsed', () => {
    expect(parseSubnetOption('rack-1=10.0.1.0/24,gw=10.0.1.254,mtu=9000')).toEqual({
      name: 'rack-1',
      cidr: '10.0.1.0/24',
      gateway: '10.0.1.254',
      mtu: 9000,
    });
    expect(parseSubnetOption('r=10.0.1.0/24,gw=none')).toEqual({ name: 'r', cidr: '10.0.1.0/24', gateway: 'none' });
    expect(() => parseSubnetOption('10.0.1.0/24')).toThrow(/expected NAME=CIDR/);
    expect(() => parseSubnetOption('r=10.0.1.1/24')).toThrow(/host bits/);
    expect(() => parseSubnetOption('r=10.0.1.0/24,gw=10.0.2.1')).toThrow(/outside/);
    expect(() => parseSubnetOption('r=10.0.1.0/24,mtu=10')).toThrow(/MTU/);
  });
});

describe('what the topology cannot say yet is named and left out', () => {
  it('a selector-less service with a hand-written EndpointSlice', () => {
    const r = ok(
      list(
        TWO_NODES,
        `
- apiVersion: v1
  kind: Service
  metadata: {name: external-db, namespace: default}
  spec: {clusterIP: 10.96.0.30, ports: [{port: 5432}]}
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: {name: external-db-1, namespace: default, labels: {kubernetes.io/service-name: external-db, endpointslice.kubernetes.io/managed-by: staff}}
  addressType: IPv4
  endpoints: [{addresses: [192.0.2.10], conditions: {ready: true}}]
  ports: [{port: 5432, protocol: TCP}]`,
      ),
    );
    expect(r.notes.lines('notExpressible')).toEqual([
      'services whose endpoints are written by hand (selector-less services with EndpointSlices; left without endpoints): default/external-db 192.0.2.10 port 5432',
    ]);
    expect(r.document!.services).toEqual([{ name: 'external-db', ports: [{ port: 5432 }], clusterIP: '10.96.0.30' }]);
    expect(r.yaml).toContain(
      '# Not expressible yet (left out; netlab cannot say these yet):\n#   - services whose endpoints are written by hand',
    );
  });

  it("kube-proxy's options beyond the mode, from its ConfigMap", () => {
    const conf =
      'mode: ipvs\\nclusterCIDR: 10.244.0.0/16\\nipvs: {scheduler: lc, strictARP: true}\\nnodePortAddresses: [10.0.0.0/24]\\niptables: {masqueradeBit: 12, localhostNodePorts: false}\\nconntrack: {tcpBeLiberal: true}\\n';
    const r = ok(
      list(
        TWO_NODES,
        `
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: kube-proxy, namespace: kube-system}
  data: {config.conf: "${conf}"}`,
      ),
    );
    expect(r.document!.network!.kubeProxy).toEqual({ mode: 'ipvs', scheduler: 'lc' });
    expect(r.notes.lines('notExpressible')).toEqual([
      'kube-proxy options (5): nodePortAddresses: ["10.0.0.0/24"], masqueradeBit: 12, iptables.localhostNodePorts: false, conntrack.tcpBeLiberal: true, ipvs.strictARP: true',
    ]);
  });

  it('a LoadBalancer with two ingress addresses and no node ports; IPv6 addresses; host ports; finished and pending pods; unknown kinds; Ingresses', () => {
    const r = ok(
      list(
        TWO_NODES,
        pod('a', 'n1', '10.244.0.5'),
        pod('b', 'n2', 'fd00::5'),
        pod('done', 'n1', '10.244.0.6').replace('phase: Running', 'phase: Succeeded'),
        `
- apiVersion: v1
  kind: Pod
  metadata: {name: pending, namespace: default}
  spec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 8080, hostPort: 8080}]}]}
  status: {phase: Pending}
- apiVersion: v1
  kind: Service
  metadata: {name: lb, namespace: default}
  spec: {type: LoadBalancer, clusterIP: 10.96.0.40, allocateLoadBalancerNodePorts: false, selector: {app: web}, ports: [{port: 80}]}
  status: {loadBalancer: {ingress: [{ip: 198.51.100.7}, {ip: 198.51.100.8}]}}
- apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata: {name: web, namespace: default}
- {apiVersion: v1, kind: Secret, metadata: {name: s1}}
- {apiVersion: v1, kind: Secret, metadata: {name: s2}}
- {apiVersion: v1, kind: Event, metadata: {name: e}}`,
      ),
    );
    expect(r.document!.services).toEqual([
      {
        name: 'lb',
        type: 'LoadBalancer',
        selector: { app: 'web' },
        ports: [{ port: 80 }],
        clusterIP: '10.96.0.40',
        loadBalancerIP: '198.51.100.7',
      },
    ]);
    expect(r.notes.lines('notExpressible')).toEqual([
      'IPv6-only pods (left out): default/b',
      'LoadBalancer services with several ingress addresses (the first is kept): default/lb 198.51.100.7 198.51.100.8',
      'allocateLoadBalancerNodePorts: false (netlab allocates node ports): default/lb',
      'Ingresses (netlab has no ingress model yet): default/web',
    ]);
    expect(r.notes.lines('skipped')).toEqual([
      'pods that have finished (Succeeded or Failed: their network namespace is gone): default/done',
      'pods without an IP yet (Pending): default/pending',
      'objects of kinds netlab does not read: 1 Event, 2 Secrets',
    ]);
  });

  it("a pinned address netlab's calico IPAM cannot give (borrowed from another node's block) is allocated instead, and said so", () => {
    const calicoNode = (name: string, ip: string, tunnel: string) => `
- apiVersion: v1
  kind: Node
  metadata: {name: ${name}, annotations: {projectcalico.org/IPv4Address: ${ip}/24, projectcalico.org/IPv4IPIPTunnelAddr: ${tunnel}}}
  spec: {}
  status: {addresses: [{type: InternalIP, address: ${ip}}]}`;
    const r = ok(
      list(
        calicoNode('n1', '10.0.0.11', '192.168.5.0'),
        calicoNode('n2', '10.0.0.12', '192.168.9.64'),
        pod('a', 'n1', '192.168.5.1'),
        pod('borrowed', 'n2', '192.168.5.2'),
      ),
      { podCIDR: '192.168.0.0/16' },
    );
    expect(r.document!.network!.cni).toEqual({ plugin: 'calico', mode: 'ipip' });
    expect(r.document!.pods!.find((p) => p.name === 'borrowed')!.ip).toBeUndefined();
    expect(r.notes.lines('notExpressible')).toEqual([
      "pod IPs netlab's IPAM cannot give (allocated instead): default/borrowed 192.168.5.2: is in block 192.168.5.0/26, which is affine to node n1 (netlab does not model borrowed addresses)",
    ]);
    expect(r.notes.lines('assumed')).toContain(
      'calico ipip encapsulates Always, not CrossSubnet: the IP pool (kubectl get ippools.crd.projectcalico.org -o yaml) says which',
    );
  });
});

describe('typed lists and single objects', () => {
  it('`kubectl get pods -o json` prints a PodList whose items have no kind: read as pods', () => {
    const json = JSON.stringify({
      apiVersion: 'v1',
      kind: 'NodeList',
      items: [
        {
          metadata: { name: 'n1' },
          spec: { podCIDR: '10.244.0.0/24' },
          status: { addresses: [{ type: 'InternalIP', address: '10.0.0.11' }] },
        },
      ],
    });
    const r = importCluster([{ file: 'nodes.json', text: json }]);
    expect(r.document!.nodes).toEqual([{ name: 'n1', ip: '10.0.0.11', subnet: 'subnet-1', podCIDR: '10.244.0.0/24' }]);
  });
});

describe('manifests: workloads without pods, a cluster without nodes', () => {
  it('a Deployment becomes a netlab deployment; a StatefulSet and a DaemonSet their pods; the nodes are assumed', () => {
    const r = ok(
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec: {hostNetwork: true, tolerations: [{operator: Exists}], containers: [{name: agent}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`,
      { nodes: 3 },
    );
    const doc = r.document!;
    expect(doc.nodes!.map((n) => [n.name, n.role ?? 'worker'])).toEqual([
      ['control-plane', 'control-plane'],
      ['worker-1', 'worker'],
      ['worker-2', 'worker'],
      ['worker-3', 'worker'],
    ]);
    expect(doc.deployments).toEqual([
      {
        name: 'web',
        labels: { app: 'web' },
        containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 80 }] }],
        replicas: 3,
      },
    ]);
    expect(doc.pods!.map((p) => [p.namespace, p.name.replace(/-[bcdfghjklmnpqrstvwxz2456789]{5}$/, '-*'), p.node, p.owner?.kind])).toEqual([
      ['data', 'db-0', 'worker-1', 'StatefulSet'],
      ['data', 'db-1', 'worker-2', 'StatefulSet'],
      ['kube-system', 'agent-*', 'control-plane', 'DaemonSet'],
      ['kube-system', 'agent-*', 'worker-1', 'DaemonSet'],
      ['kube-system', 'agent-*', 'worker-2', 'DaemonSet'],
      ['kube-system', 'agent-*', 'worker-3', 'DaemonSet'],
    ]);
    expect(doc.services).toEqual([{ name: 'web', type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }]);
    expect(r.notes.lines('assumed').slice(0, 1)).toEqual([
      'no Node objects (manifests): a kubeadm cluster of 1 control-plane node and 3 workers (--nodes N)',
    ]);
  });
});
