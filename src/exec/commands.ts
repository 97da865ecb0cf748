/**
 * The emulated command forms, as data: `netlab exec --help`, the docs and
 * the "not emulated" message all print this table. The dispatcher's runners
 * (run.ts) are keyed by the tools named here (EmulatedTool), so a tool
 * without a form, or a form without a runner, does not compile. Kept apart
 * from the runners so help text does not load the emulators.
 */
export interface CommandForm {
  /** The tool (argv[0]). */
  readonly tool: string;
  /** The accepted syntax, iproute2-style brackets. */
  readonly usage: string;
  readonly description: string;
}

export const SUPPORTED_COMMANDS = [
  {
    tool: 'ip',
    usage: 'ip [-4|-6] [-d] [-s] [-br|-o] addr [show [dev] IF] [up] [master BR] [type KIND]',
    description: 'addresses (iproute2 6.1)',
  },
  {
    tool: 'ip',
    usage: 'ip [-d] [-s] [-br|-o] link [show [dev] IF] [up] [master BR] [type KIND]',
    description: 'links, -d kind details, -s counters',
  },
  {
    tool: 'ip',
    usage: 'ip [-4|-6] [-d] route [show|list] [table local|main|default|all|N] [dev IF] [proto P] [[exact|root|match] PREFIX]',
    description: 'routing tables (FIB order)',
  },
  { tool: 'ip', usage: 'ip route get ADDR [from ADDR iif IF] [mark N]', description: 'route lookup (needs the dataplane)' },
  { tool: 'ip', usage: 'ip [-4] neigh [show [dev IF]]', description: 'ARP table' },
  { tool: 'ip', usage: 'ip rule [show]', description: 'policy routing rules' },
  { tool: 'ip', usage: 'ip maddr [show [dev IF]]', description: 'multicast addresses' },
  { tool: 'bridge', usage: 'bridge fdb [show] [dev IF] [br BR]', description: 'forwarding databases (bridge and vxlan)' },
  { tool: 'bridge', usage: 'bridge link [show] [dev IF]', description: 'bridge ports' },
  { tool: 'brctl', usage: 'brctl show [BR] | brctl showmacs BR | brctl showstp BR', description: 'bridges (bridge-utils 1.7.1)' },
  { tool: 'ethtool', usage: 'ethtool [-S|-i] IF', description: 'link settings, NIC statistics, driver info' },
  { tool: 'ifconfig', usage: 'ifconfig [-a] [IF]', description: 'interfaces (net-tools 2.10)' },
  { tool: 'route', usage: 'route -n', description: 'main routing table (net-tools)' },
  { tool: 'netstat', usage: 'netstat -rn', description: 'main routing table (net-tools)' },
  { tool: 'arp', usage: 'arp -n | arp -an', description: 'ARP table (net-tools)' },
  {
    tool: 'iptables',
    usage: 'iptables [-t TABLE] -L [CHAIN] [-n] [-v] [-x] [--line-numbers]',
    description: 'rules as a table (1.8.9 nf_tables)',
  },
  { tool: 'iptables', usage: 'iptables [-t TABLE] -S [CHAIN]', description: 'rules as commands' },
  { tool: 'iptables-save', usage: 'iptables-save [-t TABLE] [-c]', description: 'all rules (fixed date unless the caller sets one)' },
  {
    tool: 'ipvsadm',
    usage: 'ipvsadm -Ln [--stats [--exact]] | ipvsadm -Lnc',
    description:
      'IPVS virtual and real servers, counters and connection entries of the flows walked with --traffic (ipvsadm 1.31; kube-proxy ipvs mode)',
  },
  { tool: 'ipset', usage: 'ipset list [NAME]', description: 'ipsets with their members, sorted (ipset 7.17; -L too)' },
  {
    tool: 'nft',
    usage: 'nft [-s] list ruleset | list tables | list table [ip] NAME | list chain|set|map [ip] TABLE NAME',
    description: "nftables as nft 1.0.6 lists it (kube-proxy's nftables mode; not the iptables-nft tables)",
  },
  { tool: 'cat', usage: 'cat FILE...', description: 'files components wrote (/run/flannel/subnet.env, /proc/sys/...)' },
  { tool: 'hostname', usage: 'hostname', description: 'the namespace hostname' },
  { tool: 'sysctl', usage: 'sysctl [-n] NAME... | sysctl -a', description: 'kernel parameters netlab models' },
  {
    tool: 'ping',
    usage: 'ping [-n] [-c N] [-s SIZE] [-t TTL] [-M do|want|dont] [-W SECS] [-i SECS] ADDR',
    description: 'ICMP echo walked through the dataplane (4 packets without -c; fixed times)',
  },
  {
    tool: 'curl',
    usage: 'curl [-s] [-S] [-m SECONDS] http://HOST[:PORT][/PATH]',
    description: 'a TCP connection walked through the dataplane; containers answer with their pod name (which backend answered)',
  },
  {
    tool: 'conntrack',
    usage: 'conntrack -L [-p tcp|udp|icmp]',
    description: 'connection tracking entries of the flows walked with --traffic',
  },
  {
    tool: 'traceroute',
    usage: 'traceroute [-n] [-m MAX] [-q N] [-w SECS] ADDR',
    description: 'UDP probes walked hop by hop (fixed times)',
  },
  {
    tool: 'nslookup',
    usage: 'nslookup [-type=a] NAME|ADDR [SERVER]',
    description: "cluster DNS (bind9 9.18): the pod's resolv.conf, the query walked to CoreDNS",
  },
  {
    tool: 'dig',
    usage:
      'dig [@SERVER] [-t A|AAAA|SRV|PTR] [-x ADDR] [+short] [+[no]search] [+[no]cmd|comments|question|answer|authority|additional|stats|all] NAME [TYPE]',
    description: "cluster DNS as bind9 9.18's dig prints it: the whole reply, or parts of it",
  },
  { tool: 'calicoctl', usage: 'calicoctl node status', description: "calico-node's BGP peers (calico bgp and ipip modes)" },
  { tool: 'birdcl', usage: 'birdcl [-s SOCKET] show protocols', description: "BIRD's protocols on a calico node" },
] as const satisfies readonly CommandForm[];

/** A tool netlab emulates: argv[0] of some form above. */
export type EmulatedTool = (typeof SUPPORTED_COMMANDS)[number]['tool'];

/** One line per supported form, for help and the "not emulated" message. */
export function supportedCommandLines(): string[] {
  return SUPPORTED_COMMANDS.map((c) => `  ${c.usage}`);
}
