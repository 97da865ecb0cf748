/**
 * Service rules the API server enforces (node ports, port names, headless
 * services, traffic policies), pinned cluster IPs inside the service
 * network, and a warning for selectors no pod matches.
 */
import { broadcastOf, contains, formatCidr, parseCidr } from '../../net/cidr.js';
import { parseIPv4 } from '../../net/ipv4.js';
import { Code } from '../codes.js';
import { didYouMean } from '../../diagnostics/did-you-mean.js';
import { error, warning, type Finding } from '../finding.js';
import type { Labels } from '../document.js';
import type { ServiceSpec, Topology } from '../types.js';
import { at, type CheckContext } from './context.js';

/** kube-apiserver's default --service-node-port-range. */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export function checkServices({ topology, document, findings }: CheckContext): void {
  const serviceCIDR = parseCidr(topology.network.serviceCIDR);
  const nodePorts = new Map<number, { service: ServiceSpec; path: (string | number)[] }>();
  const reportedSources = new Set<string>();
  const once = (service: ServiceSpec): boolean => {
    // Generated services share their set's path: one report per set and rule is enough.
    const key = service.source.join('/');
    if (service.source[0] !== 'serviceSets') return true;
    if (reportedSources.has(key)) return false;
    reportedSources.add(key);
    return true;
  };

  for (const service of topology.services) {
    const headless = service.clusterIP === 'None';
    if (headless && service.type !== 'ClusterIP') {
      findings.push(
        error(Code.ServiceHeadless, `a headless service (clusterIP: None) must be of type ClusterIP, not ${service.type}`, at(service.source, 'clusterIP'), {
          hint: 'remove clusterIP: None, or use type: ClusterIP',
        }),
      );
    }
    if (service.ports.length === 0 && !headless) {
      findings.push(
        error(Code.ServiceNoPorts, `service '${service.name}' has no ports`, at(service.source, 'ports'), {
          hint: 'add a port (e.g. ports: [{port: 80}]), or make it headless with clusterIP: None',
        }),
      );
    }
    checkPorts(service, findings);
    checkNodePorts(service, nodePorts, findings);
    if (serviceCIDR && service.clusterIP !== undefined && !headless) {
      const ip = parseIPv4(service.clusterIP);
      if (ip !== undefined && (!contains(serviceCIDR, ip) || ip === serviceCIDR.addr || ip === broadcastOf(serviceCIDR))) {
        const why = !contains(serviceCIDR, ip) ? 'is outside' : ip === serviceCIDR.addr ? 'is the network address of' : 'is the broadcast address of';
        findings.push(
          error(Code.ClusterIpOutside, `cluster IP ${service.clusterIP} ${why} the service network ${topology.network.serviceCIDR}`, at(service.source, 'clusterIP'), {
            hint: `pick an address inside ${formatCidr(serviceCIDR)}, or leave clusterIP out to have one allocated`,
          }),
        );
      }
    }
    const externallyReachable = service.type !== 'ClusterIP' || service.externalIPs.length > 0;
    if (service.externalTrafficPolicy === 'Local' && !externallyReachable && once(service)) {
      findings.push(
        error(Code.ServiceTrafficPolicy, `externalTrafficPolicy applies only to NodePort and LoadBalancer services (or services with externalIPs)`, at(service.source, 'externalTrafficPolicy'), {
          hint: 'use type: NodePort or LoadBalancer, or remove externalTrafficPolicy',
        }),
      );
    }
    if (service.loadBalancerIP !== undefined && service.type !== 'LoadBalancer') {
      findings.push(warning(Code.OptionIgnored, `loadBalancerIP is ignored: the service is of type ${service.type}`, at(service.source, 'loadBalancerIP'), { hint: 'use type: LoadBalancer' }));
    }
  }

  // Whether sessionAffinityConfig was written is only known from the document.
  for (const key of ['services', 'serviceSets'] as const) {
    (document[key] ?? []).forEach((entry, i) => {
      if (entry.sessionAffinityConfig !== undefined && entry.sessionAffinity !== 'ClientIP') {
        findings.push(
          warning(Code.OptionIgnored, 'sessionAffinityConfig is ignored: sessionAffinity is not ClientIP', [key, i, 'sessionAffinityConfig'], {
            hint: 'add sessionAffinity: ClientIP',
          }),
        );
      }
    });
  }
  checkSelectors(topology, findings, once);
}

function checkPorts(service: ServiceSpec, findings: Finding[]): void {
  const names = new Map<string, number>();
  const numbers = new Map<string, number>();
  service.ports.forEach((port, p) => {
    const path = at(service.source, 'ports', p);
    if (service.ports.length > 1 && port.name === undefined) {
      findings.push(
        error(Code.ServicePortName, `port ${port.port} needs a name: the service has ${service.ports.length} ports`, path, {
          hint: 'Kubernetes requires a name on every port of a multi-port service, e.g. name: http',
        }),
      );
    }
    if (port.name !== undefined) {
      const first = names.get(port.name);
      if (first !== undefined) {
        findings.push(
          error(Code.ServicePortName, `port name '${port.name}' is used twice in the service`, at(path, 'name'), {
            hint: 'port names must be unique in a service; the first is at {related}',
            related: at(service.source, 'ports', first, 'name'),
          }),
        );
      } else names.set(port.name, p);
    }
    const key = `${port.protocol}/${port.port}`;
    const first = numbers.get(key);
    if (first !== undefined) {
      findings.push(
        error(Code.ServicePortDuplicate, `port ${port.port}/${port.protocol} is exposed twice by the service`, at(path, 'port'), {
          hint: 'each port and protocol pair may appear once; the first is at {related}',
          related: at(service.source, 'ports', first, 'port'),
        }),
      );
    } else numbers.set(key, p);
  });
}

