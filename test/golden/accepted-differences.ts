/**
 * The differences between a golden capture (real tools in a lab built by
 * test/golden/capture.sh) and netlab that are accepted on purpose. Each
 * is a named rewrite applied to the capture and to netlab's output alike
 * (or to the capture only, when it turns a lab artefact into what a real
 * node prints), with the reason. Anything not listed here fails.
 */
import { VETH_QUEUES } from '../../src/kernel/devices.js';
import { maskIfconfigCounters, maskIpStats, maskIptablesCounters, maskIptablesDate, maskNeighbours, sortLines } from '../render/masks.js';

export interface Context {
  /** `node`, `pod`, `underlay` or `router` (netns.tsv). */
  readonly kind: string;
  /** The command as captured, e.g. `ip -d link`. */
  readonly command: string;
  /** netlab's stand-ins for link-locals the kernel picks at random (addrgenmode random: a TUN). */
  readonly randomLinkLocals?: readonly string[];
  /**
   * The lab's namespace prefix when it was built by `netlab export --format
   * netns` (test/conformance): nodes `<prefix><node>`, segments
   * `<prefix>ul-<subnet>`, pods `<prefix>cni-<uuid>`. Absent: capture.sh's
   * names (`nlg-<node>`, `nlg-ul-<subnet>`, bare `cni-<uuid>`).
   */
  readonly netnsPrefix?: string;
  /** Possible CPUs of the host the lab was built on (a veth gets one queue per possible CPU). */
  readonly hostCpus?: number;
  /** The lab's CNI, e.g. `flannel udp`, `calico vxlan` (test/conformance). */
  readonly cni?: string;
}

export interface Difference {
  readonly name: string;
  readonly why: string;
  /** Applied to both texts. */
  readonly both?: (text: string, ctx: Context) => string;
  /** Applied to the capture only: turns a lab artefact into what a real node would print. */
  readonly capture?: (text: string, ctx: Context) => string;
  /** Applied to netlab's output only. */
  readonly netlab?: (text: string, ctx: Context) => string;
}

/** Commands the capture runs that netlab does not emulate, or not in the capture's form; not compared, each with its reason. */
export const NOT_COMPARED: Readonly<Record<string, string>> = {
  'ip netns list-id': 'netlab keeps no nsid table; peers are named per link (link-netns / link-netnsid)',
  'nft list ruleset':
    "netlab lists iptables-nft's tables and chains as a restore of iptables-save creates them (all built-ins, user chains by name); the capture has the build's creation order and only the built-ins a rule needed (rule text checked by test/render/nft-xtables-kernel.test.ts)",
};

/** Namespaces the golden labs capture that netlab does not expose as a netns (yet). */
export const NOT_COMPARED_KINDS: Readonly<Record<string, string>> = {
  underlay: "the lab's underlay bridge namespace is netlab's underlay model, not a netns it prints",
  router: "the lab's router namespace is netlab's underlay model, not a netns it prints",
};

