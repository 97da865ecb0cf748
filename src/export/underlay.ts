/**
 * The underlay on one host, from netlab's underlay model
 * (src/dataplane/underlay.ts): each segment is a bridge `br0` in a namespace
 * of its own, and the router is a namespace with one leg (`eth<i>`, the
 * model's device name and MAC) per segment that has a gateway, holding the
 * gateway address and forwarding between them. It knows the segments only,
 * never the pod networks, as in the model. MACs the model leaves open (the
 * bridges, the bridge ports) are fixed from stable hashes.
 */
import type { RouterPort } from '../dataplane/underlay.js';
import type { Subnet } from '../model/types.js';
import { formatIPv4 } from '../net/ipv4.js';
import { stableMac, type Mac } from '../net/mac.js';
import type { LabNames } from './names.js';
import { shellLine } from './shell.js';
import type { Step } from './steps.js';

export function underlayPortMac(segment: Subnet, owner: string): Mac {
  return stableMac(`export/underlay/${segment.name}/${owner}`);
}

export function underlaySteps(segments: readonly Subnet[], routerPorts: readonly RouterPort[], names: LabNames): Step[] {
  const steps: Step[] = [];
  for (const segment of segments) {
    const ns = names.underlay(segment);
    steps.push({
      what: `underlay ${segment.name}: namespace ${ns} with bridge ${names.underlayBridge}`,
      commands: [
        shellLine(['mkns', ns]),
        shellLine([
          'ip',
          '-n',
          ns,
          'link',
          'add',
          'name',
          names.underlayBridge,
          'address',
          underlayPortMac(segment, 'br0'),
          'mtu',
          segment.mtu,
          'type',
          'bridge',
        ]),
        shellLine(['ip', '-n', ns, 'link', 'set', 'dev', names.underlayBridge, 'up']),
      ],
    });
  }
  if (routerPorts.length === 0) return steps;
  const router = names.router;
  steps.push({
    what: `router: namespace ${router}, forwarding`,
    commands: [
      shellLine(['mkns', router]),
      shellLine(['nsysctl', router, 'net/ipv4/ip_forward', 1, 'net/ipv4/conf/all/rp_filter', 0, 'net/ipv4/conf/default/rp_filter', 0]),
    ],
  });
  for (const port of routerPorts) {
    const ul = names.underlay(port.subnet);
    steps.push({
      what: `router: ${port.dev} on ${port.subnet.name} (${formatIPv4(port.ip)})`,
      commands: [
        shellLine([
          'ip',
          '-n',
          router,
          'link',
          'add',
          'name',
          port.dev,
          'address',
          port.mac,
          'mtu',
          port.subnet.mtu,
          'type',
          'veth',
          'peer',
          'name',
          names.routerPort,
          'address',
          underlayPortMac(port.subnet, 'router'),
          'mtu',
          port.subnet.mtu,
          'netns',
          ul,
        ]),
        shellLine(['ip', '-n', ul, 'link', 'set', 'dev', names.routerPort, 'master', names.underlayBridge]),
        shellLine(['ip', '-n', ul, 'link', 'set', 'dev', names.routerPort, 'up']),
        shellLine(['ip', '-n', router, 'addr', 'add', `${formatIPv4(port.ip)}/${port.subnet.cidr.len}`, 'brd', '+', 'dev', port.dev]),
        shellLine(['ip', '-n', router, 'link', 'set', 'dev', port.dev, 'up']),
      ],
    });
  }
  return steps;
}
