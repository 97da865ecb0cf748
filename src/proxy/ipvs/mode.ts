/**
 * kube-proxy's ipvs mode: it programs kube-ipvs0, the ipsets, the virtual
 * servers and its few iptables rules (./program.ts), and in the walk IPVS
 * takes the packets for its virtual servers (ip_vs_in): at LOCAL_IN a
 * packet the node received for one of kube-ipvs0's addresses, at LOCAL_OUT
 * the node's own connection to one.
 *
 * In masquerading mode a real server is chosen (./connections.ts: the
 * connection's, the client's persistence template's, or the scheduler's),
 * the destination rewritten, and the walk sends the packet on by the route
 * to the real server (ip_vs_nat_xmit: the answer `translated`). A virtual
 * server without real servers answers ICMP port unreachable (ip_vs_leave);
 * the node's own socket hears EHOSTUNREACH.
 */
import { findVirtualServer, type IpvsVirtualServer } from '../../kernel/ipvs.js';
import type { NetNs } from '../../kernel/netns.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Cluster } from '../../model/types.js';
import type { Packet } from '../../flow/packet.js';
import type { KubeProxyMode, ServiceAnswer, ServiceWalk } from '../types.js';
import { programKubeProxyIpvs } from './program.js';

export function ipvsMode(cluster: Cluster): KubeProxyMode {
  return {
    name: 'ipvs',
    programNode: (ns, node) => programKubeProxyIpvs(ns, cluster, node),
    atLocalIn: (walk, ns, p, local) => {
      const vs = virtualServer(walk, ns, p);
      return vs && ipvsIn(walk, ns, p, vs, local);
    },
    replySeen: (memory, ns, flow, p) => memory.ipvs.reply(ns.id, flow, p),
  };
}

export function virtualName(vs: IpvsVirtualServer): string {
  return `${vs.protocol} ${formatIPv4(vs.addr)}:${vs.port}`;
}

/**
 * The virtual server a client's packet is for: a new connection, or a later packet of one IPVS
 * translates (ip_vs_in finds its connection); replies are conntrack's business.
 */
function virtualServer(walk: ServiceWalk, ns: NetNs, p: Packet): IpvsVirtualServer | undefined {
  if (ns.ipvs === undefined || p.tunnel !== undefined) return undefined;
  const vs = findVirtualServer(ns.ipvs, p.protocol, p.dst, p.dport);
  if (!vs) return undefined;
  const ct = walk.connection(ns, p);
  if (ct && !ct.fresh && !(ct.direction === 'original' && walk.memory.ipvs.knows(ns.id, vs, p))) return undefined;
  return vs;
}

/** ip_vs_in in masquerading mode: the real server, or ip_vs_leave's answer when there is none. */
function ipvsIn(walk: ServiceWalk, ns: NetNs, p: Packet, vs: IpvsVirtualServer, local: boolean): ServiceAnswer {
  const connections = walk.memory.ipvs;
  const choice = connections.choose(ns.id, vs, p, walk.random);
  const base = {
    kind: 'ipvs',
    hook: local ? 'OUTPUT' : 'INPUT',
    virtual: virtualName(vs),
    scheduler: vs.scheduler,
    realServers: vs.realServers.length,
    ...(vs.persistent !== undefined ? { persistent: true } : {}),
  } as const;
  if (!choice) {
    const summary = `IPVS ${virtualName(vs)} has no real servers (service ${vs.servicePort} has no endpoints): ICMP port unreachable`;
    const notice = local
      ? ({ kind: 'local-error', errno: 'EHOSTUNREACH' } as const)
      : ({ kind: 'icmp', from: p.dst, type: 3, code: 3 } as const);
    return { kind: 'end', step: { ...base, verdict: 'no-destination' }, disposition: 'NO_ENDPOINTS', summary, notice };
  }
  const { rs } = choice;
  const after: Packet = { ...p, dst: rs.addr, dport: rs.port };
  connections.record(ns.id, vs, p, rs, walk.connection(ns, p)?.flow);
  return {
    kind: 'translated',
    step: { ...base, verdict: 'masq', realServer: `${formatIPv4(rs.addr)}:${rs.port}`, after },
    packet: after,
    by: 'IPVS',
  };
}
