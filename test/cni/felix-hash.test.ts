/**
 * Felix's rule hashes and chain names against what real Calico nodes
 * printed (kernel-facts §3.7: an AKS node's iptables-save, a kubeadm VXLAN
 * node's iptables -L; hashes computed by Felix, copied here as published).
 * A wrong byte anywhere in the rendering changes every later hash of a chain.
 */
import { describe, expect, it } from 'vitest';
import { lengthLimitedId, ruleHashes } from '../../src/cni/calico/felix-hash.js';
import { felixRuleText, type FelixRule } from '../../src/cni/calico/felix-rules.js';
import { hookFelix, programFelix } from '../../src/cni/calico/felix-iptables.js';
import { ruleSaveArgs } from '../../src/render/iptables-rule.js';

const C = (t: string) => `-m comment --comment "${t}"`;
const BASE = ['-m conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT', '-m conntrack --ctstate INVALID --jump DROP'];
const VXLAN_DROP = `${C('Drop VXLAN encapped packets originating in workloads')} -p 17 -m multiport --destination-ports 4789 --jump DROP`;
const IPIP_DROP = `${C('Drop IPinIP encapped packets originating in workloads')} -p 4 --jump DROP`;
const RETURN_PROFILE = `${C('Return if profile accepted')} -m mark --mark 0x10000/0x10000 --jump RETURN`;
const RETURN_POLICY = `${C('Return if policy accepted')} -m mark --mark 0x10000/0x10000 --jump RETURN`;
const IFACES = ['cali112d888c0c2', 'cali26cecacb712', 'cali55f439ddb0e', 'cali9d7310e16e7', 'calic5a1f1aa0ed', 'calif6abb148530'];

