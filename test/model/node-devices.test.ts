/**
 * A pinned host veth name must not take a device the node has (issue 12,
 * C4: `hostVeth: {name: eth0}` passed validate and crashed every other
 * command with "link eth0 created twice"). The list of a node's own devices
 * is checked against what the CNIs, kube-proxy and the runtime really build.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeDevices } from '../../src/model/node-devices.js';
import { buildVariant } from '../../src/whatif/variant.js';
import { readRepoFile } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const CONFIGS: readonly [string, readonly string[]][] = [
  ['labs/default.yaml', []],
  ['labs/default.yaml', ['network.cni.backend=udp']],
  ['labs/default.yaml', ['network.cni.backend=host-gw']],
  ['labs/default.yaml', ['network.cni.vni=4']],
  ['labs/default.yaml', ['network.cni.directRouting=true']],
  ['labs/default.yaml', ['network.cni.networkPolicy=calico']],
  ['labs/default.yaml', ['network.kubeProxy.mode=ipvs']],
  ['labs/default.yaml', ['network.kubeProxy.mode=nftables']],
  ['labs/default.yaml', ['nodes.node-02.runtime=docker']],
  ['labs/calico-bgp/topology.yaml', []],
  ['labs/calico-ipip/topology.yaml', []],
  ['labs/calico-vxlan/topology.yaml', ['network.kubeProxy.mode=ipvs']],
];

describe("a node's own devices", () => {
  it.each(CONFIGS)('are what %s %j builds', (file, sets) => {
    const variant = buildVariant(readRepoFile(file), file, { sets, faults: [] });
    expect(variant.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const node of variant.cluster!.nodes) {
      const veths = new Set(node.pods.map((p) => p.hostVeth?.name));
      const built = variant
        .dataplane!.nodeNetns(node)
        .links.map((l) => l.name)
        .filter((name) => !veths.has(name));
      // cni0 appears with the node's first pod (the bridge plugin creates it then).
      const expected = [...nodeDevices(variant.topology!, node.spec).keys()].filter(
        (name) => name !== 'cni0' || node.pods.some((p) => !p.hostNetwork),
      );
      expect(built.sort(), `${file} ${node.name}`).toEqual(expected.sort());
    }
  });
});

describe('a pinned host veth name', () => {
  const withPinned = (file: string, name: string, other?: string): string => {
    let text = readRepoFile(file).replace('  - name: pod-a\n', `  - name: pod-a\n    hostVeth: {name: ${name}}\n`);
    if (other !== undefined) text = text.replace('  - name: pod-c\n', `  - name: pod-c\n    hostVeth: {name: ${other}}\n`);
    return text;
  };

  it.each([
    ['eth0', "the node's NIC"],
    ['lo', 'the loopback device'],
    ['cni0', 'the CNI bridge'],
    ['flannel.1', "flannel's VXLAN device"],
  ])('that is %s is refused where it is written, by validate too', async (name, what) => {
    const file = join(mkdtempSync(join(tmpdir(), 'netlab-veth-')), 'topology.yaml');
    writeFileSync(file, withPinned('labs/default.yaml', name));
    for (const command of [['validate'], ['trace', 'pod-a', 'pod-b']]) {
      const result = await runCli(['-f', file, ...command]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `topology.yaml:21:22  error NL-HOST-VETH-NAME  pod default/pod-a's host veth cannot be named ${name} on node node-02: that is ${what}`,
      );
    }
  });

  it("that another pod's host veth on the node has, pinned or derived, is refused", () => {
    const pinned = buildVariant(withPinned('labs/default.yaml', 'veth0', 'veth0'), 't.yaml');
    expect(pinned.diagnostics.map((d) => d.message)).toEqual([
      "pod default/pod-c's host veth cannot be named veth0 on node node-02: that is the host veth of pod default/pod-a",
    ]);
    const derived = buildVariant(readRepoFile('labs/default.yaml'), 't.yaml').cluster!.podByKey.get('default/pod-c')!.hostVeth!.name;
    const taken = buildVariant(withPinned('labs/default.yaml', derived), 't.yaml');
    expect(taken.diagnostics.map((d) => d.message)).toEqual([
      `pod default/pod-a's host veth cannot be named ${derived} on node node-02: that is the host veth of pod default/pod-c`,
    ]);
  });

  it("that is calico's tunnel device is refused; on another node, or in another mode, the name is free", () => {
    const ipip = readRepoFile('labs/calico-ipip/topology.yaml').replace('{name: pod-a, ', '{name: pod-a, hostVeth: {name: tunl0}, ');
    expect(buildVariant(ipip, 't.yaml').diagnostics.map((d) => d.code)).toEqual(['NL-HOST-VETH-NAME']);
    const bgp = readRepoFile('labs/calico-bgp/topology.yaml').replace('{name: pod-a, ', '{name: pod-a, hostVeth: {name: tunl0}, ');
    expect(buildVariant(bgp, 't.yaml').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
