/**
 * Names, addresses and MACs that must be unique: subnets, nodes and
 * namespaces by name; pods, services and policies by name within their
 * namespace; containers and container port names within a pod; node
 * addresses, pinned pod IPs, pinned cluster IPs; every pinned MAC.
 *
 * The later of two duplicates is reported, pointing back at the first.
 * Generated entities share their generator's path, so a generator that
 * collides is reported once, not once per generated name.
 */
import type { DocPath } from '../../diagnostics/diagnostic.js';
import { formatIPv4, parseIPv4 } from '../../net/ipv4.js';
import { Code } from '../codes.js';
import { error, type Finding } from '../finding.js';
import type { Sourced } from '../types.js';
import { at, type CheckContext } from './context.js';

interface Keyed {
  readonly key: string;
  /** The entry; reports are limited to one per entry. */
  readonly source: DocPath;
  /** Where in the entry the value is (absent: the entry itself, as for generated names). */
  readonly field?: DocPath;
}

/** Paths are built only for the few items reported: there may be 150,000 pods. */
function pathOf(item: Keyed): DocPath {
  return item.field === undefined ? item.source : [...item.source, ...item.field];
}

function reportDuplicates(
  items: Iterable<Keyed>,
  findings: Finding[],
  describe: (key: string) => { code: Finding['code']; message: string; hint: string },
): void {
  const first = new Map<string, Keyed>();
  const reported = new Set<DocPath>();
  for (const item of items) {
    const earlier = first.get(item.key);
    if (earlier === undefined) {
      first.set(item.key, item);
      continue;
    }
    if (reported.has(item.source)) continue;
    reported.add(item.source);
    const { code, message, hint } = describe(item.key);
    findings.push(error(code, message, pathOf(item), { hint, related: pathOf(earlier) }));
  }
}

/** Top-level keys whose entries generate entities: their names come from the entry, not a `name` field of each. */
const GENERATORS = new Set(['nodePools', 'deployments', 'deploymentSets', 'serviceSets']);

function* named<T extends Sourced & { readonly name: string }>(items: readonly T[], scope?: (t: T) => string): Iterable<Keyed> {
  for (const item of items) {
    const generated = GENERATORS.has(String(item.source[0]));
    yield { key: scope ? `${scope(item)}/${item.name}` : item.name, source: item.source, ...(generated ? {} : { field: NAME }) };
  }
}

const NAME: DocPath = ['name'];

const unscoped = (key: string): string => key.slice(key.indexOf('/') + 1);
const scopeOf = (key: string): string => key.slice(0, key.indexOf('/'));

export function checkDuplicates({ topology, document, findings }: CheckContext): void {
  const nameHint = (what: string): string => `${what} names must be unique; the first is at {related}`;
  reportDuplicates(named(topology.subnets), findings, (k) => ({
    code: Code.DuplicateName,
    message: `subnet '${k}' is defined twice`,
    hint: nameHint('subnet'),
  }));
  reportDuplicates(named(topology.nodes), findings, (k) => ({
    code: Code.DuplicateName,
    message: `node '${k}' is defined twice`,
    hint: nameHint('node'),
  }));
  // Written namespaces, from the document: normalisation keeps one entry per implicit namespace.
  const namespaces = (document.namespaces ?? []).map((n, i): Keyed => ({ key: n.name, source: ['namespaces', i], field: NAME }));
  reportDuplicates(namespaces, findings, (k) => ({
    code: Code.DuplicateName,
    message: `namespace '${k}' is defined twice`,
    hint: nameHint('namespace'),
  }));
  // Pods generated from deployments get names no other pod has (pod-names.ts
  // draws again on a collision), so only written pods can collide: checking
  // 150,000 generated names would find nothing.
  reportDuplicates(
    named(
      topology.pods.filter((p) => p.source[0] === 'pods'),
      (p) => p.namespace,
    ),
    findings,
    (k) => ({
      code: Code.DuplicateName,
      message: `pod '${unscoped(k)}' is defined twice in namespace ${scopeOf(k)}`,
      hint: nameHint('pod'),
    }),
  );
  reportDuplicates(
    named(topology.services, (s) => s.namespace),
    findings,
    (k) => ({
      code: Code.DuplicateName,
      message: `service '${unscoped(k)}' is defined twice in namespace ${scopeOf(k)}`,
      hint: nameHint('service'),
    }),
  );
  reportDuplicates(
    named(topology.networkPolicies, (p) => p.namespace),
    findings,
    (k) => ({
      code: Code.DuplicateName,
      message: `network policy '${unscoped(k)}' is defined twice in namespace ${scopeOf(k)}`,
      hint: nameHint('network policy'),
    }),
  );
  checkContainers(topology, findings);
  checkAddressesUnique(topology, findings);
  checkMacsUnique(topology, findings);
}

