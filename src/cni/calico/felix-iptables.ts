/**
 * What Felix (the iptables dataplane, chain layout of Calico v3.28-v3.30 as
 * seen on real nodes) programs on a node, rule for rule with its hashed
 * `cali:` comments:
 *
 * - filter: its jumps inserted at the top of INPUT, FORWARD and OUTPUT
 *   (ChainInsertMode=insert), two rules appended to FORWARD, the static
 *   chains (cali-INPUT, cali-FORWARD, cali-OUTPUT, cali-wl-to-host, the
 *   empty host-endpoint chains, cali-cidr-block), the workload dispatch
 *   chains (one rule per local workload interface, split into a shallow
 *   tree by name prefix as Felix does), per workload a cali-fw-* (from the
 *   pod: its egress) and cali-tw-* (to the pod: its ingress) chain, the
 *   profiles of its namespace and service account, and the policy chains of
 *   the NetworkPolicies that select a local pod.
 * - nat: cali-PREROUTING, cali-OUTPUT, cali-POSTROUTING with outgoing NAT
 *   for the pool (natOutgoing) and for traffic the node itself sends into
 *   the tunnel.
 *
 * Not modelled: the raw and mangle chains, failsafe ports, host endpoints,
 * IPv6.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { BuiltinChain, IptRule, TableName } from '../../kernel/netfilter/rule.js';
import type { Pod } from '../../model/types.js';
import { lengthLimitedId } from './felix-hash.js';
import { MARK_ACCEPT, MARK_ALL, MARK_PASS } from './felix-marks.js';
import { kernelRule, renderChain, type FelixAction, type FelixChain, type FelixMatch, type FelixRule } from './felix-rules.js';
import type { FelixPolicies } from './felix-policy.js';
import { VXLAN_PORT } from './modes.js';

export const IPSET = {
  allPools: 'cali40all-ipam-pools',
  masqPools: 'cali40masq-ipam-pools',
  allHosts: 'cali40all-hosts-net',
  allVxlan: 'cali40all-vxlan-net',
} as const;

export interface FelixConfig {
  /** tunl0 in use: IPIP from other Calico hosts is allowed in, IPIP from workloads dropped. */
  readonly ipip: boolean;
  readonly vxlan: boolean;
  /** The device node-sourced traffic into the tunnel is masqueraded on (tunl0, vxlan.calico). */
  readonly tunnelDevice?: string;
  /** The pool has natOutgoing (calico's default pool does). */
  readonly natOutgoing: boolean;
}

const C = (...text: string[]) => ({ comment: text });
const jump = (chain: string): FelixAction => ({ k: 'jump', chain });
const markSet = (bits: number): FelixMatch => ({ k: 'mark', value: bits, mask: bits });
const markClear = (bits: number): FelixMatch => ({ k: 'mark', value: 0, mask: bits });
const clearMark = (bits: number): FelixAction => ({ k: 'mark', value: 0, mask: bits });
const setMark = (bits: number): FelixAction => ({ k: 'mark', value: bits, mask: bits });

export function endpointChainName(prefix: 'cali-fw-' | 'cali-tw-', iface: string): string {
  return lengthLimitedId(prefix, iface);
}

export function profileChainName(prefix: 'cali-pri-' | 'cali-pro-', profile: string): string {
  return lengthLimitedId(prefix, profile);
}

/** The profiles Calico gives every pod: its namespace, then its service account. */
export function podProfiles(pod: Pod): string[] {
  return [`kns.${pod.namespace}`, `ksa.${pod.namespace}.default`];
}

