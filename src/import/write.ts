/**
 * The imported topology as text: YAML the way the labs are written (one
 * flow mapping per subnet, node, pod and service, so a 500-pod cluster is
 * 500 greppable lines), with the import's notes as comments on top; or JSON
 * (netlab reads it too), with the notes under an x- key, which the topology
 * format leaves free.
 */
import { Document, isMap, isSeq, type Node as YamlNode } from 'yaml';
import type { TopologyDocument } from '../topology/document.js';
import type { ImportNotes } from './notes.js';

const FLOW_LISTS = ['subnets', 'nodes', 'namespaces', 'pods', 'deployments', 'services'] as const;

export function topologyYaml(document: TopologyDocument, header: readonly string[]): string {
  const doc = new Document(document);
  const flow = (node: unknown): void => {
    if (isMap(node) || isSeq(node)) (node as { flow: boolean }).flow = true;
  };
  for (const key of ['cni', 'kubeProxy', 'dns']) flow(doc.getIn(['network', key], true));
  for (const key of FLOW_LISTS) {
    const list = doc.get(key, true);
    if (isSeq(list)) for (const item of list.items) flow(item);
  }
  const policies = doc.get('networkPolicies', true);
  if (isSeq(policies)) {
    for (const policy of policies.items) {
      if (!isMap(policy)) continue;
      const spec = policy.get('spec', true) as YamlNode | undefined;
      if (!isMap(spec)) continue;
      flow(spec.get('podSelector', true));
      flow(spec.get('policyTypes', true));
      for (const direction of ['ingress', 'egress']) {
        const rules = spec.get(direction, true);
        if (isSeq(rules)) for (const rule of rules.items) flow(rule);
      }
    }
  }
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n') + (header.length > 0 ? '\n' : '') + body;
}

export function topologyJson(document: TopologyDocument, notes: ImportNotes): string {
  const withNotes = {
    ...document,
    'x-netlab-import': {
      inferred: notes.lines('inferred'),
      assumed: notes.lines('assumed'),
      notExpressibleYet: notes.lines('notExpressible'),
      skipped: notes.lines('skipped'),
    },
  };
  return JSON.stringify(withNotes, null, 2) + '\n';
}

/** The comment block on top of an imported topology. */
export function headerLines(inputs: readonly string[], notes: ImportNotes): string[] {
  const lines = [
    `Imported by netlab import from ${inputs.join(', ')}.`,
    'What the objects show is pinned: node addresses and pod ranges, pod IPs, cluster IPs,',
    'node ports, owners. MACs and veth names, which the API does not show, are derived.',
  ];
  const section = (title: string, items: readonly string[]): void => {
    if (items.length === 0) return;
    lines.push('', title);
    for (const item of items) lines.push(`  - ${item}`);
  };
  section('Inferred from the objects:', notes.lines('inferred'));
  section('Assumed (the objects do not say; the flag named changes it):', notes.lines('assumed'));
  section('Not expressible yet (left out; netlab cannot say these yet):', notes.lines('notExpressible'));
  section('Skipped:', notes.lines('skipped'));
  return lines;
}
