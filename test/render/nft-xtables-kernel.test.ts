/**
 * nft's view of netlab's iptables rules against the real tools: each node's
 * `iptables-save` (as netlab prints it) is loaded with the real
 * iptables-restore (iptables 1.8.9, nf_tables) into a namespace this test
 * creates, with the ipsets and nfacct objects it names, then listed with
 * the real `nft list ruleset`; stdout and stderr must be what
 * `netlab exec NODE -- nft list ruleset` prints. Labs: the default lab in
 * every kube-proxy mode, with ClientIP affinity, the calico labs and the
 * network-policy lab; plus a rule file with every match and target kind
 * the model holds, parsed by netlab's own restore parser.
 *
 * Needs root, iptables-nft, ipset, nfacct and nft; skipped otherwise, with
 * the reason in the suite name. Namespaces are netlab-nfx-<pid>-<n>, deleted
 * in afterAll.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { parseRestore } from '../../src/kernel/netfilter/parse-restore.js';
import type { IptRule, Netfilter } from '../../src/kernel/netfilter/rule.js';
import { renderIptablesSave } from '../../src/render/iptables-save.js';
import { knftablesTransaction } from '../../src/render/knftables.js';
import { renderXtablesRuleset, xtablesWarnings } from '../../src/render/nft-xtables.js';
import { toText } from '../../src/render/types.js';
import { buildVariant } from '../../src/whatif/variant.js';
import { inNs, netnsSkipReason, scratchNamespaces } from '../netns-helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

const reason = netnsSkipReason(['ip', 'nft', 'iptables-restore', 'ipset', 'nfacct'], { iptablesNft: true });
const namespaces = scratchNamespaces('netlab-nfx-');
afterAll(() => namespaces.deleteAll());

function nodes(file: string, sets: string[]): { name: string; ns: NetNs }[] {
  const variant = buildVariant(readFileSync(join(ROOT, file), 'utf8'), file, { sets, faults: [] });
  const dataplane = variant.dataplane!;
  return variant.cluster!.nodes.map((node) => ({ name: node.name, ns: dataplane.nodeNetns(node) }));
}

/** The ipsets and nfacct objects a restore file names, created so that it loads. */
function createObjects(netns: string, save: string): void {
  for (const [, name, flags] of new Set(save.matchAll(/--match-set (\S+) (\S+)/g))) {
    const type = flags!.split(',').length === 3 ? 'hash:ip,port,ip' : flags!.includes(',') ? 'hash:ip,port' : 'hash:ip';
    spawnSync('ip', ['netns', 'exec', netns, 'ipset', 'create', '-exist', name!, type]);
  }
  for (const [, name] of save.matchAll(/--nfacct-name {2}"?([^"\s]+)"?/g))
    spawnSync('ip', ['netns', 'exec', netns, 'nfacct', 'add', name!]);
}

function realListing(save: string, nftTransaction = '', flags: readonly string[] = []): { stdout: string; stderr: string } {
  const netns = namespaces.create();
  createObjects(netns, save);
  inNs(netns, ['iptables-restore'], save);
  if (nftTransaction !== '') inNs(netns, ['nft', '-f', '-'], nftTransaction);
  const real = spawnSync('ip', ['netns', 'exec', netns, 'nft', ...flags, 'list', 'ruleset'], { encoding: 'utf8' });
  expect(real.status).toBe(0);
  return { stdout: real.stdout, stderr: real.stderr };
}

const LABS: readonly [string, string[]][] = [
  ['labs/default.yaml', []],
  ['labs/default.yaml', ['network.kubeProxy.mode=ipvs']],
  ['labs/default.yaml', ['network.kubeProxy.mode=userspace']],
  ['labs/default.yaml', ['network.kubeProxy.mode=nftables']],
  [
    'labs/default.yaml',
    [
      'services.default/web.sessionAffinity=ClientIP',
      'services.default/web.type=LoadBalancer',
      'services.default/web.externalTrafficPolicy=Local',
    ],
  ],
  ['labs/default.yaml', ['network.kubeProxy.mode=ipvs', 'services.default/web.sessionAffinity=ClientIP']],
  ['labs/calico-bgp/topology.yaml', []],
  ['labs/calico-ipip/topology.yaml', []],
  ['labs/calico-vxlan/topology.yaml', []],
  ['labs/network-policy/topology.yaml', []],
  ['test/golden/flannel-vxlan/topology.yaml', []],
];