function checkNodePorts(service: ServiceSpec, taken: Map<number, { service: ServiceSpec; path: (string | number)[] }>, findings: Finding[]): void {
  const own = new Map<string, number>();
  service.ports.forEach((port, p) => {
    if (port.nodePort === undefined) return;
    const path = at(service.source, 'ports', p, 'nodePort');
    if (service.type === 'ClusterIP') {
      findings.push(
        error(Code.NodePortNotAllowed, `nodePort is not allowed on a ClusterIP service`, path, {
          hint: 'use type: NodePort (or LoadBalancer), or remove nodePort',
        }),
      );
      return;
    }
    if (port.nodePort < NODE_PORT_MIN || port.nodePort > NODE_PORT_MAX) {
      findings.push(
        error(Code.NodePortRange, `nodePort ${port.nodePort} is outside the node port range ${NODE_PORT_MIN}-${NODE_PORT_MAX}`, path, {
          hint: "kube-apiserver's --service-node-port-range defaults to 30000-32767",
        }),
      );
      return;
    }
    // Within one service the same node port may serve TCP and UDP; across services never.
    const ownKey = `${port.protocol}/${port.nodePort}`;
    const earlier = taken.get(port.nodePort);
    if (own.has(ownKey)) {
      findings.push(error(Code.NodePortDuplicate, `nodePort ${port.nodePort}/${port.protocol} is used twice in the service`, path, { hint: 'the first is at {related}', related: at(service.source, 'ports', own.get(ownKey)!, 'nodePort') }));
    } else if (earlier !== undefined && earlier.service !== service) {
      findings.push(
        error(Code.NodePortDuplicate, `nodePort ${port.nodePort} is already used by service ${earlier.service.namespace}/${earlier.service.name}`, path, {
          hint: 'a node port belongs to one service; leave nodePort out to have a free one allocated ({related})',
          related: earlier.path,
        }),
      );
    }
    own.set(ownKey, p);
    if (earlier === undefined) taken.set(port.nodePort, { service, path });
  });
}

/** A warning for each selector that matches no pod: usually a typo in a label. */
function checkSelectors(topology: Topology, findings: Finding[], once: (service: ServiceSpec) => boolean): void {
  // Replicas of a deployment share one labels object, so 150,000 pods have
  // about as many distinct label sets as there are deployments: index those,
  // by namespace and one label, so 10,000 selectors need not scan every pod.
  const labelSets = new Map<string, Set<Labels>>();
  for (const pod of topology.pods) {
    let sets = labelSets.get(pod.namespace);
    if (sets === undefined) labelSets.set(pod.namespace, (sets = new Set()));
    sets.add(pod.labels);
  }
  const byLabel = new Map<string, Labels[]>();
  const valuesOfKey = new Map<string, Set<string>>();
  for (const [namespace, sets] of labelSets) {
    for (const labels of sets) {
      for (const [key, value] of Object.entries(labels)) {
        const indexKey = `${namespace}\u0000${key}\u0000${value}`;
        let matching = byLabel.get(indexKey);
        if (matching === undefined) byLabel.set(indexKey, (matching = []));
        matching.push(labels);
        const valuesKey = `${namespace}\u0000${key}`;
        let values = valuesOfKey.get(valuesKey);
        if (values === undefined) valuesOfKey.set(valuesKey, (values = new Set()));
        values.add(value);
      }
    }
  }
  for (const service of topology.services) {
    const selector = Object.entries(service.selector ?? {});
    if (selector.length === 0) continue;
    const candidateLists = selector.map(([key, value]) => byLabel.get(`${service.namespace}\u0000${key}\u0000${value}`) ?? []);
    const smallest = candidateLists.reduce((a, b) => (b.length < a.length ? b : a));
    const matched = smallest.some((labels) => selector.every(([key, value]) => labels[key] === value));
    if (matched || !once(service)) continue;
    const text = selector.map(([k, v]) => `${k}=${v}`).join(',');
    const missing = selector.find((_, i) => candidateLists[i]!.length === 0);
    let hint = 'a service without matching pods has no endpoints: traffic to it is rejected';
    if (missing) {
      const values = valuesOfKey.get(`${service.namespace}\u0000${missing[0]}`);
      const suggestion = values ? didYouMean(missing[1], values) : undefined;
      if (suggestion) hint = `no pod in ${service.namespace} has ${missing[0]}=${missing[1]}; ${suggestion}`;
    }
    findings.push(warning(Code.SelectorNoPods, `service '${service.name}' selects no pods (${text})`, at(service.source, 'selector'), { hint }));
  }
}
