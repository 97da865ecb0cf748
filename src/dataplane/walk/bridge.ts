/**
 * A Linux bridge (cni0, docker0): a frame entering one of its ports
 * (br_handle_frame) is for the bridge itself, and goes up into the node's
 * IP layer, or is forwarded out of the port behind which its destination
 * MAC lives (br_forward). With br_netfilter (bridge-nf-call-iptables=1) a
 * bridged IPv4 frame crosses the iptables hooks too (br_nf_pre_routing,
 * br_nf_forward_ip, br_nf_post_routing), with the bridge as in and out
 * device and the ports as physdev.
 */
import type { Link } from '../../kernel/link.js';
import type { NetNs } from '../../kernel/netns.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import type { Frame } from '../../flow/packet.js';
import { fibLookup } from '../fib.js';
import { resolveNeighbour } from '../neighbour.js';
import { filtered, hook } from './hooks.js';
import type { Event, Walk } from './walk.js';

/**
 * A frame entering a bridge port. With br_netfilter the IPv4 PREROUTING hook
 * runs here, before the bridge decides, and the IP layer does not run it
 * again (ip_sabotage_in). When that DNATs a packet addressed to the bridge
 * to an address behind the same bridge, br_netfilter re-routes it and
 * bridges it straight back out: no IP forwarding, no TTL decrement (a pod
 * reaching a service endpoint on its own node).
 */
export function bridgeInput(walk: Walk, ns: NetNs, bridge: Link, inPort: Link, frame: Frame): Event | undefined {
  const toBridge = frame.dstMac === bridge.mac || ports(ns, bridge).some((p) => p.mac === frame.dstMac);
  const brNetfilter = ns.sysctls.get('net.bridge.bridge-nf-call-iptables') === '1';
  let p = frame.packet;
  if (brNetfilter) {
    const pre = hook(walk, ns, 'PREROUTING', p, { inIface: bridge.name, physIn: inPort.name });
    if (pre.verdict !== 'ACCEPT') return filtered(walk, ns, pre, false);
    const dnatted = pre.packet.dst !== p.dst;
    p = pre.packet;
    if (toBridge && dnatted) {
      const rerouted = fibLookup(ns, p.dst);
      if (rerouted.ok && rerouted.route.type === 'unicast' && rerouted.route.dev === bridge.name) {
        walk.record({ kind: 'route', table: rerouted.table, route: rerouted.route, routesExamined: rerouted.examined, decision: 'output' });
        const neigh = resolveNeighbour(walk.session, ns, bridge, rerouted.route.gateway ?? p.dst);
        walk.record({
          kind: 'neigh',
          ip: rerouted.route.gateway ?? p.dst,
          dev: bridge.name,
          ...(neigh.mac ? { mac: neigh.mac } : {}),
          state: neigh.state,
        });
        if (!neigh.mac)
          return walk.finish(
            'NEIGHBOR_UNREACHABLE',
            `no answer to ARP for ${formatIPv4(p.dst)} on ${bridge.name} in ${ns.displayName}`,
            { kind: 'none' },
            ns.id,
          );
        // br_nf_pre_routing_finish_bridge: the frame gets the new destination's MAC and stays on the bridge.
        return bridgeForward(walk, ns, bridge, inPort, { srcMac: frame.srcMac, dstMac: neigh.mac, packet: p }, true);
      }
    }
  }
  if (toBridge) {
    walk.record({ kind: 'bridge', bridge: bridge.name, dstMac: frame.dstMac, result: 'local' });
    walk.count(ns, bridge, 'rx', p.length);
    return { kind: 'ip-rcv', ns, dev: bridge.name, packet: p, prerouted: brNetfilter };
  }
  return bridgeForward(walk, ns, bridge, inPort, { ...frame, packet: p }, brNetfilter);
}

/**
 * Bridging a frame to the port behind which its destination MAC lives; the
 * node's own frames (`inPort` undefined) come from its IP layer. `prerouted`:
 * PREROUTING already ran at bridge ingress.
 */
export function bridgeForward(
  walk: Walk,
  ns: NetNs,
  bridge: Link,
  inPort: Link | undefined,
  frame: Frame,
  prerouted = false,
): Event | undefined {
  // A disabled port (its link is down) forwards nothing, and the bridge forgot what it learned there.
  const outPort = ports(ns, bridge).find((port) => port.bridgePort!.state !== 'disabled' && peerMac(walk, port) === frame.dstMac);
  if (!outPort) {
    walk.record({ kind: 'bridge', bridge: bridge.name, dstMac: frame.dstMac, result: 'flood' });
    return walk.finish('NEIGHBOR_UNREACHABLE', `no port of ${bridge.name} leads to ${frame.dstMac}`, { kind: 'none' }, ns.id);
  }
  if (inPort && outPort === inPort && !outPort.bridgePort!.hairpin) {
    return walk.finish(
      'DROPPED_BY_FILTER',
      `${bridge.name} does not send a frame back out of ${inPort.name} (hairpin off)`,
      { kind: 'none' },
      ns.id,
    );
  }
  walk.record({ kind: 'bridge', bridge: bridge.name, dstMac: frame.dstMac, result: 'forward', port: outPort.name });
  if (inPort && ns.sysctls.get('net.bridge.bridge-nf-call-iptables') === '1') {
    // br_netfilter: a bridged IPv4 frame crosses the iptables hooks too, with in=out=the bridge
    // (PREROUTING already ran at bridge ingress).
    let p = frame.packet;
    const hooks = prerouted ? (['FORWARD', 'POSTROUTING'] as const) : (['PREROUTING', 'FORWARD', 'POSTROUTING'] as const);
    for (const chain of hooks) {
      const result = hook(walk, ns, chain, p, {
        inIface: bridge.name,
        ...(chain !== 'PREROUTING' ? { outIface: bridge.name } : {}),
        physIn: inPort.name,
        physOut: outPort.name,
      });
      if (result.verdict !== 'ACCEPT') return filtered(walk, ns, result, false);
      p = result.packet;
    }
    frame = { ...frame, packet: p };
  }
  // br_dev_queue_push_xmit: the port transmits it (output.ts).
  return { kind: 'xmit', ns, dev: outPort, frame };
}

function ports(ns: NetNs, bridge: Link): Link[] {
  return ns.links.filter((l) => l.bridgePort?.bridge === bridge.name);
}

/** The MAC behind a bridge port: the other end of its veth. */
function peerMac(walk: Walk, port: Link): Mac | undefined {
  if (port.info.kind !== 'veth') return undefined;
  return walk.session.vethPeer(port.info).link?.mac;
}