function filterInput(config: FelixConfig): FelixChain {
  const rules: FelixRule[] = [];
  if (config.ipip) {
    rules.push(
      {
        ...C('Allow IPIP packets from Calico hosts'),
        match: [
          { k: 'proto', number: 4 },
          { k: 'set', name: IPSET.allHosts, flags: ['src'] },
          { k: 'addrtype', which: 'dst', type: 'LOCAL' },
        ],
        action: { k: 'accept' },
      },
      { ...C('Drop IPIP packets from non-Calico hosts'), match: [{ k: 'proto', number: 4 }], action: { k: 'drop' } },
    );
  }
  if (config.vxlan) {
    const vxlan: FelixMatch[] = [
      { k: 'proto', number: 17 },
      { k: 'dports', ports: [VXLAN_PORT] },
    ];
    rules.push(
      {
        ...C('Allow IPv4 VXLAN packets from allowed hosts'),
        match: [...vxlan, { k: 'set', name: IPSET.allVxlan, flags: ['src'] }, { k: 'addrtype', which: 'dst', type: 'LOCAL' }],
        action: { k: 'accept' },
      },
      {
        ...C('Drop IPv4 VXLAN packets from non-allowed hosts'),
        match: [...vxlan, { k: 'addrtype', which: 'dst', type: 'LOCAL' }],
        action: { k: 'drop' },
      },
    );
  }
  rules.push(
    { match: [{ k: 'in', iface: 'cali+' }], action: { k: 'goto', chain: 'cali-wl-to-host' } },
    { match: [markSet(MARK_ACCEPT)], action: { k: 'accept' } },
    { action: clearMark(MARK_ALL) },
    { action: jump('cali-from-host-endpoint') },
    { ...C('Host endpoint policy accepted packet.'), match: [markSet(MARK_ACCEPT)], action: { k: 'accept' } },
  );
  return { name: 'cali-INPUT', rules };
}

function filterOutput(config: FelixConfig): FelixChain {
  const rules: FelixRule[] = [
    { match: [markSet(MARK_ACCEPT)], action: { k: 'accept' } },
    // Felix does not police host -> local workload traffic (kubelet probes must always work).
    { match: [{ k: 'out', iface: 'cali+' }], action: { k: 'return' } },
  ];
  if (config.ipip) {
    rules.push({
      ...C('Allow IPIP packets to other Calico hosts'),
      match: [
        { k: 'proto', number: 4 },
        { k: 'set', name: IPSET.allHosts, flags: ['dst'] },
        { k: 'addrtype', which: 'src', type: 'LOCAL' },
      ],
      action: { k: 'accept' },
    });
  }
  if (config.vxlan) {
    rules.push({
      ...C('Allow IPv4 VXLAN packets to other allowed hosts'),
      match: [
        { k: 'proto', number: 17 },
        { k: 'dports', ports: [VXLAN_PORT] },
        { k: 'addrtype', which: 'src', type: 'LOCAL' },
        { k: 'set', name: IPSET.allVxlan, flags: ['dst'] },
      ],
      action: { k: 'accept' },
    });
  }
  rules.push(
    { action: clearMark(MARK_ALL) },
    { match: [{ k: 'ctstate', states: ['DNAT'], negate: true }], action: jump('cali-to-host-endpoint') },
    { ...C('Host endpoint policy accepted packet.'), match: [markSet(MARK_ACCEPT)], action: { k: 'accept' } },
  );
  return { name: 'cali-OUTPUT', rules };
}

const FILTER_FORWARD: FelixChain = {
  name: 'cali-FORWARD',
  rules: [
    { action: clearMark(MARK_ALL & ~MARK_ACCEPT) },
    { match: [markClear(MARK_ACCEPT)], action: jump('cali-from-hep-forward') },
    { match: [{ k: 'in', iface: 'cali+' }], action: jump('cali-from-wl-dispatch') },
    { match: [{ k: 'out', iface: 'cali+' }], action: jump('cali-to-wl-dispatch') },
    { action: jump('cali-to-hep-forward') },
    { action: jump('cali-cidr-block') },
  ],
};

const WL_TO_HOST: FelixChain = {
  name: 'cali-wl-to-host',
  rules: [{ action: jump('cali-from-wl-dispatch') }, { ...C('Configured DefaultEndpointToHostAction'), action: { k: 'accept' } }],
};

/**
 * The dispatch chains (felix rules/dispatch.go): interface names sorted,
 * binned by the character after their common prefix; a bin of several
 * names gets a child chain `<root>-<char>` reached by a prefix match.
 */
function dispatchChains(root: string, ifaces: readonly string[], dir: 'in' | 'out', prefix: 'cali-fw-' | 'cali-tw-'): FelixChain[] {
  const names = [...ifaces].sort();
  const common = commonPrefix(names);
  const bins = new Map<string, string[]>();
  for (const name of names) {
    const key = name.length > common.length ? name.slice(0, common.length + 1) : common;
    const bin = bins.get(key);
    if (bin) bin.push(name);
    else bins.set(key, [name]);
  }
  const end: FelixRule = { ...C('Unknown interface'), action: { k: 'drop' } };
  const toEndpoint = (name: string): FelixRule => ({
    match: [{ k: dir, iface: name }],
    action: { k: 'goto', chain: endpointChainName(prefix, name) },
  });
  const children: FelixChain[] = [];
  const rootRules: FelixRule[] = [];
  for (const [key, bin] of bins) {
    if (bin.length === 1) {
      rootRules.push(toEndpoint(bin[0]!));
      continue;
    }
    const child = `${root}-${key.slice(common.length)}`;
    rootRules.push({ match: [{ k: dir, iface: `${key}+` }], action: { k: 'goto', chain: child } });
    children.push({ name: child, rules: [...bin.map(toEndpoint), end] });
  }
  return [...children, { name: root, rules: [...rootRules, end] }];
}