/** [chain, Felix's rendering of each rule, the published hashes]. */
const PUBLISHED: readonly [string, string[], string][] = [
  ['INPUT', ['--jump cali-INPUT'], 'Cz_u1IQiXIMmKD4c'],
  ['FORWARD', ['--jump cali-FORWARD'], 'wUHhoiAYhphO9Mso'],
  ['OUTPUT', ['--jump cali-OUTPUT'], 'tVnHkvAo15HuiPy0'],
  ['PREROUTING', ['--jump cali-PREROUTING'], '6gwbT8clXdHdC1b1'],
  ['POSTROUTING', ['--jump cali-POSTROUTING'], 'O3lYWMrLQYEMJtB5'],
  [
    'cali-FORWARD',
    [
      '--jump MARK --set-mark 0/0xe0000',
      '-m mark --mark 0/0x10000 --jump cali-from-hep-forward',
      '--in-interface cali+ --jump cali-from-wl-dispatch',
      '--out-interface cali+ --jump cali-to-wl-dispatch',
      '--jump cali-to-hep-forward',
      '--jump cali-cidr-block',
    ],
    'vjrMJCRpqwy5oRoX A_sPAO0mcxbT9mOV 8ZoYfO5HKXWbB3pk jdEuaPBe14V2hutn 12bc6HljsMKsmfr- NOSxoaGx8OIstr1z',
  ],
  [
    'cali-INPUT',
    [
      '--in-interface cali+ --goto cali-wl-to-host',
      '-m mark --mark 0x10000/0x10000 --jump ACCEPT',
      '--jump MARK --set-mark 0/0xf0000',
      '--jump cali-from-host-endpoint',
      `${C('Host endpoint policy accepted packet.')} -m mark --mark 0x10000/0x10000 --jump ACCEPT`,
    ],
    'FewJpBykm9iJ-YNH hder3ARWznqqv8Va xgOu2uJft6H9oDGF _-d-qojMfHM6NwBo LqmE76MP94lZTGhA',
  ],
  [
    'cali-INPUT',
    [
      `${C('Allow IPv4 VXLAN packets from allowed hosts')} -p 17 -m multiport --destination-ports 4789 -m set --match-set cali40all-vxlan-net src -m addrtype --dst-type LOCAL --jump ACCEPT`,
      `${C('Drop IPv4 VXLAN packets from non-allowed hosts')} -p 17 -m multiport --destination-ports 4789 -m addrtype --dst-type LOCAL --jump DROP`,
      '--in-interface cali+ --goto cali-wl-to-host',
      '-m mark --mark 0x10000/0x10000 --jump ACCEPT',
      '--jump MARK --set-mark 0/0xf0000',
      '--jump cali-from-host-endpoint',
      `${C('Host endpoint policy accepted packet.')} -m mark --mark 0x10000/0x10000 --jump ACCEPT`,
    ],
    'J76FwxInZIsk7uKY EDCNTTxYfggApx8C H03xYXARh4e8pwd4 MN6K3isIWBigb1Va OSYphBLwOgic22Hz rmi2_piRVmfeiwVp F7Q8zu44qIbOVben',
  ],
  [
    'cali-INPUT',
    [
      `${C('Allow IPIP packets from Calico hosts')} -p 4 -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL --jump ACCEPT`,
    ],
    'PajejrV4aFdkZojI',
  ],
  [
    'cali-OUTPUT',
    [
      '-m mark --mark 0x10000/0x10000 --jump ACCEPT',
      '--out-interface cali+ --jump RETURN',
      `${C('Allow IPv4 VXLAN packets to other allowed hosts')} -p 17 -m multiport --destination-ports 4789 -m addrtype --src-type LOCAL -m set --match-set cali40all-vxlan-net dst --jump ACCEPT`,
      '--jump MARK --set-mark 0/0xf0000',
      '-m conntrack ! --ctstate DNAT --jump cali-to-host-endpoint',
      `${C('Host endpoint policy accepted packet.')} -m mark --mark 0x10000/0x10000 --jump ACCEPT`,
    ],
    'Mq1_rAdXXH3YkrzW 69FkRTJDvD5Vu6Vl -QZG79DohFjalQBb iC1pSPgbvgQzkUk_ 4Zh7KtRvt4W5AEBR Y0k-bqjt-5CUqyUq',
  ],
  [
    'cali-wl-to-host',
    ['--jump cali-from-wl-dispatch', `${C('Configured DefaultEndpointToHostAction')} --jump ACCEPT`],
    'Ee9Sbo10IpVujdIY nSZbcOoG1xPONxb8',
  ],
  [
    'cali-from-wl-dispatch',
    [...IFACES.map((i) => `--in-interface ${i} --goto cali-fw-${i}`), `${C('Unknown interface')} --jump DROP`],
    '887K6j2m0yTxV8XZ -1f18nv9_J5o_MPL X28EvX2q55aZM8gM CxKCBaJmNdZnWGOY ZPC1pWieGIBIr5A7 xDvXvF5yVFq7Y1QJ FUqQW1upEuPXcL7s',
  ],
  [
    'cali-to-wl-dispatch',
    [...IFACES.map((i) => `--out-interface ${i} --goto cali-tw-${i}`), `${C('Unknown interface')} --jump DROP`],
    '2HgECeqPiWlvDcYF qItgN3WleQpIBiyv _Ru9douyhVpAz36r D9Su0ifqHghdWNA- yXvE2mPsXdk4a0va bHXL9zWxzC6IixEY XGNeZ7jL7MJ6PeId',
  ],
  [
    // An older Felix (0x10000 cleared), with two profiles: every rule of the chain, the 4th one included.
    'cali-fw-cali112d888c0c2',
    [
      ...BASE,
      '--jump MARK --set-mark 0/0x10000',
      VXLAN_DROP,
      IPIP_DROP,
      '--jump cali-pro-kns.kube-system',
      RETURN_PROFILE,
      '--jump cali-pro-_CVSZITRyIpEmH8AB6H',
      RETURN_PROFILE,
      `${C('Drop if no profiles matched')} --jump DROP`,
    ],
    'gxYrST51OJyfBgWw 6xENQhO2T0QW5LgN O7MDTYmYN54jUWVF pJp4jdAzPgU1geph rM5VAS66uaB9uI7_ s_9J1YgpafK_gEIJ djdRyha1SrYGGpRJ Agp1xuefUF89n6q7 ctlnSZ9l6AD7YocC ThfJzx8K_BY2PCkD',
  ],
  [
    'cali-fw-cali9d7310e16e7',
    [
      ...BASE,
      '--jump MARK --set-mark 0/0x10000',
      VXLAN_DROP,
      IPIP_DROP,
      `${C('Start of policies')} --jump MARK --set-mark 0/0x20000`,
      '-m mark --mark 0/0x20000 --jump cali-po-_j5sVgQTfF-APgMw0kN9',
      RETURN_POLICY,
      '-m mark --mark 0/0x20000 --jump cali-po-_rWDSk9LLgWIl_lpnJE2',
      RETURN_POLICY,
      `${C('Drop if no policies passed packet')} -m mark --mark 0/0x20000 --jump DROP`,
    ],
    'Svp_OJ4-NFXj_B8K nyQj9UO25NH8L91w RYrRXYPy-bhkqZ-v 244AYDVC8bA30rX3 adfSwi8QUHxkHNtG 8ADQ8Jzsc-6WWcVp ONY2yOu2M6VeLD-L mkYWmkL7qJzTAXcD tO374XarJJbFkIdj Vlfk-qZzqVB0aHTn d8bepK0owvYXNWJy',
  ],
  // The newer layout netlab programs (clear 0x30000).
  [
    'cali-fw-cali839f4f93e61',
    [...BASE, '--jump MARK --set-mark 0/0x30000', VXLAN_DROP, IPIP_DROP],
    'OMdV1VmYvgay0Ju_ 9GTJTvgFoQSuHKyd z8vZgauvdvTX14jS WJxdljn16dqhpgmF rzce_8ES3RZZ9abT',
  ],
  [
    'cali-tw-cali112d888c0c2',
    [...BASE, '--jump MARK --set-mark 0/0x10000', '--jump cali-pri-kns.kube-system', RETURN_PROFILE],
    'YxaG793HT-1CxTcX 6MWAWkG1GPepwS3w eIp1vw91xx2wo3h9 K1Och8e13hDKqGqa DaY0j0z-ccvgA-ec',
  ],
  [
    'cali-po-_rWDSk9LLgWIl_lpnJE2',
    [
      `${C('Policy kube-system/knp.default.konnectivity-agent egress')} --jump MARK --set-mark 0x10000/0x10000`,
      '-m mark --mark 0x10000/0x10000 --jump RETURN',
    ],
    'wRBTHOraY7-PMOXd K0NIAoy4j4QR-b6k',
  ],
  [
    'cali-pri-kns.kube-system',
    [`${C('Profile kns.kube-system ingress')} --jump MARK --set-mark 0x10000/0x10000`, '-m mark --mark 0x10000/0x10000 --jump RETURN'],
    'J1TyxtHWd0qaBGK- QIB6k7eEKdIg73Jp',
  ],
  ['cali-pri-_CVSZITRyIpEmH8AB6H', [C('Profile ksa.kube-system.metrics-server ingress')], 'Jm7TmoNoWplOEka1'],
  [
    'cali-POSTROUTING',
    [
      '--jump cali-fip-snat',
      '--jump cali-nat-outgoing',
      '--out-interface vxlan.calico -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL --jump MASQUERADE --random-fully',
    ],
    'Z-c7XtVd2Bq7s_hA nYKhEzDlr11Jccal e9dnSgSVNmIcpVhP',
  ],
  [
    'cali-nat-outgoing',
    ['-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst --jump MASQUERADE --random-fully'],
    'flqWnvo8yq4ULQLa',
  ],
  ['cali-PREROUTING', ['--jump cali-fip-dnat'], 'r6XmIziWUJsdOK6Z'],
  ['cali-OUTPUT', ['--jump cali-fip-dnat'], 'GBTAv2p5CwevEyJm'],
];

