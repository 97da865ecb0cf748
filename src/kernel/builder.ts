/**
 * A mutable netns under construction, with the kernel's own reactions built
 * in: adding an address installs the local/broadcast entries in table local
 * and the connected route in main, exactly as the kernel's fib_add_ifaddr
 * does; links get ifindexes in creation order. CNI and proxy builders drive
 * it with the same steps the real components take, then `finish()` freezes it.
 */
import { broadcastOf, cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import { kernelQueues, KERNEL_TXQUEUELEN } from './devices.js';
import type { Ipv4Address, Link, NewLink } from './link.js';
import { zeroCounters } from './link.js';
import type { IpSet } from './ipset.js';
import type { Ipvs } from './ipvs.js';
import type { NftRuleset } from './nftables.js';
import type { FdbEntry, Neighbour } from './neigh.js';
import type { NetNs, NetnsKind } from './netns.js';
import type { Chain, IptRule, Netfilter, NetfilterTable, TableName } from './netfilter/rule.js';
import { BUILTIN_CHAINS } from './netfilter/rule.js';
import { DEFAULT_POLICY_RULES, fibOrder, RT_TABLE, RTPROT, type Route } from './route.js';

const TABLE_ORDER: readonly TableName[] = ['raw', 'mangle', 'filter', 'nat', 'security'];

interface ChainEntry {
  policy?: 'ACCEPT' | 'DROP';
  rules: IptRule[];
  /** `rules` is another namespace's list too (setSharedChain): copy before changing it. */
  shared?: boolean;
  /** The shared chain object itself, handed out again by finish() while unchanged. */
  chain?: Chain;
}

export class NetnsBuilder {
  private readonly links: Link[] = [];
  private readonly tables = new Map<number, Route[]>();
  private readonly sharedMain: (readonly Route[])[] = [];
  private readonly neighbours: Neighbour[] = [];
  private readonly sharedNeighbours: (readonly Neighbour[])[] = [];
  private readonly fdb: FdbEntry[] = [];
  private readonly sharedFdb: (readonly FdbEntry[])[] = [];
  private readonly sysctls = new Map<string, string>();
  private readonly files = new Map<string, string>();
  private readonly ipsets = new Map<string, IpSet>();
  private readonly iptables = new Map<TableName, Map<string, ChainEntry>>();
  private readonly deferred: ((builder: NetnsBuilder) => void)[] = [];
  private ipvsState?: (builder: NetnsBuilder) => Ipvs;
  private nftablesState?: (builder: NetnsBuilder) => NftRuleset;
  private nextIfindex = 1;

  constructor(
    readonly id: string,
    readonly kind: NetnsKind,
    readonly displayName: string,
    readonly hostname: string,
  ) {}

  /** Creates a link with the next ifindex, as register_netdevice does in a fresh netns. */
  addLink(spec: NewLink): Link {
    if (this.links.some((l) => l.name === spec.name)) {
      throw new Error(`bug: link ${spec.name} created twice in ${this.id}`);
    }
    const up = spec.up ?? true;
    const loopback = spec.info.kind === 'loopback';
    // TUN is point-to-point with multicast; the ipip fallback device tunl0 shows only NOARP.
    const pointopoint = spec.info.kind === 'tun';
    const noarp = spec.info.kind === 'tun' || spec.info.kind === 'ipip';
    const link: Link = {
      ifindex: this.nextIfindex++,
      name: spec.name,
      info: spec.info,
      mtu: spec.mtu,
      mac: spec.mac,
      state: {
        up,
        carrier: spec.carrier ?? up,
        operstate: spec.operstate ?? (up ? 'UP' : 'DOWN'),
      },
      // A device gets its queueing discipline when it comes up (dev_activate); until then it shows noop.
      qdisc: spec.qdisc ?? (up ? 'noqueue' : 'noop'),
      // Absent from the request: the kind's setup default (KERNEL_TXQUEUELEN).
      txqueuelen: spec.txqueuelen ?? KERNEL_TXQUEUELEN[spec.info.kind],
      flags: {
        broadcast: !loopback && !noarp,
        multicast: !loopback && spec.info.kind !== 'ipip',
        noarp,
        pointopoint,
        loopback,
        ...spec.flags,
      },
      promiscuity: 0,
      allmulti: 0,
      // Loopback and ipip devices report no MTU bounds.
      minmtu: spec.info.kind === 'ipip' || loopback ? 0 : 68,
      maxmtu: spec.info.kind === 'ipip' || loopback ? 0 : 65535,
      numTxQueues: spec.numTxQueues ?? kernelQueues(spec.info.kind),
      numRxQueues: spec.numRxQueues ?? kernelQueues(spec.info.kind),
      gsoMaxSize: 65536,
      gsoMaxSegs: 65535,
      tsoMaxSize: spec.tsoMaxSize ?? 524280,
      tsoMaxSegs: 65535,
      groMaxSize: 65536,
      ipv4: [],
      ipv6LinkLocal: spec.ipv6LinkLocal ?? (spec.mac !== undefined && !loopback),
      ...(spec.ipv6LinkLocalAddress !== undefined ? { ipv6LinkLocalAddress: spec.ipv6LinkLocalAddress } : {}),
      multicast: spec.multicast ?? [],
      counters: zeroCounters(),
      ...(spec.origin !== undefined ? { origin: spec.origin } : {}),
    };
    this.links.push(link);
    return link;
  }

  /** The ifindex the next link will get. */
  peekIfindex(): number {
    return this.nextIfindex;
  }

  /** An index used by a device that left this netns (a veth end moved elsewhere): the kernel does not reuse it. */
  reserveIfindex(): number {
    return this.nextIfindex++;
  }

  /** The links created so far (read-only view while building). */
  currentLinks(): readonly Link[] {
    return this.links;
  }

  link(name: string): Link {
    const found = this.links.find((l) => l.name === name);
    if (!found) throw new Error(`bug: no link ${name} in ${this.id}`);
    return found;
  }

  hasLink(name: string): boolean {
    return this.links.some((l) => l.name === name);
  }

  /** Replaces a link's fields (links are immutable values once finished). */
  updateLink(name: string, change: (link: Link) => Link): void {
    const i = this.links.findIndex((l) => l.name === name);
    if (i < 0) throw new Error(`bug: no link ${name} in ${this.id}`);
    this.links[i] = change(this.links[i]!);
  }

  /**
   * `ip addr add IP/LEN [brd +] dev DEV`: the address, plus what the kernel
   * adds by itself (fib_add_ifaddr): a `local` entry, a `broadcast` entry
   * for the broadcast address, and the connected prefix route. On loopback
   * the prefix route is a `local` route in table local. Since Linux 5.14 no
   * broadcast entry is made for the network address. On a link that is not
   * up only the `local` entry is made (fib_add_ifaddr stops at the IFF_UP
   * check; NETDEV_UP adds the rest, and the builder has no `link set up`).
   */
  addAddress(dev: string, ip: IPv4, len: number, options: { broadcast?: boolean; scope?: Ipv4Address['scope'] } = {}): void {
    const prefix = cidr(ip, len);
    // `brd +` (what netlink users like the CNI plugins send) is a property of the address...
    const withBrd = (options.broadcast ?? true) && len < 31;
    const address: Ipv4Address = {
      ip,
      len,
      scope: options.scope ?? 'global',
      ...(withBrd ? { broadcast: broadcastOf(prefix) } : {}),
    };
    this.updateLink(dev, (l) => ({ ...l, ipv4: [...l.ipv4, address] }));
    const loopback = this.link(dev).info.kind === 'loopback';
    const kernel = { protocol: RTPROT.kernel, prefsrc: ip, dev };
    this.addRoute({ ...kernel, table: RT_TABLE.local, type: 'local', dst: cidr(ip, 32), scope: 'host' });
    if (!this.link(dev).state.up) return;
    if (len < 32) {
      if (loopback) {
        this.addRoute({ ...kernel, table: RT_TABLE.local, type: 'local', dst: prefix, scope: 'host' });
      } else {
        this.addRoute({ ...kernel, table: RT_TABLE.main, type: 'unicast', dst: prefix, scope: 'link' });
      }
    }
    // ...while the subnet's broadcast route is added for any prefix shorter than /31 (fib_add_ifaddr).
    if (len < 31) {
      this.addRoute({ ...kernel, table: RT_TABLE.local, type: 'broadcast', dst: cidr(broadcastOf(prefix), 32), scope: 'link' });
    }
  }

  addRoute(route: Route): void {
    let table = this.tables.get(route.table);
    if (!table) this.tables.set(route.table, (table = []));
    table.push(route);
  }

  /** Routes shared with other namespaces (cluster-wide overlay routes): referenced, not copied. */
  addSharedRoutes(routes: readonly Route[]): void {
    if (routes.length > 0) this.sharedMain.push(routes);
  }

  addNeighbour(entry: Neighbour): void {
    this.neighbours.push(entry);
  }

  addSharedNeighbours(entries: readonly Neighbour[]): void {
    if (entries.length > 0) this.sharedNeighbours.push(entries);
  }

  addFdb(entry: FdbEntry): void {
    this.fdb.push(entry);
  }

  addSharedFdb(entries: readonly FdbEntry[]): void {
    if (entries.length > 0) this.sharedFdb.push(entries);
  }

  setSysctl(name: string, value: string): void {
    this.sysctls.set(name, value);
  }

  writeFile(path: string, content: string): void {
    this.files.set(path, content);
  }

  /** `ipset create` + `ipset add`: the set object itself is referenced (cluster-wide sets are shared). */
  addIpset(set: IpSet): void {
    this.ipsets.set(set.name, set);
  }

  /**
   * IPVS state computed when first looked at, from the finished links:
   * kube-proxy puts node ports on every node address, including those the
   * CNI plugin adds after kube-proxy starts (cni0), as its periodic sync does.
   */
  setIpvs(state: (builder: NetnsBuilder) => Ipvs): void {
    this.ipvsState = state;
  }

  /** nftables state computed when first looked at, from the finished links (as setIpvs, for the same reason). */
  setNftables(state: (builder: NetnsBuilder) => NftRuleset): void {
    this.nftablesState = state;
  }

  private withLazyState(netns: NetNs): NetNs {
    const state = this.ipvsState;
    if (state !== undefined) {
      let ipvs: Ipvs | undefined;
      Object.defineProperty(netns, 'ipvs', { enumerable: true, get: (): Ipvs => (ipvs ??= state(this)) });
    }
    const nftState = this.nftablesState;
    if (nftState !== undefined) {
      let nftables: NftRuleset | undefined;
      Object.defineProperty(netns, 'nftables', { enumerable: true, get: (): NftRuleset => (nftables ??= nftState(this)) });
    }
    return netns;
  }

  /** Makes sure a table exists with its built-in chains (what any iptables call on it does). */
  private table(name: TableName): Map<string, ChainEntry> {
    let table = this.iptables.get(name);
    if (!table) {
      table = new Map();
      for (const chain of BUILTIN_CHAINS[name]) table.set(chain, { policy: 'ACCEPT', rules: [] });
      this.iptables.set(name, table);
    }
    return table;
  }

  /** A chain's rules, ready to change (a shared list is copied first). */
  private ownRules(table: TableName, chain: string): IptRule[] {
    this.ensureChain(table, chain);
    const entry = this.table(table).get(chain)!;
    if (entry.shared) {
      entry.rules = entry.rules.slice();
      entry.shared = false;
      delete entry.chain;
    }
    return entry.rules;
  }

  /** `iptables -t T -N CHAIN` (no error when it exists, like `iptables-restore --noflush` of `:CHAIN`). */
  ensureChain(table: TableName, chain: string): void {
    const t = this.table(table);
    if (!t.has(chain)) t.set(chain, { rules: [] });
  }

  /** The rules a chain has so far (what `iptables -C` looks through); undefined when it does not exist. */
  chainRules(table: TableName, chain: string): readonly IptRule[] | undefined {
    return this.iptables.get(table)?.get(chain)?.rules;
  }

  /**
   * A user chain whose whole content is shared with other namespaces
   * (kube-proxy's per-service chains are the same on every node): the chain
   * object is referenced, not copied, until something changes it here.
   */
  setSharedChain(table: TableName, chain: Chain): void {
    const chains = this.table(table);
    const entry = chains.get(chain.name);
    if (entry === undefined) {
      // One map operation per chain: kube-proxy hands over 100,000 of them.
      chains.set(chain.name, { rules: chain.rules as IptRule[], shared: true, chain });
      return;
    }
    entry.rules = chain.rules as IptRule[];
    entry.shared = true;
    if (entry.policy === undefined) entry.chain = chain;
    else delete entry.chain;
  }

  setPolicy(table: TableName, chain: string, policy: 'ACCEPT' | 'DROP'): void {
    const entry = this.table(table).get(chain);
    if (!entry || entry.policy === undefined) throw new Error(`bug: ${chain} is not a built-in chain of ${table}`);
    entry.policy = policy;
  }

  /** `iptables -t T -A CHAIN rule`. */
  appendRule(table: TableName, chain: string, rule: IptRule): void {
    this.ownRules(table, chain).push(rule);
  }

  /** `iptables -t T -I CHAIN 1 rule`. */
  insertRule(table: TableName, chain: string, rule: IptRule): void {
    this.ownRules(table, chain).unshift(rule);
  }

  finish(): NetNs {
    const routes = new Map<number, readonly Route[]>();
    for (const [id, own] of this.tables) {
      const all = id === RT_TABLE.main ? own.concat(...this.sharedMain) : own.slice();
      routes.set(id, all.sort(fibOrder));
    }
    if (!routes.has(RT_TABLE.main) && this.sharedMain.length > 0) {
      routes.set(RT_TABLE.main, ([] as Route[]).concat(...this.sharedMain).sort(fibOrder));
    }
    const netns: Omit<NetNs, 'netfilter'> = {
      id: this.id,
      kind: this.kind,
      displayName: this.displayName,
      hostname: this.hostname,
      links: this.links,
      routes,
      rules: DEFAULT_POLICY_RULES,
      neighbours: this.neighbours.concat(...this.sharedNeighbours),
      fdb: this.fdb.concat(...this.sharedFdb),
      sysctls: this.sysctls,
      files: this.files,
      ...(this.ipsets.size > 0 ? { ipsets: this.ipsets } : {}),
    };
    if (this.deferred.length === 0) return this.withLazyState({ ...netns, netfilter: this.netfilter() });
    // The deferred programs run, and the tables are assembled, the first time someone looks.
    let netfilter: Netfilter | undefined;
    return this.withLazyState(
      Object.defineProperty(netns, 'netfilter', {
        enumerable: true,
        get: (): Netfilter => {
          if (netfilter === undefined) {
            for (const program of this.deferred.splice(0)) program(this);
            netfilter = this.netfilter();
          }
          return netfilter;
        },
        // Whoever replaces the tables wholesale (a test, a what-if edit) gets what they set.
        set: (value: Netfilter): void => {
          this.deferred.length = 0;
          netfilter = value;
        },
      }) as NetNs,
    );
  }

  /**
   * iptables state that is expensive to build and often not looked at
   * (kube-proxy's rules for 10,000 services, when the command only prints
   * routes): `program` runs against this builder when the finished
   * namespace's `netfilter` is first read, after everything done eagerly.
   */
  deferNetfilter(program: (builder: NetnsBuilder) => void): void {
    this.deferred.push(program);
  }

  private netfilter(): Netfilter {
    return {
      tables: TABLE_ORDER.filter((name) => this.iptables.has(name)).map((name): NetfilterTable => ({
        name,
        chains: [...this.iptables.get(name)!].map(([chainName, c]): Chain =>
          c.shared && c.chain !== undefined
            ? c.chain
            : {
                name: chainName,
                ...(c.policy ? { policy: c.policy } : {}),
                rules: c.rules,
              },
        ),
      })),
    };
  }
}