function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return '';
  let prefix = names[0]!;
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** A workload's cali-fw-* (egress) or cali-tw-* (ingress) chain (rules/endpoints.go endpointIptablesChain). */
function endpointChain(pod: Pod, direction: 'egress' | 'ingress', policyChains: readonly string[]): FelixChain {
  const iface = pod.hostVeth!.name;
  const rules: FelixRule[] = [
    { match: [{ k: 'ctstate', states: ['RELATED', 'ESTABLISHED'] }], action: { k: 'accept' } },
    { match: [{ k: 'ctstate', states: ['INVALID'] }], action: { k: 'drop' } },
    { action: clearMark(MARK_ACCEPT | MARK_PASS) },
  ];
  if (direction === 'egress') {
    // Encapsulated packets from a pod could bypass egress policy (AllowVXLANPacketsFromWorkloads=false).
    rules.push(
      {
        ...C('Drop VXLAN encapped packets originating in workloads'),
        match: [
          { k: 'proto', number: 17 },
          { k: 'dports', ports: [VXLAN_PORT] },
        ],
        action: { k: 'drop' },
      },
      { ...C('Drop IPinIP encapped packets originating in workloads'), match: [{ k: 'proto', number: 4 }], action: { k: 'drop' } },
    );
  }
  if (policyChains.length > 0) {
    rules.push({ ...C('Start of tier default'), action: clearMark(MARK_PASS) });
    for (const chain of policyChains) {
      rules.push(
        { match: [markClear(MARK_PASS)], action: jump(chain) },
        { ...C('Return if policy accepted'), match: [markSet(MARK_ACCEPT)], action: { k: 'return' } },
      );
    }
    rules.push({ ...C('Drop if no policies passed packet'), match: [markClear(MARK_PASS)], action: { k: 'drop' } });
  }
  for (const profile of podProfiles(pod)) {
    rules.push(
      { action: jump(profileChainName(direction === 'egress' ? 'cali-pro-' : 'cali-pri-', profile)) },
      { ...C('Return if profile accepted'), match: [markSet(MARK_ACCEPT)], action: { k: 'return' } },
    );
  }
  rules.push({ ...C('Drop if no profiles matched'), action: { k: 'drop' } });
  return { name: endpointChainName(direction === 'egress' ? 'cali-fw-' : 'cali-tw-', iface), rules };
}

/** kns.<namespace> allows everything (the accept mark); ksa.<ns>.<sa> has no rules, only its comment. */
function profileChains(profile: string): FelixChain[] {
  return (['ingress', 'egress'] as const).map((direction) => {
    const name = profileChainName(direction === 'ingress' ? 'cali-pri-' : 'cali-pro-', profile);
    const comment = `Profile ${profile} ${direction}`;
    return { name, rules: [profile.startsWith('kns.') ? { ...C(comment), action: setMark(MARK_ACCEPT) } : C(comment)] };
  });
}

function natPostrouting(config: FelixConfig): FelixChain {
  const rules: FelixRule[] = [{ action: jump('cali-fip-snat') }, { action: jump('cali-nat-outgoing') }];
  if (config.tunnelDevice) {
    // The node's own traffic into the tunnel takes the tunnel address as source.
    rules.push({
      match: [
        { k: 'out', iface: config.tunnelDevice },
        { k: 'addrtype', which: 'src', type: 'LOCAL', negate: true, limitIfaceOut: true },
        { k: 'addrtype', which: 'src', type: 'LOCAL' },
      ],
      action: { k: 'masquerade' },
    });
  }
  return { name: 'cali-POSTROUTING', rules };
}

function natOutgoing(config: FelixConfig): FelixChain {
  return {
    name: 'cali-nat-outgoing',
    rules: config.natOutgoing
      ? [
          {
            match: [
              { k: 'set', name: IPSET.masqPools, flags: ['src'] },
              { k: 'set', name: IPSET.allPools, flags: ['dst'], negate: true },
            ],
            action: { k: 'masquerade' },
          },
        ]
      : [],
  };
}

