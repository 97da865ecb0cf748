/**
 * The schema is the contract users read (editors show the descriptions), so
 * these check its own qualities: every field described, typos caught
 * everywhere, defaults equal to what normalisation fills in.
 */
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/topology/load.js';
import { deref, schemaAt, type SchemaNode } from '../../src/topology/schema/schema-index.js';
import { readRepoFile } from './helpers.js';

const schema = JSON.parse(readRepoFile('schemas/topology.schema.json')) as SchemaNode;

function* objectSchemas(node: unknown, path: string): Iterable<[string, SchemaNode]> {
  if (node === null || typeof node !== 'object') return;
  const schemaNode = node as SchemaNode;
  if (schemaNode.properties !== undefined) yield [path, schemaNode];
  for (const [key, child] of Object.entries(schemaNode)) {
    if (key === 'const' || key === 'enum' || key === 'default') continue;
    yield* objectSchemas(child, `${path}/${key}`);
  }
}

describe('schemas/topology.schema.json', () => {
  it('is JSON Schema 2020-12', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes every field', () => {
    const undescribed: string[] = [];
    for (const [path, node] of objectSchemas(schema, '#')) {
      if (/\/if(\/|$)/.test(path)) continue; // conditions, not fields
      for (const [key, property] of Object.entries(node.properties!)) {
        const described = property.description ?? deref(property).node.description;
        if (described === undefined) undescribed.push(`${path}/properties/${key}`);
      }
    }
    expect(undescribed).toEqual([]);
  });

  it('rejects unknown keys in every object', () => {
    const open: string[] = [];
    for (const [path, node] of objectSchemas(schema, '#')) {
      if (/\/if(\/|$)/.test(path)) continue;
      // cni picks flannelCni or calicoCni (each closed) by plugin.
      if (path === '#/$defs/cni') continue;
      if (node['additionalProperties'] !== false) open.push(path);
    }
    expect(open).toEqual([]);
  });

  it('is the schema the build embedded in the validator', () => {
    expect(schemaAt('#')).toEqual(schema);
  });

  it('has defaults that normalisation agrees with', () => {
    const { topology } = loadTopology(
      `apiVersion: netlab/v1
kind: Cluster
metadata: {name: t}
subnets: [{name: r, cidr: 10.0.0.0/24}]
nodes: [{name: n, ip: 10.0.0.1, subnet: r}]
pods: [{name: p, node: n}]
services: [{name: s, ports: [{port: 80}]}]
`,
      'defaults.yaml',
    );
    const defaults = (pointer: string): Record<string, unknown> => {
      const node = deref(schemaAt(pointer)!).node;
      return Object.fromEntries(
        Object.entries(node.properties ?? {})
          .map(([key, property]) => [key, property.default ?? deref(property).node.default] as const)
          .filter(([, value]) => value !== undefined),
      );
    };
    const t = topology!;
    expect(t.network).toMatchObject(Object.fromEntries(Object.entries(defaults('#/$defs/network'))));
    expect(t.network.cni).toMatchObject({ ...defaults('#/$defs/flannelCni'), plugin: 'flannel' });
    expect(t.network.kubeProxy).toMatchObject(defaults('#/$defs/kubeProxy'));
    expect(t.subnets[0]).toMatchObject(defaults('#/$defs/subnet'));
    expect(t.nodes[0]).toMatchObject(defaults('#/$defs/node'));
    expect(t.pods[0]).toMatchObject(defaults('#/$defs/pod'));
    const { sessionAffinityConfig: _, ports: __, ...service } = defaults('#/$defs/service');
    expect(t.services[0]).toMatchObject(service);
    expect(t.services[0]!.ports[0]).toMatchObject(defaults('#/$defs/servicePort'));
    expect(t.services[0]!.sessionAffinityTimeoutSeconds).toBe(
      deref(schemaAt('#/$defs/sessionAffinityConfig')!).node.properties!['clientIP']!.properties!['timeoutSeconds']!.default,
    );

    const calico = loadTopology(
      'apiVersion: netlab/v1\nkind: Cluster\nmetadata: {name: t}\nnetwork: {cni: {plugin: calico}}\nsubnets: [{name: r, cidr: 10.0.0.0/24}]\nnodes: [{name: n, ip: 10.0.0.1, subnet: r}]\n',
      'calico.yaml',
    ).topology!;
    expect(calico.network.cni).toEqual({ plugin: 'calico', ...defaults('#/$defs/calicoCni') });
  });
});