/** Every match and target kind of src/kernel/netfilter/rule.ts, with their variants. */
const ALL_KINDS = `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 4789 -j NOTRACK
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:HINT - [0:0]
-A PREROUTING -j MARK --set-xmark 0x4000/0x4000
-A PREROUTING -j MARK --set-xmark 0x0/0xffff0000
-A PREROUTING -j MARK --set-xmark 0x4000/0xffffffff
-A PREROUTING -j MARK --set-xmark 0x1/0x3
-A PREROUTING -j MARK --set-xmark 0x4000/0x0
-A PREROUTING -j MARK --set-xmark 0x0/0xffffffff
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:C1 - [0:0]
-A INPUT -p sctp -m sctp --dport 9 -j C1
-A INPUT -p sctp -m sctp --sport 9 -j C1
-A INPUT -p udp -m multiport --dports 53 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED,NEW -j ACCEPT
-A INPUT -m conntrack ! --ctstate INVALID -j ACCEPT
-A INPUT -m conntrack --ctstate UNTRACKED,INVALID -j DROP
-A INPUT -m conntrack --ctstate DNAT -j ACCEPT
-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
-A INPUT -m conntrack --ctstate SNAT,DNAT -j ACCEPT
-A INPUT -m state --state NEW -j ACCEPT
-A INPUT -m addrtype --src-type LOCAL -j ACCEPT
-A INPUT -m addrtype ! --src-type LOCAL --dst-type LOCAL -j ACCEPT
-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT
-A INPUT -m addrtype ! --dst-type LOCAL -j ACCEPT
-A INPUT -m statistic --mode random --probability 0.33333333349 -j ACCEPT
-A INPUT -m statistic --mode random --probability 0.50000000000 -j ACCEPT
-A INPUT -m recent --set --name SEP1 --mask 255.255.255.255 --rsource -j ACCEPT
-A INPUT -m recent --rcheck --seconds 10800 --reap --name SEP1 --mask 255.255.255.255 --rsource -j ACCEPT
-A INPUT -m set --match-set S1 dst -j ACCEPT
-A INPUT -m set ! --match-set S2 dst,dst -j ACCEPT
-A INPUT -m physdev ! --physdev-is-in -j ACCEPT
-A INPUT -m physdev --physdev-in eth0 --physdev-is-bridged -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT
-A INPUT -m nfacct --nfacct-name  acct1
-A INPUT -m mark --mark 0x4000/0x4000 -j ACCEPT
-A INPUT -m mark ! --mark 0x4000/0x4000 -j ACCEPT
-A INPUT -m mark --mark 0x1 -j ACCEPT
-A INPUT -m mark ! --mark 0x0/0xffff0000 -j ACCEPT
-A INPUT -m comment --comment "a \\"q\\" b" -j ACCEPT
-A INPUT -s 10.0.0.0/8 -m comment --comment c -m comment --comment d -m mark --mark 0x1
-A INPUT -p tcp -m comment --comment c -m tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -m tcp -j ACCEPT
-A INPUT ! -p tcp -m tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -j REJECT --reject-with icmp-port-unreachable
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A INPUT -g C1
-A FORWARD -s 10.0.0.0/8 -d 10.1.2.3/32 -i eth0 -o eth1 -p tcp -m tcp --sport 12 --dport 80 -j ACCEPT
-A FORWARD ! -s 10.0.0.0/8 ! -d 10.1.2.3/32 ! -i eth0 ! -o eth1 ! -p tcp -j DROP
-A FORWARD -i cali+ -o tunl0 -p udp -m udp ! --sport 53 ! --dport 5353 -j RETURN
-A FORWARD -m physdev --physdev-out eth1 -j ACCEPT
-A OUTPUT -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j ACCEPT
-A C1 -p ipencap -j ACCEPT
-A C1 -p icmp -j ACCEPT
-A C1 -p gre -j ACCEPT
-A C1 -p esp -j ACCEPT
-A C1 -p ah -j ACCEPT
-A C1 -p udplite -j ACCEPT
-A C1 -p igmp -j ACCEPT
-A C1 -p 99 -j ACCEPT
-A C1 -p all -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1
-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80
-A PREROUTING -p tcp -j REDIRECT --to-ports 8080
-A POSTROUTING -j MASQUERADE
-A POSTROUTING -j MASQUERADE --random-fully
-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000
-A POSTROUTING -j SNAT --to-source 1.2.3.4
-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random-fully
COMMIT
*security
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
`;

/** Felix's port ranges in a multiport match, which netlab's restore parser does not read. */
const PORT_RANGE_RULES: readonly IptRule[] = [
  { protocol: { value: 'tcp' }, matches: [{ module: 'multiport', dports: [80, 443, '1000:2000'] }], target: { kind: 'ACCEPT' } },
  { protocol: { value: 'udp' }, matches: [{ module: 'multiport', dports: ['1000:2000'] }], target: { kind: 'ACCEPT' } },
];

/** ALL_KINDS through netlab's restore parser, with PORT_RANGE_RULES added to filter INPUT. */
function allKinds(): Netfilter {
  return {
    tables: parseRestore(ALL_KINDS).map((t) => ({
      name: t.name,
      chains: t.chains.map((c) => ({
        name: c.name,
        ...(c.policy === '-' ? {} : { policy: c.policy as 'ACCEPT' | 'DROP' }),
        rules: t.name === 'filter' && c.name === 'INPUT' ? [...c.rules, ...PORT_RANGE_RULES] : c.rules,
      })),
    })),
  };
}

describe.skipIf(reason !== undefined)(`real kernel: iptables-restore then nft list ruleset${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('every match and target kind of the model prints as nft prints what iptables-nft wrote', () => {
    const netfilter = allKinds();
    // Loaded as netlab's iptables-save prints the model, so the kernel gets exactly what is rendered.
    const real = realListing(toText(renderIptablesSave(netfilter)));
    expect(toText(renderXtablesRuleset(netfilter))).toBe(real.stdout);
    expect(
      xtablesWarnings(netfilter)
        .map((l) => `${l}\n`)
        .join(''),
    ).toBe(real.stderr);
  });

  describe.each(LABS)('%s %j', (file, sets) => {
    it.each(nodes(file, sets))('$name: netlab exec nft list ruleset is what the real tools print', ({ ns }) => {
      const save = toText(runEmulated(ns, ['iptables-save']).stdout);
      const nftTx = ns.nftables ? ns.nftables.tables.map((t) => toText(knftablesTransaction(t))).join('') : '';
      const real = realListing(save, nftTx);
      const emulated = runEmulated(ns, ['nft', 'list', 'ruleset']);
      expect(emulated.exitCode).toBe(0);
      expect(toText(emulated.stdout)).toBe(real.stdout);
      expect(emulated.stderr.map((l) => `${l}\n`).join('')).toBe(real.stderr);
      // -s: the counters without their values.
      const stateless = realListing(save, nftTx, ['-s']);
      expect(toText(runEmulated(ns, ['nft', '-s', 'list', 'ruleset']).stdout)).toBe(stateless.stdout);
    });
  });
});