/** Container names and container port names are unique within a pod (each template once: replicas share theirs). */
function checkContainers(topology: CheckContext['topology'], findings: Finding[]): void {
  const seenTemplates = new Set<unknown>();
  for (const pod of topology.pods) {
    if (seenTemplates.has(pod.containers)) continue;
    seenTemplates.add(pod.containers);
    if (!mayRepeatNames(pod.containers)) continue;
    const containers: Keyed[] = [];
    const ports: Keyed[] = [];
    pod.containers.forEach((container, c) => {
      containers.push({ key: container.name, source: at(pod.source, 'containers', c), field: NAME });
      container.ports.forEach((port, p) => {
        if (port.name !== undefined) ports.push({ key: port.name, source: at(pod.source, 'containers', c, 'ports', p), field: NAME });
      });
    });
    reportDuplicates(containers, findings, (k) => ({
      code: Code.DuplicateName,
      message: `container '${k}' is defined twice in the pod`,
      hint: 'container names must be unique in a pod; the first is at {related}',
    }));
    reportDuplicates(ports, findings, (k) => ({
      code: Code.DuplicateName,
      message: `container port name '${k}' is used twice in the pod`,
      hint: 'port names must be unique in a pod; the first is at {related}',
    }));
  }
}

/** Cheap pre-check: most pods have one container with at most one named port. */
function mayRepeatNames(containers: CheckContext['topology']['pods'][number]['containers']): boolean {
  if (containers.length > 1) return true;
  let named = 0;
  for (const port of containers[0]?.ports ?? []) if (port.name !== undefined) named++;
  return named > 1;
}

const IP: DocPath = ['ip'];

function checkAddressesUnique(topology: CheckContext['topology'], findings: Finding[]): void {
  function* addresses(): Iterable<Keyed> {
    for (const node of topology.nodes) {
      const ip = parseIPv4(node.ip);
      // Pool addresses are allocated around every other node's: a pool entry has no ip field.
      if (ip !== undefined) yield { key: String(ip), source: node.source, ...(node.pool === undefined ? { field: IP } : {}) };
    }
    for (const pod of topology.pods) {
      if (pod.ip === undefined || pod.hostNetwork) continue;
      const ip = parseIPv4(pod.ip);
      if (ip !== undefined) yield { key: String(ip), source: pod.source, field: IP };
    }
  }
  reportDuplicates(addresses(), findings, (k) => ({
    code: Code.DuplicateIp,
    message: `address ${formatIPv4(Number(k))} is used twice`,
    hint: 'every node and pod needs its own address; the first is at {related}',
  }));
  function* clusterIPs(): Iterable<Keyed> {
    for (const service of topology.services) {
      if (service.clusterIP === undefined || service.clusterIP === 'None') continue;
      yield { key: service.clusterIP, source: service.source, field: ['clusterIP'] };
    }
  }
  reportDuplicates(clusterIPs(), findings, (k) => ({
    code: Code.DuplicateIp,
    message: `cluster IP ${k} is used by two services`,
    hint: 'every service needs its own cluster IP; the first is at {related}',
  }));
}

function checkMacsUnique(topology: CheckContext['topology'], findings: Finding[]): void {
  function* macs(): Iterable<Keyed> {
    for (const node of topology.nodes) {
      for (const field of ['mac', 'bridgeMAC', 'vtepMAC'] as const) {
        const mac = node[field];
        if (mac !== undefined) yield { key: mac.toLowerCase(), source: at(node.source, field) };
      }
    }
    for (const pod of topology.pods) {
      if (pod.mac !== undefined) yield { key: pod.mac.toLowerCase(), source: at(pod.source, 'mac') };
      if (pod.hostVeth?.mac !== undefined) yield { key: pod.hostVeth.mac.toLowerCase(), source: at(pod.source, 'hostVeth', 'mac') };
    }
  }
  reportDuplicates(macs(), findings, (k) => ({
    code: Code.DuplicateMac,
    message: `MAC address ${k} is used twice`,
    hint: 'every interface needs its own MAC; the first is at {related}',
  }));
}
