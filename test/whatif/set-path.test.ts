import { describe, expect, it, vi } from 'vitest';
import { applyAssignment, parseAssignment, parseValue, type Assignment } from '../../src/whatif/set-path.js';
import { topologyFields } from '../../src/whatif/topology-fields.js';

const doc = {
  apiVersion: 'netlab/v1',
  kind: 'Cluster',
  metadata: { name: 't' },
  network: { cni: { plugin: 'flannel', backend: 'vxlan' } },
  subnets: [{ name: 'rack-1', cidr: '10.234.2.0/24' }],
  nodes: [
    { name: 'node-01', ip: '10.234.2.11', subnet: 'rack-1' },
    { name: 'node-1.example.com', ip: '10.234.2.12', subnet: 'rack-1' },
  ],
  services: [
    { name: 'web', namespace: 'default', ports: [{ name: 'http', port: 80 }] },
    { name: 'web', namespace: 'shop', ports: [{ port: 80 }] },
  ],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields of the answer it expects, an error or a document
function set(text: string, document: Record<string, unknown> = doc): any {
  const a = parseAssignment(text);
  if ('message' in a) return a;
  return applyAssignment(document, a as Assignment, topologyFields);
}

describe('--set values', () => {
  it('parses YAML scalars and flow collections', () => {
    expect(parseValue('8472')).toBe(8472);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('"1.10"')).toBe('1.10');
    expect(parseValue('host-gw')).toBe('host-gw');
    expect(parseValue('{name: a, ip: 10.0.0.1}')).toEqual({ name: 'a', ip: '10.0.0.1' });
    expect(parseValue('[a, b]')).toEqual(['a', 'b']);
    expect(parseValue('null')).toBeNull();
    expect(parseValue('')).toBe('');
    // What YAML would read as a mapping stays the text the shell user typed.
    expect(parseValue('a: b')).toBe('a: b');
  });

  it('refuses a broken flow mapping', () => {
    expect(parseAssignment('nodes[+]={name: a')).toMatchObject({ message: expect.stringContaining('not valid YAML') });
  });

  it("reads a value with the file's guards: deep nesting, cycles, collection keys and tags never reach the process", () => {
    const emit = vi.spyOn(process, 'emitWarning');
    const deep = `[${'['.repeat(20_000)}${']'.repeat(20_000)}]`;
    const refused = parseAssignment(`metadata.description=${deep}`) as { message: string };
    expect(refused.message).toMatch(/^--set value \[{39}…\]{39} is not valid YAML: it nests more than 64 levels deep$/);
    expect(parseValue('&a [*a]')).toBe('&a [*a]'); // not a flow collection: the text
    expect(parseValue('[&a [*a]]')).toMatchObject({
      problem: { message: expect.stringContaining('an alias refers to a collection that contains it') },
    });
    expect(parseValue('{? [a, b]: 1}')).toMatchObject({
      problem: { message: expect.stringContaining("a key is a list or a mapping ('[a, b]')") },
    });
    expect(parseValue('!foo x')).toBe('x');
    expect(emit).not.toHaveBeenCalled();
    emit.mockRestore();
  });

  it('needs PATH=VALUE', () => {
    expect(parseAssignment('network.cni.backend')).toMatchObject({ message: expect.stringContaining('PATH=VALUE') });
    expect(parseAssignment('network..cni=x')).toMatchObject({ message: expect.stringContaining('empty part') });
  });
});

describe('--set paths', () => {
  it('sets a nested key without touching the original', () => {
    const r = set('network.cni.backend=host-gw');
    expect(r).toMatchObject({ path: ['network', 'cni', 'backend'] });
    expect(r.document.network.cni.backend).toBe('host-gw');
    expect(doc.network.cni.backend).toBe('vxlan');
  });

  it('creates a key the schema knows but the file does not write', () => {
    const r = set('network.kubeProxy.mode=ipvs');
    expect(r.document.network.kubeProxy).toEqual({ mode: 'ipvs' });
    const d = set('network.cni.directRouting=true');
    expect(d.document.network.cni).toEqual({ plugin: 'flannel', backend: 'vxlan', directRouting: true });
  });

  it('picks list items by name, by namespace/name, by index, and by a name with dots', () => {
    expect(set('nodes.node-01.subnet=rack-2')).toMatchObject({ path: ['nodes', 0, 'subnet'] });
    expect(set('nodes.node-1.example.com.subnet=rack-2')).toMatchObject({ path: ['nodes', 1, 'subnet'] });
    expect(set('nodes[node-1.example.com].subnet=rack-2')).toMatchObject({ path: ['nodes', 1, 'subnet'] });
    expect(set('nodes[1].subnet=rack-2')).toMatchObject({ path: ['nodes', 1, 'subnet'] });
    expect(set('services.shop/web.externalTrafficPolicy=Local')).toMatchObject({ path: ['services', 1, 'externalTrafficPolicy'] });
    // A bare name in several namespaces: default wins, as with kubectl.
    expect(set('services.web.externalTrafficPolicy=Local')).toMatchObject({ path: ['services', 0, 'externalTrafficPolicy'] });
    expect(set('services.default/web.ports.http.port=8080')).toMatchObject({ path: ['services', 0, 'ports', 0, 'port'] });
  });

  it('appends with [+] and removes with null', () => {
    const added = set('nodes[+]={name: node-03, ip: 10.234.2.13, subnet: rack-1}');
    expect(added.document.nodes.map((n: { name: string }) => n.name)).toEqual(['node-01', 'node-1.example.com', 'node-03']);
    const removed = set('nodes.node-01=null');
    expect(removed.document.nodes.map((n: { name: string }) => n.name)).toEqual(['node-1.example.com']);
    const unset = set('network.cni.backend=null');
    expect(unset.document.network.cni).toEqual({ plugin: 'flannel' });
  });

  it('unknown keys and items get a did-you-mean', () => {
    expect(set('network.cni.bakend=host-gw')).toEqual({ message: "network.cni has no field 'bakend'", hint: "did you mean 'backend'?" });
    expect(set('nodes.node-09.subnet=rack-2')).toEqual({ message: 'nodes has no item named "node-09"', hint: "did you mean 'node-01'?" });
    expect(set('nodez.node-01.subnet=x')).toMatchObject({ message: "the top level has no field 'nodez'", hint: "did you mean 'nodes'?" });
    expect(set('nodes[7].subnet=x')).toMatchObject({ message: 'nodes has 2 items; there is no [7]' });
    expect(set('network.cni.backend.x=1')).toMatchObject({ message: "network.cni.backend is a value ('vxlan'), so it has no 'x'" });
  });

  it('labels take any key', () => {
    expect(set('nodes.node-01.labels.disk=ssd')).toMatchObject({ path: ['nodes', 0, 'labels', 'disk'] });
  });
});
