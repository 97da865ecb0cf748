/**
 * Service rules the API server enforces (node ports, port names, headless
 * services, traffic policies), pinned cluster IPs inside the service
 * network, and a warning for selectors no pod matches.
 */
import { broadcastOf, contains, formatCidr, nth, parseCidr, type Cidr } from '../../net/cidr.js';
import { formatIPv4, parseIPv4 } from '../../net/ipv4.js';
import { Code } from '../codes.js';
import { didYouMean } from '../../diagnostics/did-you-mean.js';
import { error, warning, type Finding } from '../finding.js';
import type { Labels } from '../document.js';
import { DEFAULT_NODE_PORT_RANGE, parsePortRange } from '../normalise/network.js';
import type { PodSpec, ServiceSpec, Topology } from '../types.js';
import { at, type CheckContext } from './context.js';

type PortRange = ReturnType<typeof parsePortRange>;

/** kube-apiserver's default --service-node-port-range. */
const DEFAULT_RANGE: PortRange = parsePortRange(DEFAULT_NODE_PORT_RANGE);

/** The service network addresses the cluster's own services take: kubernetes (the first) and kube-dns (the 10th). */
function reservedClusterIPs(topology: Topology, serviceCIDR: Cidr): Map<number, string> {
  const written = new Set(topology.services.map((s) => `${s.namespace}/${s.name}`));
  const reserved = new Map<number, string>();
  if (!written.has('default/kubernetes'))
    reserved.set(nth(serviceCIDR, 1), 'the kubernetes service (kube-apiserver gives it the first address of the service network)');
  if (topology.network.dns.coreDNS && !written.has('kube-system/kube-dns')) {
    reserved.set(nth(serviceCIDR, 10), 'the kube-dns service (kubeadm gives it the 10th address of the service network)');
  }
  return reserved;
}