/** The two rules Felix appends to FORWARD; their published hashes (Felix hashes appended rules its own way). */
const FORWARD_APPENDS: readonly { hash: string; rule: FelixRule }[] = [
  {
    hash: 'S93hcgKJrXEqnTfs',
    rule: { ...C('Policy explicitly accepted packet.'), match: [markSet(MARK_ACCEPT)], action: { k: 'accept' } },
  },
  { hash: 'mp77cMpurHhyjLrM', rule: { action: setMark(MARK_ACCEPT) } },
];

/** Programs Felix's chains on a node, for the workloads `pods` (its own, not hostNetwork); hookFelix links them in. */
export function programFelix(node: NetnsBuilder, config: FelixConfig, pods: readonly Pod[], policies: FelixPolicies): void {
  const ifaces = pods.map((p) => p.hostVeth!.name);
  const filter: FelixChain[] = [filterInput(config), FILTER_FORWARD, filterOutput(config), WL_TO_HOST];
  for (const name of [
    'cali-cidr-block',
    'cali-from-hep-forward',
    'cali-to-hep-forward',
    'cali-from-host-endpoint',
    'cali-to-host-endpoint',
  ])
    filter.push({ name, rules: [] });
  filter.push(
    ...dispatchChains('cali-from-wl-dispatch', ifaces, 'in', 'cali-fw-'),
    ...dispatchChains('cali-to-wl-dispatch', ifaces, 'out', 'cali-tw-'),
  );
  const profiles = new Set<string>();
  const policyChains = new Map<string, readonly IptRule[]>();
  for (const pod of pods) {
    for (const direction of ['egress', 'ingress'] as const) {
      const chains = policies.chainsFor(pod, direction);
      for (const chain of chains) policyChains.set(chain.name, chain.rules);
      filter.push(
        endpointChain(
          pod,
          direction,
          chains.map((c) => c.name),
        ),
      );
    }
    for (const profile of podProfiles(pod)) profiles.add(profile);
  }
  for (const profile of [...profiles].sort()) filter.push(...profileChains(profile));

  // Felix creates its chains in name order; policy chains are rendered once per cluster and shared.
  const rendered = new Map<string, readonly IptRule[]>(filter.map((c) => [c.name, renderChain(c)]));
  for (const [name, rules] of policyChains) rendered.set(name, rules);
  for (const name of [...rendered.keys()].sort()) {
    node.ensureChain('filter', name);
    for (const rule of rendered.get(name)!) node.appendRule('filter', name, rule);
  }

  const nat: FelixChain[] = [
    { name: 'cali-PREROUTING', rules: [{ action: jump('cali-fip-dnat') }] },
    { name: 'cali-OUTPUT', rules: [{ action: jump('cali-fip-dnat') }] },
    natPostrouting(config),
    natOutgoing(config),
    { name: 'cali-fip-dnat', rules: [] },
    { name: 'cali-fip-snat', rules: [] },
  ];
  for (const chain of [...nat].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    node.ensureChain('nat', chain.name);
    for (const rule of renderChain(chain)) node.appendRule('nat', chain.name, rule);
  }
  for (const set of policies.ipsets) node.addIpset(set);
}

/**
 * Felix's hooks into the built-in chains, done once everything else on the
 * node has programmed its own (kube-proxy inserts its jumps at the top too):
 * Felix keeps its jumps first (ChainInsertMode=insert, re-checked on every
 * refresh) and its two FORWARD rules last.
 */
export function hookFelix(node: NetnsBuilder): void {
  insertJumps(node, 'filter', ['INPUT', 'FORWARD', 'OUTPUT']);
  for (const { hash, rule } of FORWARD_APPENDS) node.appendRule('filter', 'FORWARD', kernelRule(rule, hash));
  insertJumps(node, 'nat', ['PREROUTING', 'OUTPUT', 'POSTROUTING']);
}

/** `-I <BUILTIN> 1 -j cali-<BUILTIN>`, hashed as a one-rule chain named after the built-in chain. */
function insertJumps(node: NetnsBuilder, table: TableName, chains: readonly BuiltinChain[]): void {
  for (const chain of chains) {
    const [rule] = renderChain({ name: chain, rules: [{ action: jump(`cali-${chain}`) }] });
    node.insertRule(table, chain, rule!);
  }
}