/** A bridge or ageing timer, or capture.sh's `####.##` mask of one, as one token. */
function maskAnyTimer(text: string): string {
  return text
    .replace(/(_timer )( *(?:\d+\.\d\d|#+\.##))/g, (_m, head: string, value: string) => head + 'T'.padStart(value.length))
    .replace(/(timer\t+)( *(?:\d+\.\d\d|#+\.##))/g, (_m, head: string, value: string) => head + 'T'.padStart(value.length))
    .replace(/(\t(?:yes|no)\t\t)( *(?:\d+\.\d\d|#+\.##))$/gm, (_m, head: string, value: string) => head + 'T'.padStart(value.length));
}

/**
 * The lab's node eth0 is one end of a veth whose other end is a port of the
 * underlay bridge (namespace nlg-ul-*); netlab models a node's NIC as the
 * physical virtio_net device it is on a real machine (test/golden/physical-nic).
 * This rewrites the capture's eth0 as the physical NIC prints: no @ifN peer,
 * no link-netns, qdisc pfifo_fast, no veth kind line, one queue,
 * tso_max_size 65536 and the virtio parent bus.
 */
function physicalEth0(text: string, ctx: Context): string {
  const underlay = `link-netns ${escapeRegExp(ctx.netnsPrefix ?? 'nlg-')}ul-[\\w.-]+`;
  return (
    text
      .replace(/^(\d+): eth0@if\d+: (.*) qdisc noqueue /gm, '$1: eth0: $2 qdisc pfifo_fast ')
      .replace(/^eth0@if\d+ {0,12}/gm, (m) => 'eth0'.padEnd(m.length))
      // eth0 is the veth whose peer lives in the underlay namespace; a veth that is not a bridge port prints its
      // kind line as `veth addrgenmode ...` (with a queue per possible CPU of the host). Other unbridged veths
      // (calico's cali*, peers in the pods' namespaces) are left as they are.
      .replace(
        new RegExp(
          `( ${underlay} promiscuity .* maxmtu \\d+ )\\n {4}veth addrgenmode eui64 numtxqueues \\d+ numrxqueues \\d+ (gso_max_size \\d+ gso_max_segs \\d+) tso_max_size 524280 (.*gro_max_size \\d+ )$`,
          'gm',
        ),
        (_m, head: string, gso: string, tail: string) =>
          `${head}addrgenmode eui64 numtxqueues 1 numrxqueues 1 ${gso} tso_max_size 65536 ${tail}parentbus virtio parentdev virtio0 `,
      )
      // Only eth0's peer lives in the underlay namespace.
      .replace(new RegExp(` ${underlay}`, 'g'), '')
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** ping and traceroute round-trip times (and ping's elapsed time), which a snapshot cannot know. */
function maskProbeTimes(text: string): string {
  return text
    .replace(/ time=[\d.]+ ms/g, ' time=T ms')
    .replace(/, time \d+ms$/gm, ', time Tms')
    .replace(/^rtt min\/avg\/max\/mdev = [\d./]+ ms$/gm, 'rtt min/avg/max/mdev = T ms')
    .replace(/ {2}[\d.]+ ms/g, '  T ms');
}

/** capture.sh's token for a TUN's random link-local. */
export const TUN_LL_MASK = 'fe80::xxxx:xxxx:xxxx:xxxx';

export const ACCEPTED: readonly Difference[] = [
  {
    name: "a TUN's random link-local",
    why: 'the kernel picks it at random (capture.sh writes fe80::xxxx:xxxx:xxxx:xxxx); netlab holds a stable stand-in',
    netlab: (t, c) => (c.randomLinkLocals ?? []).reduce((out, address) => out.split(address).join(TUN_LL_MASK), t),
  },
  {
    name: 'counters',
    why: 'traffic counters depend on what the lab sent while it settled; netlab starts from zero and counts only walked packets',
    both: (t) => maskIptablesCounters(maskIfconfigCounters(maskIpStats(t))),
  },
  {
    name: 'timers',
    why: 'bridge gc/hold/forward-delay timers and fdb ageing run on a live bridge; netlab is a snapshot',
    both: (t) => maskAnyTimer(t),
  },
  {
    name: 'iptables-save date',
    why: 'the date is the capture time (capture.sh writes DATE); netlab prints a fixed or injected date',
    both: (t) => maskIptablesDate(t.replace(/ on DATE$/gm, ' on X')),
  },
  {
    name: 'neighbour order and NUD state',
    why: 'the kernel dumps its neighbour hash (random seed per boot) and states age (REACHABLE, STALE, DELAY)',
    both: (t, c) => (/^(ip( -\d)? neigh|arp)\b/.test(c.command) ? maskNeighbours(t) : t),
  },
  {
    name: 'ip route show table all order',
    why: 'per-device IPv6 routes are appended in addrconf order, which depends on carrier timing; capture.sh --compare treats it as unordered too',
    both: (t, c) => (c.command === 'ip route show table all' ? sortLines(t) : t),
  },
  {
    name: "node eth0 is the lab's veth, netlab's physical NIC",
    why: 'capture.sh wires each node to the underlay bridge with a veth; a real node has a NIC (virtio_net here)',
    capture: (t, c) => (c.kind === 'node' || c.kind === 'external' ? physicalEth0(t, c) : t),
  },
  {
    name: "pod's peer netns is named in the lab",
    why: 'the lab node is a named netns (nlg-<node>), so pods print `link-netns nlg-<node>`; a real node is the root netns, printed `link-netnsid 0`',
    // A pod's only peer namespace is its node's, whatever the lab called it.
    capture: (t, c) => (c.kind === 'pod' ? t.replace(/ link-netns \S+/g, ' link-netnsid 0') : t),
  },
  {
    name: "pod namespaces carry the export's prefix",
    why: 'an exported lab names a pod netns <prefix>cni-<uuid> so two labs can coexist (src/export/names.ts); containerd, and netlab, name it cni-<uuid>',
    capture: (t, c) => (c.netnsPrefix ? t.split(` link-netns ${c.netnsPrefix}cni-`).join(' link-netns cni-') : t),
  },
  {
    name: 'veth queues follow the host',
    why: `a veth whose creator leaves its queue counts to the kernel gets one per possible CPU of the host, and netlab's profile machine has ${VETH_QUEUES}; a creator that asks for a count (calico's plugin: 1) gets it on any host, so netlab's profile count, not the capture, is the one rewritten`,
    netlab: (t, c) =>
      c.hostCpus !== undefined && c.hostCpus !== VETH_QUEUES
        ? t.replace(
            new RegExp(`^( {4}(?:veth|bridge_slave) .*)numtxqueues ${VETH_QUEUES} numrxqueues ${VETH_QUEUES} `, 'gm'),
            `$1numtxqueues ${c.hostCpus} numrxqueues ${c.hostCpus} `,
          )
        : t,
  },
  {
    name: 'round-trip times',
    why: 'ping and traceroute measure them; netlab prints fixed times derived from the path length',
    both: (t, c) => (/^(ping|traceroute)\b/.test(c.command) ? maskProbeTimes(t) : t),
  },
];

/** Which per-device captures to skip: the node's eth0 driver views (compared to test/golden/physical-nic instead). */
export function skipDeviceCommand(kind: string, command: string): string | undefined {
  if (kind === 'node' && /^ethtool -[Si] eth0$/.test(command)) {
    return "the lab's eth0 is a veth; netlab's virtio NIC is compared with test/golden/physical-nic";
  }
  return undefined;
}

export function normalise(text: string, ctx: Context, side: 'capture' | 'netlab'): string {
  let out = text;
  for (const d of ACCEPTED) {
    if (side === 'capture' && d.capture) out = d.capture(out, ctx);
    if (side === 'netlab' && d.netlab) out = d.netlab(out, ctx);
    if (d.both) out = d.both(out, ctx);
  }
  return out;
}

/** One side of a comparison: what a command printed and how it ended. */
export interface Printed {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * A difference that is a netlab bug, known and not fixed yet. Unlike an
 * accepted difference it is never compared away: a check that shows it is
 * reported as skipped, naming the bug, so it is visible in every run and
 * cannot pass. Each matcher recognises the bug's own symptom only; once the
 * bug is fixed the check compares equal and passes, and the entry goes.
 */
export interface KnownBug {
  readonly name: string;
  /** What the kernel does, what netlab does, and where the fix belongs. */
  readonly what: string;
  readonly matches: (ctx: Context, real: Printed, netlab: Printed) => boolean;
}

/** The first that matches names the bug: the specific before the general. */
export const KNOWN_BUGS: readonly KnownBug[] = [];

export function knownBug(ctx: Context, real: Printed, netlab: Printed): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.matches(ctx, real, netlab));
}