describe("Felix's rule hashes (sha224 chained from the chain name, base64url, 16 characters)", () => {
  it.each(PUBLISHED.map(([chain, rules, hashes]) => [chain, rules, hashes] as const))('%s', (chain, rules, hashes) => {
    expect(ruleHashes(chain, rules)).toEqual(hashes.split(' '));
  });
});

describe("Felix's spelling of its rules (what the hashes are computed over)", () => {
  const cases: [FelixRule, string][] = [
    [
      { match: [{ k: 'in', iface: 'cali+' }], action: { k: 'goto', chain: 'cali-wl-to-host' } },
      '--in-interface cali+ --goto cali-wl-to-host',
    ],
    [{ action: { k: 'mark', value: 0, mask: 0xf0000 } }, '--jump MARK --set-mark 0/0xf0000'],
    [
      { comment: ['Drop IPinIP encapped packets originating in workloads'], match: [{ k: 'proto', number: 4 }], action: { k: 'drop' } },
      IPIP_DROP,
    ],
    [
      { match: [{ k: 'ctstate', states: ['DNAT'], negate: true }], action: { k: 'jump', chain: 'cali-to-host-endpoint' } },
      '-m conntrack ! --ctstate DNAT --jump cali-to-host-endpoint',
    ],
  ];
  it.each(cases)('%#', (rule, text) => expect(felixRuleText(rule)).toBe(text));
});

