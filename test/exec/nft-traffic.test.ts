/**
 * `nft list set` after --traffic: the elements kube-proxy's affinity rules
 * (`update @affinity-... { ip saddr }`) added, laid out as nft 1.0.6 listed
 * a dynamic set with `timeout 3h` in a namespace of our own:
 *
 *   elements = { 127.0.0.1 expires 2h59m58s792ms, 127.0.0.2 expires 2h59m58s792ms,
 *                127.0.0.5 expires 2h59m58s788ms }
 *
 * (two a line, each element's time left; `nft -s` leaves the expiry out).
 */
import { describe, expect, it } from 'vitest';
import { sendTraffic } from '../../src/cli/traffic.js';
import { runEmulated } from '../../src/exec/run.js';
import { parseIPv4 } from '../../src/net/ipv4.js';
import { renderNftSetListing } from '../../src/render/nft.js';
import type { NftSet, NftTable } from '../../src/kernel/nftables.js';
import { buildFromText, readRepoFile } from '../helpers.js';

const affine = readRepoFile('labs/default.yaml')
  .replace('kubeProxy: {mode: iptables}', 'kubeProxy: {mode: nftables}')
  .replace('    type: NodePort\n', '    type: NodePort\n    sessionAffinity: ClientIP\n');

describe('nft list set after --traffic', () => {
  const built = buildFromText(affine);
  const dp = built.dataplane;
  const node02 = dp.nodeNetns(built.cluster.nodeByName.get('node-02')!);
  const traffic = sendTraffic(dp, [{ from: 'pod-c', to: 'svc/web', count: 1 }]);
  const table = node02.nftables!.tables[0]!;
  const holding = table.sets.filter((s) => traffic.nftSets.elements(node02.id, table, s.name).length > 0);
  const list = (...flags: string[]) => [
    ...runEmulated(node02, ['nft', ...flags, 'list', 'set', 'ip', 'kube-proxy', holding[0]!.name], traffic).stdout,
  ];

  it('shows the client in the affinity set of the endpoint it reached, a moment after the exchange', () => {
    expect(holding).toHaveLength(1);
    expect(list()).toEqual([
      'table ip kube-proxy {',
      `\tset ${holding[0]!.name} {`,
      '\t\ttype ipv4_addr',
      '\t\tsize 65535',
      '\t\tflags dynamic,timeout',
      '\t\ttimeout 3h',
      '\t\telements = { 10.244.1.3 expires 2h59m59s }',
      '\t}',
      '}',
    ]);
  });

  it('-s leaves the expiry out', () => {
    expect(list('-s')).toContain('\t\telements = { 10.244.1.3 }');
  });

  it('without traffic the set is empty', () => {
    const quiet = [...runEmulated(node02, ['nft', 'list', 'set', 'ip', 'kube-proxy', holding[0]!.name], { dataplane: dp }).stdout];
    expect(quiet.some((l) => l.includes('elements'))).toBe(false);
  });
});

describe('a dynamic set with a timeout, as nft 1.0.6 lists it', () => {
  it('two addresses a line, each with its expiry', () => {
    const set: NftSet = {
      kind: 'set',
      name: 'a',
      keyType: ['ipv4_addr'],
      flags: ['dynamic', 'timeout'],
      timeout: 10800,
      elements: ['127.0.0.1', '127.0.0.2', '127.0.0.5'].map((ip) => ({ key: [{ kind: 'addr', value: parseIPv4(ip)! }], expires: 10799 })),
    };
    const table: NftTable = {
      family: 'ip',
      name: 't',
      sets: [set],
      chains: [{ name: 'c', rules: [{ statements: [{ kind: 'set-update', set: 'a', selectors: [{ kind: 'ip', field: 'daddr' }] }] }] }],
    };
    expect([...renderNftSetListing(table, set)].slice(6)).toEqual([
      '\t\telements = { 127.0.0.1 expires 2h59m59s, 127.0.0.2 expires 2h59m59s,',
      '\t\t\t     127.0.0.5 expires 2h59m59s }',
      '\t}',
      '}',
    ]);
  });
});
