/**
 * Endpoints from selectors, as the EndpointSlice controller writes them and
 * kube-proxy reads them:
 *
 * - every pod of the service's namespace whose labels match the selector is
 *   an endpoint, ready or not: conditions.ready = ready and not terminating,
 *   serving = ready, terminating = being deleted (kube-proxy decides what to
 *   use, src/proxy/iptables/categorize.ts);
 * - the address is the pod IP (the node IP for a hostNetwork pod), the node
 *   name the pod's node;
 * - a numeric targetPort is used as is; a named one is looked up in the
 *   pod's containers by name and protocol (FindPort), and a pod without it
 *   is no endpoint of that service port;
 * - per service port, kube-proxy keeps one endpoint per `ip:port` string
 *   and sorts them by that string (EndpointSliceCache's byEndpoint order),
 *   which is the order of the KUBE-SEP jumps.
 *
 * The `kubernetes` service has no selector: the API server writes its
 * endpoints itself, one per API server (here: each control-plane node's
 * address, port 6443), without a node name.
 */
import { formatIPv4 } from '../../net/ipv4.js';
import type { ContainerSpec, Protocol } from '../../topology/types.js';
import type { Node, Pod, ServiceAddress, ServiceEndpoint, ServicePortModel } from '../types.js';
import { APISERVER_PORT } from './defaults.js';

type Labels = Readonly<Record<string, string>>;

/**
 * Pods by namespace and label, built once per cluster on first use.
 * Replicas of a deployment share one labels object, so 150,000 pods have
 * about as many distinct label sets as deployments: the index holds label
 * sets, and each label set its pods.
 */
export class SelectorIndex {
  private readonly byLabel = new Map<string, Labels[]>();
  private readonly podsByLabels = new Map<Labels, Pod[]>();

  constructor(pods: readonly Pod[]) {
    const seen = new Set<Labels>();
    for (const pod of pods) {
      const labels = pod.labels;
      let list = this.podsByLabels.get(labels);
      if (list === undefined) this.podsByLabels.set(labels, (list = []));
      list.push(pod);
      if (seen.has(labels)) continue;
      seen.add(labels);
      for (const [key, value] of Object.entries(labels)) {
        const k = `${key}\u0000${value}`;
        let sets = this.byLabel.get(k);
        if (sets === undefined) this.byLabel.set(k, (sets = []));
        sets.push(labels);
      }
    }
  }

  /** Pods of `namespace` whose labels include every pair of `selector`, in cluster order per label set. */
  select(namespace: string, selector: Labels): Pod[] {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return []; // an empty selector selects nothing for a service
    let smallest: readonly Labels[] | undefined;
    for (const [key, value] of pairs) {
      const sets = this.byLabel.get(`${key}\u0000${value}`) ?? [];
      if (smallest === undefined || sets.length < smallest.length) smallest = sets;
    }
    const out: Pod[] = [];
    for (const labels of smallest ?? []) {
      if (!pairs.every(([key, value]) => labels[key] === value)) continue;
      for (const pod of this.podsByLabels.get(labels) ?? []) if (pod.namespace === namespace) out.push(pod);
    }
    return out;
  }
}

/** podutil.FindPort: a container port by name and protocol, in container order. */
export function findNamedPort(containers: readonly ContainerSpec[], name: string, protocol: Protocol): number | undefined {
  for (const container of containers) {
    for (const port of container.ports) if (port.name === name && port.protocol === protocol) return port.containerPort;
  }
  return undefined;
}

function addressOf(pod: Pod): ServiceAddress {
  const spec = pod.spec;
  return {
    ip: pod.ip,
    ready: spec.ready && !spec.terminating,
    serving: spec.ready,
    terminating: spec.terminating,
    nodeName: pod.node.name,
    pod,
  };
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The endpoints of one service port, deduplicated and in kube-proxy's order. */
export function portEndpoints(pods: readonly Pod[], port: ServicePortModel): ServiceEndpoint[] {
  const out: ServiceEndpoint[] = [];
  const seen = new Set<string>();
  for (const pod of pods) {
    const number = typeof port.targetPort === 'number' ? port.targetPort : findNamedPort(pod.containers, port.targetPort, port.protocol);
    if (number === undefined) continue;
    const key = `${formatIPv4(pod.ip)}:${number}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const spec = pod.spec;
    // One object per endpoint (100,000 of them at 10,000 services): no spread of addressOf.
    out.push({
      ip: pod.ip,
      port: number,
      key,
      ready: spec.ready && !spec.terminating,
      serving: spec.ready,
      terminating: spec.terminating,
      nodeName: pod.node.name,
      pod,
    });
  }
  return out.sort(byKey);
}

/** The kubernetes service's endpoints: the API servers on the control-plane nodes. */
export function apiserverEndpoints(nodes: readonly Node[], port: ServicePortModel): ServiceEndpoint[] {
  const target = typeof port.targetPort === 'number' ? port.targetPort : APISERVER_PORT;
  return nodes
    .filter((n) => n.spec.role === 'control-plane')
    .map((n) => ({ ip: n.ip, port: target, key: `${formatIPv4(n.ip)}:${target}`, ready: true, serving: true, terminating: false }))
    .sort(byKey);
}

/** The pods behind a service (port-independent), one per address, sorted by address. */
export function serviceAddresses(pods: readonly Pod[]): ServiceAddress[] {
  const byIp = new Map<number, ServiceAddress>();
  for (const pod of pods) if (!byIp.has(pod.ip)) byIp.set(pod.ip, addressOf(pod));
  return [...byIp.values()].sort((a, b) => a.ip - b.ip);
}
