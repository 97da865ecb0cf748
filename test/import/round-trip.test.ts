/**
 * import(objects(cluster)) is the same cluster: for every lab in labs/, the
 * objects netlab's model gives (what `kubectl get ... -o json` would print
 * on that cluster, configuration included) are imported with the flags a
 * user would give for what objects cannot show (the subnets), and the
 * imported topology builds the same kernel state: every node's and pod's
 * links, addresses, routes, rules, neighbours, FDB, iptables, nftables,
 * ipsets, IPVS, sysctls and files, byte for byte, and the same pod IPs.
 * Then objects(import(objects(cluster))) are the objects themselves: the
 * topology keeps everything the objects say.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataplane, type Dataplane } from '../../src/dataplane/build.js';
import { runEmulated } from '../../src/exec/run.js';
import { importCluster } from '../../src/import/import.js';
import { loadLab } from '../../src/labs/load.js';
import { buildCluster } from '../../src/model/cluster.js';
import type { Cluster } from '../../src/model/types.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { loadTopology } from '../../src/topology/load.js';
import { parseText } from '../../src/topology/parse/parse-text.js';
import { ALL_KINDS, kubeList } from '../../src/views/kube-objects/index.js';
import { buildVariantFromDocument } from '../../src/whatif/variant.js';
import { ROOT } from '../helpers.js';

interface LabCase {
  readonly name: string;
  readonly cluster: Cluster;
  readonly dataplane: Dataplane;
}

/** Every lab file under labs/ and the default lab, built with the lab's `set:` edits (faults are not objects). */
function labCases(): LabCase[] {
  const files = ['labs/default.yaml'];
  for (const dir of readdirSync(join(ROOT, 'labs'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(ROOT, 'labs', dir.name)))
      if (f === 'lab.yaml' || f.endsWith('.lab.yaml')) files.push(`labs/${dir.name}/${f}`);
  }
  return files.map((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    let document: Record<string, unknown>;
    let source;
    let sets: readonly unknown[] = [];
    if (file === 'labs/default.yaml') {
      const parsed = parseText(text, file);
      document = parsed.document!;
      source = parsed.source;
    } else {
      const lab = loadLab(text, file).lab!;
      sets = lab.sets;
      if (lab.topology.kind === 'inline') {
        document = lab.topology.document;
        source = lab.topology.source;
      } else {
        const path = join(dirname(join(ROOT, file)), lab.topology.path);
        const parsed = parseText(readFileSync(path, 'utf8'), relative(ROOT, path));
        document = parsed.document!;
        source = parsed.source;
      }
    }
    const variant = buildVariantFromDocument(document, source, { sets: sets as never, faults: [] });
    if (!variant.cluster || !variant.dataplane)
      throw new Error(`${file} does not build: ${variant.diagnostics.map((d) => d.message).join('; ')}`);
    return { name: file, cluster: variant.cluster, dataplane: variant.dataplane };
  });
}

/** What a user passes for what the objects cannot show: the subnets, their gateways and MTU. */
function subnetFlags(cluster: Cluster) {
  return cluster.subnets.map((s) => ({ name: s.name, cidr: s.spec.cidr, gateway: s.spec.gateway ?? 'none', mtu: s.mtu }));
}

const NODE_COMMANDS = [
  'ip -d link',
  'ip addr',
  'ip route show table all',
  'ip rule',
  'ip neigh',
  'bridge fdb show',
  'iptables-save',
  'nft list ruleset',
  'ipset list',
  'ipvsadm -Ln',
  'sysctl -a',
];
const POD_COMMANDS = ['ip -d link', 'ip addr', 'ip route show table all', 'ip neigh', 'iptables-save'];

/** Every namespace's state, as the real tools print it, keyed by namespace and command. */
function snapshot(cluster: Cluster, dataplane: Dataplane): Map<string, string> {
  const out = new Map<string, string>();
  const capture = (label: string, ns: ReturnType<Dataplane['nodeNetns']>, commands: readonly string[]): void => {
    for (const command of commands) {
      const r = runEmulated(ns, command.split(' '), { now: new Date(0) });
      out.set(`${label} $ ${command}`, `${[...r.stdout].join('\n')}\n${[...r.stderr].join('\n')}\nexit ${r.exitCode}`);
    }
    for (const [path, content] of [...ns.files.entries()].sort()) out.set(`${label} $ cat ${path}`, content);
  };
  for (const node of cluster.nodes) capture(node.name, dataplane.nodeNetns(node), NODE_COMMANDS);
  for (const pod of cluster.pods) {
    out.set(`${pod.key} ip`, formatIPv4(pod.ip));
    if (!pod.hostNetwork) capture(pod.key, dataplane.podNetns(pod), POD_COMMANDS);
  }
  return out;
}

function reimport(c: LabCase) {
  const list = kubeList(c.cluster, ALL_KINDS);
  const result = importCluster([{ file: 'cluster.json', text: JSON.stringify(list, null, 4) }], {
    subnets: subnetFlags(c.cluster),
    name: c.cluster.topology.metadata.name,
  });
  expect(
    result.diagnostics.filter((d) => d.severity === 'error'),
    c.name,
  ).toEqual([]);
  const loaded = loadTopology(result.yaml!, 'imported.yaml');
  expect(
    loaded.diagnostics.filter((d) => d.severity === 'error'),
    `${c.name}: the imported topology loads`,
  ).toEqual([]);
  const cluster = buildCluster(loaded.topology!).cluster!;
  const dataplane = buildDataplane(cluster).dataplane!;
  return { result, cluster, dataplane, list };
}

describe('import(objects(cluster)) for every lab', () => {
  for (const c of labCases()) {
    it(`${c.name}: the same kernel state in every node and pod, the same objects again`, () => {
      const again = reimport(c);
      expect(again.result.notes.lines('notExpressible'), 'nothing netlab printed is inexpressible').toEqual([]);
      const before = snapshot(c.cluster, c.dataplane);
      const after = snapshot(again.cluster, again.dataplane);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [key, text] of before) expect(after.get(key), `${c.name}: ${key}`).toBe(text);
      expect(JSON.stringify(kubeList(again.cluster, ALL_KINDS), null, 1)).toBe(JSON.stringify(again.list, null, 1));
    });
  }
});
