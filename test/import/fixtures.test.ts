/**
 * netlab import on what real clusters print (test/import/fixtures, written by
 * hand from published outputs; see its README): the topology says what the
 * objects say, assumes and names what they do not, builds, and the kernel
 * state it builds is what those clusters printed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataplane } from '../../src/dataplane/build.js';
import { runEmulated } from '../../src/exec/run.js';
import { importCluster } from '../../src/import/import.js';
import type { ImportOptions } from '../../src/import/options.js';
import { buildCluster } from '../../src/model/cluster.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import type { TopologyDocument } from '../../src/topology/document.js';
import { loadTopology } from '../../src/topology/load.js';
import { ROOT } from '../helpers.js';

const FIXTURES = join(ROOT, 'test/import/fixtures');

function inputs(name: string) {
  const path = join(FIXTURES, name);
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
        .map((f) => join(name, f))
    : [name];
  return files.map((f) => ({ file: f, text: readFileSync(join(FIXTURES, f), 'utf8') }));
}

function imported(name: string, options: ImportOptions = {}) {
  const result = importCluster(inputs(name), options);
  expect(result.diagnostics, name).toEqual([]);
  const loaded = loadTopology(result.yaml!, `${name}.imported.yaml`);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const cluster = buildCluster(loaded.topology!).cluster!;
  const dataplane = buildDataplane(cluster).dataplane!;
  const run = (target: string, command: string): string => {
    const node = cluster.nodeByName.get(target);
    const pod = cluster.pods.find((p) => p.name === target);
    const ns = node ? dataplane.nodeNetns(node) : dataplane.podNetns(pod!);
    return [...runEmulated(ns, command.split(' '), { dataplane }).stdout].join('\n');
  };
  const exitCode = (target: string, command: string): number => {
    const pod = cluster.pods.find((p) => p.name === target)!;
    return runEmulated(dataplane.podNetns(pod), command.split(' '), { dataplane }).exitCode;
  };
  return { result, document: result.document! as TopologyDocument, cluster, run, exitCode };
}

describe('a kind cluster', () => {
  const { result, document, cluster, run } = imported('kind/cluster.yaml');

  it('nodes as the objects say, the control plane from its label and the API server endpoint', () => {
    expect(document.metadata.name).toBe('kind');
    expect(document.nodes!.map((n) => [n.name, n.ip, n.role ?? 'worker', n.podCIDR])).toEqual([
      ['kind-control-plane', '172.18.0.2', 'control-plane', '10.244.0.0/24'],
      ['kind-worker', '172.18.0.4', 'worker', '10.244.1.0/24'],
      ['kind-worker2', '172.18.0.3', 'worker', '10.244.2.0/24'],
    ]);
    expect(document.subnets).toEqual([{ name: 'subnet-1', cidr: '172.18.0.0/16', gateway: '172.18.0.1', mtu: 1500 }]);
  });

  it('kindnet is not modelled: flannel host-gw stands in, said so; no kube-proxy ConfigMap: iptables, said so', () => {
    expect(document.network!.cni).toEqual({ plugin: 'flannel', backend: 'host-gw' });
    expect(document.network!.kubeProxy).toEqual({ mode: 'iptables' });
    const assumed = result.notes.lines('assumed').join('\n');
    expect(assumed).toContain('CNI kindnet');
    expect(assumed).toContain('kube-proxy mode iptables, the default: no kube-proxy ConfigMap');
    expect(assumed).toContain("subnet subnet-1 172.18.0.0/16 for 3 nodes (kind's docker network");
    expect(result.yaml!).toMatch(/^# Imported by netlab import from kind\/cluster\.yaml\./);
    expect(result.yaml!).toContain("#   - CNI kindnet (kind's, seen in the kindnet DaemonSet) is not modelled");
  });

  it("each node routes the other nodes' pod ranges via their addresses, as kindnet does", () => {
    const routes = run('kind-worker', 'ip route').split('\n');
    expect(routes).toContain('default via 172.18.0.1 dev eth0 ');
    expect(routes).toContain('10.244.0.0/24 via 172.18.0.2 dev eth0 ');
    expect(routes).toContain('10.244.2.0/24 via 172.18.0.3 dev eth0 ');
    expect(routes).toContain('172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.4 ');
  });

  it("pods keep names, addresses, owners and readiness; hostNetwork pods sit at their node's address", () => {
    const pod = (name: string) => cluster.pods.find((p) => p.name === name)!;
    expect(cluster.pods).toHaveLength(16);
    expect(formatIPv4(pod('coredns-7db6d8ff4d-9qf6f').ip)).toBe('10.244.0.3');
    expect(pod('coredns-7db6d8ff4d-9qf6f').spec.owner).toEqual({ kind: 'ReplicaSet', name: 'coredns-7db6d8ff4d', deployment: 'coredns' });
    expect(pod('kube-apiserver-kind-control-plane').spec.owner).toEqual({ kind: 'Node', name: 'kind-control-plane' });
    expect(pod('kindnet-xk4wz').hostNetwork).toBe(true);
    expect(formatIPv4(pod('kindnet-xk4wz').ip)).toBe('172.18.0.4');
    expect(pod('web-5d59d67564-zz4lm').spec.ready).toBe(false);
    const web = cluster.serviceByKey.get('default/web')!;
    expect(web.endpoints(web.ports[0]!).map((e) => [e.key, e.ready])).toEqual([
      ['10.244.1.2:80', true],
      ['10.244.1.3:80', false],
      ['10.244.2.2:80', true],
    ]);
    // The kubernetes service is what the API server makes: left to netlab, with its endpoint on the control plane.
    expect(document.services!.map((s) => s.name)).toEqual(['kube-dns', 'web']);
    const kubernetes = cluster.serviceByKey.get('default/kubernetes')!;
    expect(kubernetes.endpoints(kubernetes.ports[0]!).map((e) => e.key)).toEqual(['172.18.0.2:6443']);
  });

  it("the user's --subnet and --proxy-mode win over the assumptions", () => {
    const r = importCluster(inputs('kind/cluster.yaml'), {
      subnets: [{ name: 'kind', cidr: '172.18.0.0/16', gateway: '172.18.0.1', mtu: 65535 }],
      proxyMode: 'ipvs',
    });
    expect(r.document!.subnets).toEqual([{ name: 'kind', cidr: '172.18.0.0/16', gateway: '172.18.0.1', mtu: 65535 }]);
    expect(r.document!.network!.kubeProxy).toEqual({ mode: 'ipvs' });
    expect(r.notes.lines('assumed').join('\n')).not.toMatch(/subnet|MTU|kube-proxy/);
  });
});

describe('a kubeadm cluster with flannel and kube-proxy in nftables mode', () => {
  const { result, document, cluster, run } = imported('kubeadm-flannel/cluster.json');

  it("flannel vxlan with each node's VTEP MAC from its annotation; nftables mode from kube-proxy's ConfigMap; the service network from the kubernetes service", () => {
    expect(document.network).toMatchObject({
      podCIDR: '10.244.0.0/16',
      serviceCIDR: '10.255.0.0/16',
      cni: { plugin: 'flannel', backend: 'vxlan' },
      kubeProxy: { mode: 'nftables' },
    });
    expect(document.nodes!.find((n) => n.name === 'master')).toMatchObject({ role: 'control-plane', vtepMAC: '6e:4f:18:00:b6:cf' });
    expect(run('worker1', 'ip -d link show flannel.1')).toContain('vxlan id 1 local 10.128.0.25 dev eth0 srcport 0 0 dstport 8472');
    expect(run('worker1', 'bridge fdb show dev flannel.1')).toContain('6e:4f:18:00:b6:cf dst 10.128.0.16 self permanent');
  });

  it("what netlab cannot say yet is named: flannel's nftables mode, the Ingress", () => {
    expect(result.notes.lines('notExpressible')).toEqual([
      "flannel in nftables mode (EnableNFTables in net-conf.json; netlab programs flannel's iptables rules)",
      'Ingresses (netlab has no ingress model yet): home/http-server',
    ]);
    expect(result.notes.lines('assumed').some((l) => l.startsWith('service network 10.255.0.0/16'))).toBe(true);
  });

  it("worker1's kube-proxy table has the sets, maps and chains the real worker1 listed", () => {
    const listing = run('worker1', 'nft list table ip kube-proxy').split('\n');
    const published = readFileSync(join(FIXTURES, 'kubeadm-flannel/nft-kube-proxy.worker1.txt'), 'utf8')
      .replace(/ # handle \d+/g, '')
      .split('\n');
    const blocks: string[][] = [];
    for (let i = 0; i < published.length; i++) {
      if (!/^\t(set|map|chain) \S+ \{$/.test(published[i]!)) continue;
      const end = published.indexOf('\t}', i);
      blocks.push(published.slice(i, end + 1));
    }
    expect(blocks).toHaveLength(10);
    for (const block of blocks) {
      const start = listing.indexOf(block[0]!);
      expect(start, block[0]).toBeGreaterThanOrEqual(0);
      expect(listing.slice(start, start + block.length), block[0]).toEqual(block);
    }
  });

  it('services with named target ports reach the pods on worker1; CoreDNS pods keep their owner', () => {
    const svc = cluster.serviceByKey.get('home/http-server')!;
    expect(svc.endpoints(svc.ports[0]!).map((e) => e.key)).toEqual([
      '10.244.1.71:8000',
      '10.244.1.72:8000',
      '10.244.1.73:8000',
      '10.244.1.76:8000',
    ]);
    expect(
      cluster.pods
        .filter((p) => p.spec.owner?.deployment === 'coredns')
        .map((p) => p.node.name)
        .sort(),
    ).toEqual(['master', 'worker1']);
  });
});

describe('a kubeadm cluster with calico IPIP, from a directory', () => {
  const { result, document, cluster, run, exitCode } = imported('kubeadm-calico');

  it("calico ipip from the pool and annotations, the subnet's prefix from IPv4Address, tunl0 addresses pinned", () => {
    expect(document.network).toMatchObject({
      podCIDR: '192.168.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      cni: { plugin: 'calico', mode: 'ipip' },
      kubeProxy: { mode: 'iptables' },
    });
    expect(document.subnets).toEqual([{ name: 'subnet-1', cidr: '172.16.94.0/24', gateway: '172.16.94.1', mtu: 1500 }]);
    expect(run('c1-cp1', 'ip addr show tunl0')).toContain('inet 192.168.19.64/32 scope global tunl0');
    expect(run('c1-node1', 'ip addr show tunl0')).toContain('inet 192.168.222.192/32 scope global tunl0');
    // c1-cp1 reaches c1-node1's pods through tunl0 at c1-node1's address, as the course's routing table shows.
    expect(run('c1-cp1', 'ip route').split('\n')).toContain('192.168.222.192/26 via 172.16.94.11 dev tunl0 proto bird onlink ');
    expect(result.notes.lines('notExpressible')).toEqual([]);
  });

  it('the network policy is enforced: client reaches hello-world on 8080, others do not', () => {
    expect(document.networkPolicies).toEqual([
      {
        name: 'hello-world-from-clients',
        spec: {
          podSelector: { matchLabels: { app: 'hello-world' } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { app: 'client' } } }, { ipBlock: { cidr: '172.16.94.0/24' } }],
              ports: [{ protocol: 'TCP', port: 8080 }],
            },
          ],
        },
      },
    ]);
    expect(run('client', 'curl -s -m 1 http://192.168.222.193:8080/')).toContain('hello-world-5457b44555-lq7vd');
    expect(exitCode('client', 'curl -s -m 1 http://192.168.222.193:8080/')).toBe(0);
    expect(exitCode('hello-world-5457b44555-8txbm', 'curl -s -m 1 http://192.168.222.193:8080/')).not.toBe(0);
    expect(formatIPv4(cluster.pods.find((p) => p.name === 'hello-world-5457b44555-8txbm')!.ip)).toBe('192.168.206.68');
  });
});