export function checkServices({ topology, document, findings }: CheckContext): void {
  const serviceCIDR = parseCidr(topology.network.serviceCIDR);
  const range = checkNodePortRange(topology, findings);
  const reserved = serviceCIDR ? reservedClusterIPs(topology, serviceCIDR) : new Map<number, string>();
  if (serviceCIDR && topology.network.dns.coreDNS && broadcastOf(serviceCIDR) - serviceCIDR.addr <= 10) {
    findings.push(
      error(
        Code.ClusterIpExhausted,
        `the service network ${topology.network.serviceCIDR} has no 10th address for the kube-dns service`,
        ['network', 'serviceCIDR'],
        {
          hint: 'kubeadm puts kube-dns at the 10th address: widen serviceCIDR, or set network.dns.coreDNS: false',
        },
      ),
    );
  }
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
        error(
          Code.ServiceHeadless,
          `a headless service (clusterIP: None) must be of type ClusterIP, not ${service.type}`,
          at(service.source, 'clusterIP'),
          {
            hint: 'remove clusterIP: None, or use type: ClusterIP',
          },
        ),
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
    checkNodePorts(service, nodePorts, range, findings);
    checkHealthCheckNodePort(service, nodePorts, range, findings);
    if (serviceCIDR && service.clusterIP !== undefined && !headless) {
      const ip = parseIPv4(service.clusterIP);
      if (ip !== undefined && (!contains(serviceCIDR, ip) || ip === serviceCIDR.addr || ip === broadcastOf(serviceCIDR))) {
        const why = !contains(serviceCIDR, ip)
          ? 'is outside'
          : ip === serviceCIDR.addr
            ? 'is the network address of'
            : 'is the broadcast address of';
        findings.push(
          error(
            Code.ClusterIpOutside,
            `cluster IP ${service.clusterIP} ${why} the service network ${topology.network.serviceCIDR}`,
            at(service.source, 'clusterIP'),
            {
              hint: `pick an address inside ${formatCidr(serviceCIDR)}, or leave clusterIP out to have one allocated`,
            },
          ),
        );
      } else if (ip !== undefined && reserved.has(ip) && !(service.namespace === 'kube-system' && service.name === 'kube-dns')) {
        findings.push(
          error(
            Code.ClusterIpTaken,
            `cluster IP ${service.clusterIP} is already allocated to ${reserved.get(ip)}`,
            at(service.source, 'clusterIP'),
            {
              hint: `pick another address, e.g. ${formatIPv4(nth(serviceCIDR, 100))}, or leave clusterIP out to have one allocated`,
            },
          ),
        );
      }
    }
    const externallyReachable = service.type !== 'ClusterIP' || service.externalIPs.length > 0;
    if (service.externalTrafficPolicy === 'Local' && !externallyReachable && once(service)) {
      findings.push(
        error(
          Code.ServiceTrafficPolicy,
          `externalTrafficPolicy applies only to NodePort and LoadBalancer services (or services with externalIPs)`,
          at(service.source, 'externalTrafficPolicy'),
          {
            hint: 'use type: NodePort or LoadBalancer, or remove externalTrafficPolicy',
          },
        ),
      );
    }
    if (service.loadBalancerIP !== undefined && service.type !== 'LoadBalancer') {
      findings.push(
        warning(
          Code.OptionIgnored,
          `loadBalancerIP is ignored: the service is of type ${service.type}`,
          at(service.source, 'loadBalancerIP'),
          { hint: 'use type: LoadBalancer' },
        ),
      );
    }
  }

  // Whether sessionAffinityConfig was written is only known from the document.
  for (const key of ['services', 'serviceSets'] as const) {
    (document[key] ?? []).forEach((entry, i) => {
      if (entry.sessionAffinityConfig !== undefined && entry.sessionAffinity !== 'ClientIP') {
        findings.push(
          warning(
            Code.OptionIgnored,
            'sessionAffinityConfig is ignored: sessionAffinity is not ClientIP',
            [key, i, 'sessionAffinityConfig'],
            {
              hint: 'add sessionAffinity: ClientIP',
            },
          ),
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

/** network.serviceNodePortRange: MIN-MAX with 1 <= MIN <= MAX <= 65535. A broken range falls back to the default. */
function checkNodePortRange(topology: Topology, findings: Finding[]): PortRange {
  const range = parsePortRange(topology.network.serviceNodePortRange);
  if (range.min < 1 || range.max > 65535 || range.min > range.max) {
    findings.push(
      error(
        Code.NodePortRangeInvalid,
        `serviceNodePortRange ${topology.network.serviceNodePortRange} is not a port range`,
        ['network', 'serviceNodePortRange'],
        {
          hint: 'write MIN-MAX with 1 <= MIN <= MAX <= 65535, e.g. 30000-32767 (the default)',
        },
      ),
    );
    return DEFAULT_RANGE;
  }
  return range;
}

/**
 * healthCheckNodePort: only where kube-proxy serves a health check (a
 * LoadBalancer service with externalTrafficPolicy Local, as the API server
 * requires), inside the node port range, and not a port another service uses.
 */
function checkHealthCheckNodePort(
  service: ServiceSpec,
  taken: Map<number, { service: ServiceSpec; path: (string | number)[] }>,
  range: PortRange,
  findings: Finding[],
): void {
  const port = service.healthCheckNodePort;
  if (port === undefined) return;
  const path = at(service.source, 'healthCheckNodePort');
  if (service.type !== 'LoadBalancer' || service.externalTrafficPolicy !== 'Local') {
    findings.push(
      error(
        Code.HealthCheckNodePort,
        'healthCheckNodePort may only be set on a LoadBalancer service with externalTrafficPolicy: Local',
        path,
        {
          hint: 'remove healthCheckNodePort, or use type: LoadBalancer with externalTrafficPolicy: Local',
        },
      ),
    );
    return;
  }
  if (port < range.min || port > range.max) {
    findings.push(
      error(Code.NodePortRange, `healthCheckNodePort ${port} is outside the node port range ${range.min}-${range.max}`, path, {
        hint: rangeHint(range),
      }),
    );
    return;
  }
  const earlier = taken.get(port);
  if (earlier !== undefined) {
    findings.push(
      error(
        Code.NodePortDuplicate,
        `healthCheckNodePort ${port} is already used by service ${earlier.service.namespace}/${earlier.service.name}`,
        path,
        {
          hint: 'the health check takes a node port of its own; leave healthCheckNodePort out to have a free one allocated ({related})',
          related: earlier.path,
        },
      ),
    );
    return;
  }
  taken.set(port, { service, path });
}

function rangeHint(range: PortRange): string {
  return range.min === DEFAULT_RANGE.min && range.max === DEFAULT_RANGE.max
    ? "kube-apiserver's --service-node-port-range defaults to 30000-32767"
    : `network.serviceNodePortRange is ${range.min}-${range.max}`;
}

function checkNodePorts(
  service: ServiceSpec,
  taken: Map<number, { service: ServiceSpec; path: (string | number)[] }>,
  range: PortRange,
  findings: Finding[],
): void {
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
    if (port.nodePort < range.min || port.nodePort > range.max) {
      findings.push(
        error(Code.NodePortRange, `nodePort ${port.nodePort} is outside the node port range ${range.min}-${range.max}`, path, {
          hint: rangeHint(range),
        }),
      );
      return;
    }
    // Within one service the same node port may serve TCP and UDP; across services never.
    const ownKey = `${port.protocol}/${port.nodePort}`;
    const earlier = taken.get(port.nodePort);
    if (own.has(ownKey)) {
      findings.push(
        error(Code.NodePortDuplicate, `nodePort ${port.nodePort}/${port.protocol} is used twice in the service`, path, {
          hint: 'the first is at {related}',
          related: at(service.source, 'ports', own.get(ownKey)!, 'nodePort'),
        }),
      );
    } else if (earlier !== undefined && earlier.service !== service) {
      findings.push(
        error(
          Code.NodePortDuplicate,
          `nodePort ${port.nodePort} is already used by service ${earlier.service.namespace}/${earlier.service.name}`,
          path,
          {
            hint: 'a node port belongs to one service; leave nodePort out to have a free one allocated ({related})',
            related: earlier.path,
          },
        ),
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
  // Pods by their labels object, for named target ports only (rare: built on demand).
  let podsByLabels: Map<Labels, PodSpec[]> | undefined;
  const podsWith = (labels: Labels): readonly PodSpec[] => {
    if (podsByLabels === undefined) {
      podsByLabels = new Map();
      for (const pod of topology.pods) {
        let list = podsByLabels.get(pod.labels);
        if (list === undefined) podsByLabels.set(pod.labels, (list = []));
        list.push(pod);
      }
    }
    return podsByLabels.get(labels) ?? [];
  };
  for (const service of topology.services) {
    const selector = Object.entries(service.selector ?? {});
    if (selector.length === 0) continue;
    const candidateLists = selector.map(([key, value]) => byLabel.get(`${service.namespace}\u0000${key}\u0000${value}`) ?? []);
    const smallest = candidateLists.reduce((a, b) => (b.length < a.length ? b : a));
    const matching = smallest.filter((labels) => selector.every(([key, value]) => labels[key] === value));
    const matched = matching.length > 0;
    if (matched && service.ports.some((p) => typeof p.targetPort === 'string')) {
      checkNamedTargetPorts(
        service,
        matching.flatMap((labels) => podsWith(labels).filter((pod) => pod.namespace === service.namespace)),
        findings,
        once,
      );
    }
    if (matched || !once(service)) continue;
    const text = selector.map(([k, v]) => `${k}=${v}`).join(',');
    const missing = selector.find((_, i) => candidateLists[i]!.length === 0);
    let hint = 'a service without matching pods has no endpoints: traffic to it is rejected';
    if (missing) {
      const values = valuesOfKey.get(`${service.namespace}\u0000${missing[0]}`);
      const suggestion = values ? didYouMean(missing[1], values) : undefined;
      if (suggestion) hint = `no pod in ${service.namespace} has ${missing[0]}=${missing[1]}; ${suggestion}`;
    }
    findings.push(
      warning(Code.SelectorNoPods, `service '${service.name}' selects no pods (${text})`, at(service.source, 'selector'), { hint }),
    );
  }
}

/**
 * A named targetPort is looked up in each selected pod, by name and protocol
 * (as the EndpointSlice controller's FindPort does); a pod without it is no
 * endpoint for that service port. Usually a typo, so a warning.
 */
function checkNamedTargetPorts(
  service: ServiceSpec,
  pods: readonly PodSpec[],
  findings: Finding[],
  once: (service: ServiceSpec) => boolean,
): void {
  service.ports.forEach((port, i) => {
    if (typeof port.targetPort !== 'string') return;
    const name = port.targetPort;
    const has = (pod: PodSpec): boolean =>
      pod.containers.some((c) => c.ports.some((cp) => cp.name === name && cp.protocol === port.protocol));
    const missing = pods.filter((pod) => !has(pod));
    if (missing.length === 0 || !once(service)) return;
    const portLabel = port.name !== undefined ? `port '${port.name}'` : `port ${port.port}`;
    const message =
      missing.length === pods.length
        ? `no pod the service selects has a container port named '${name}' (${port.protocol}): ${portLabel} has no endpoints`
        : `${missing.length} of the ${pods.length} pods the service selects have no container port named '${name}' (${port.protocol}): they are no endpoints of ${portLabel}`;
    const names = new Set<string>();
    for (const pod of missing)
      for (const c of pod.containers)
        for (const cp of c.ports) if (cp.name !== undefined && cp.protocol === port.protocol) names.add(cp.name);
    const suggestion = didYouMean(name, names);
    findings.push(
      warning(Code.TargetPortUnknown, message, at(service.source, 'ports', i, 'targetPort'), {
        hint:
          suggestion ??
          (names.size > 0
            ? `their ${port.protocol} port names: ${[...names].sort().join(', ')}`
            : `name the container port (ports: [{name: ${name}, containerPort: ...}]) or use a port number`),
      }),
    );
  });
}