describe("Felix's length-limited chain names (28 characters)", () => {
  it('keeps names that fit', () => {
    expect(lengthLimitedId('cali-pri-', 'kns.kube-system')).toBe('cali-pri-kns.kube-system');
    expect(lengthLimitedId('cali-fw-', 'cali5e1c4d6c68c')).toBe('cali-fw-cali5e1c4d6c68c');
  });
  it('hashes the rest as real nodes show them', () => {
    expect(lengthLimitedId('cali-pri-', 'ksa.kube-system.metrics-server')).toBe('cali-pri-_CVSZITRyIpEmH8AB6H');
    expect(lengthLimitedId('cali-po-', 'kube-system/knp.default.konnectivity-agent')).toBe('cali-po-_rWDSk9LLgWIl_lpnJE2');
    expect(lengthLimitedId('cali-po-', 'aaa-allow-konnectivity-agent')).toBe('cali-po-_j5sVgQTfF-APgMw0kN9');
  });
});

describe('what iptables-save prints for a Felix rule', () => {
  it('puts the hash comment first and the protocol as a name', () => {
    const chains = new Map<string, string[]>();
    const node = {
      ensureChain: () => undefined,
      appendRule: (_t: string, chain: string, rule: Parameters<typeof ruleSaveArgs>[0]) =>
        chains.set(chain, [...(chains.get(chain) ?? []), ruleSaveArgs(rule)]),
      insertRule: (_t: string, chain: string, rule: Parameters<typeof ruleSaveArgs>[0]) =>
        chains.set(chain, [ruleSaveArgs(rule), ...(chains.get(chain) ?? [])]),
      addIpset: () => undefined,
    };
    programFelix(node as never, { ipip: false, vxlan: true, tunnelDevice: 'vxlan.calico', natOutgoing: true }, [], {
      ctx: undefined as never,
      chainsFor: () => [],
      ipsets: [],
    });
    hookFelix(node as never);
    expect(chains.get('FORWARD')).toEqual([
      '-m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD',
      '-m comment --comment "cali:S93hcgKJrXEqnTfs" -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT',
      '-m comment --comment "cali:mp77cMpurHhyjLrM" -j MARK --set-xmark 0x10000/0x10000',
    ]);
    expect(chains.get('cali-INPUT')![0]).toBe(
      '-p udp -m comment --comment "cali:J76FwxInZIsk7uKY" -m comment --comment "Allow IPv4 VXLAN packets from allowed hosts" -m multiport --dports 4789 -m set --match-set cali40all-vxlan-net src -m addrtype --dst-type LOCAL -j ACCEPT',
    );
    expect(chains.get('cali-POSTROUTING')![2]).toBe(
      '-o vxlan.calico -m comment --comment "cali:e9dnSgSVNmIcpVhP" -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully',
    );
    // No workload yet: the dispatch chain only drops unknown cali* interfaces.
    expect(chains.get('cali-from-wl-dispatch')).toHaveLength(1);
    expect(chains.get('cali-from-wl-dispatch')![0]).toMatch(/-m comment --comment "Unknown interface" -j DROP$/);
  });
});
