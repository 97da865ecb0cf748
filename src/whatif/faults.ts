/**
 * What-if faults: what breaks, written the same way on the command line and
 * in a topology's `faults:` list, and where each takes effect.
 *
 *   --fail NODE                      the node is powered off
 *   --link-down TARGET:DEV           ip link set DEV down (TARGET: a node or pod)
 *   --route-del TARGET:PREFIX[:TABLE] ip route del PREFIX [table TABLE]
 *   --rule-del TARGET:TABLE:CHAIN:N  iptables -t TABLE -D CHAIN N
 *   --not-ready POD                  the pod fails its readiness probe
 *
 * A not-ready pod is a change to the model (services drop it from their
 * endpoints, whoever builds them); the others change kernel state after the
 * CNI built it, through buildDataplane's transform seam (faultTransform),
 * with the kernel's reactions from netns-edit.ts.
 *
 * Pure: text and a cluster in, faults or diagnostics out.
 */
import type { Diagnostic, DocPath } from '../diagnostics/diagnostic.js';
import { UsageError } from '../diagnostics/diagnostic.js';
import { closestMatch, didYouMean, knownList } from '../diagnostics/did-you-mean.js';
import type { BuildTransform, BuiltNode } from '../dataplane/build.js';
import type { NetNs } from '../kernel/netns.js';
import type { TableName } from '../kernel/netfilter/rule.js';
import { RT_TABLE, tableName } from '../kernel/route.js';
import { formatCidr, parseCidr, type Cidr } from '../net/cidr.js';
import { parseIPv4 } from '../net/ipv4.js';
import { findPodByName, resolveNetnsTarget } from '../model/resolve.js';
import { coreDnsPods } from '../model/services/defaults.js';
import type { Cluster, Node, Pod } from '../model/types.js';
import type { FaultKind, PodSpec, Topology } from '../topology/types.js';
import { FAULT_OPTIONS } from './fault-options.js';
import { deleteRoute, deleteRule, loseCarrier, setLinkDown } from './netns-edit.js';
import { shorten } from './set-path.js';

/** A place in a file, resolved already (a lab's own `faults:` and `set:` entries). */
export interface SourceAt {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Where a fault came from: a command-line option, an entry of the topology's `faults:` list, or a place in another file (a lab). */
export type FaultOrigin = { readonly flag: string } | { readonly path: DocPath } | { readonly at: SourceAt };

export interface FaultRequest {
  readonly kind: FaultKind;
  readonly value: string;
  readonly origin: FaultOrigin;
}

export type Fault =
  | { readonly kind: 'fail'; readonly node: string }
  | { readonly kind: 'linkDown'; readonly target: string; readonly dev: string }
  | { readonly kind: 'routeDel'; readonly target: string; readonly dst: Cidr; readonly table: number }
  | { readonly kind: 'ruleDel'; readonly target: string; readonly table: TableName; readonly chain: string; readonly rule: number }
  | { readonly kind: 'notReady'; readonly pod: string };

/** The command-line option of each kind (fault-options.ts). */
export { FAULT_OPTIONS };

const SYNTAX: Readonly<Record<FaultKind, string>> = {
  fail: 'NODE, e.g. node-03',
  linkDown: 'TARGET:DEV, e.g. node-02:eth0 or pod-a:eth0',
  routeDel: 'TARGET:PREFIX[:TABLE], e.g. node-02:10.244.2.0/24 or node-02:default',
  ruleDel: 'TARGET:TABLE:CHAIN:N, e.g. node-02:nat:FLANNEL-POSTRTG:5',
  notReady: 'POD, e.g. pod-b or default/pod-b',
};

const TABLES: readonly TableName[] = ['filter', 'nat', 'mangle', 'raw', 'security'];

export const FaultCode = {
  Syntax: 'NL-FAULT-SYNTAX',
  Target: 'NL-FAULT-TARGET',
  Device: 'NL-FAULT-DEVICE',
  Route: 'NL-FAULT-ROUTE',
  Rule: 'NL-FAULT-RULE',
} as const;

/** How a fault is named in messages: `--link-down node-02:eth0` or `faults[1].linkDown`. */
export function faultLabel(request: FaultRequest): string {
  return 'flag' in request.origin ? `${request.origin.flag} ${request.value}` : `${request.kind}: ${request.value}`;
}

export function faultDiagnostic(request: FaultRequest, code: string, message: string, hint?: string): Diagnostic {
  const origin = request.origin;
  const where =
    'flag' in origin ? { file: `${origin.flag} ${shorten(request.value)}` } : 'at' in origin ? { ...origin.at } : { path: origin.path };
  return { code, severity: 'error', message, ...where, ...(hint !== undefined ? { hint } : {}) };
}

/** Parses a fault's text; a problem is a diagnostic at the flag or the file entry. */
export function parseFault(request: FaultRequest): Fault | Diagnostic {
  const { kind, value } = request;
  const bad = (why: string): Diagnostic =>
    faultDiagnostic(request, FaultCode.Syntax, `${FAULT_OPTIONS[kind]} ${why}`, `write ${SYNTAX[kind]}`);
  const text = value.trim();
  if (text === '') return bad('needs a value');
  switch (kind) {
    case 'fail':
      return text.includes(':') ? bad(`takes a node name, not "${text}"`) : { kind, node: text };
    case 'notReady':
      return text.includes(':') ? bad(`takes a pod name, not "${text}"`) : { kind, pod: text };
    case 'linkDown': {
      const parts = text.split(':');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return bad(`takes TARGET:DEV, not "${text}"`);
      return { kind, target: parts[0]!, dev: parts[1]! };
    }
    case 'routeDel': {
      const parts = text.split(':');
      if (parts.length < 2 || parts.length > 3 || parts[0] === '') return bad(`takes TARGET:PREFIX[:TABLE], not "${text}"`);
      const dst = parsePrefix(parts[1]!);
      if (dst === undefined) return bad(`needs a prefix like 10.244.2.0/24 (or default), not "${parts[1]}"`);
      const table = parts[2] === undefined ? RT_TABLE.main : parseTable(parts[2]);
      if (table === undefined) return bad(`needs a routing table (main, local, default or a number), not "${parts[2]}"`);
      return { kind, target: parts[0]!, dst, table };
    }
    case 'ruleDel': {
      const parts = text.split(':');
      if (parts.length !== 4 || parts.some((p) => p === '')) return bad(`takes TARGET:TABLE:CHAIN:N, not "${text}"`);
      const table = parts[1] as TableName;
      if (!TABLES.includes(table)) {
        return faultDiagnostic(
          request,
          FaultCode.Syntax,
          `${FAULT_OPTIONS[kind]}: "${parts[1]}" is not an iptables table`,
          didYouMean(parts[1]!, TABLES) ?? `tables: ${TABLES.join(', ')}`,
        );
      }
      const n = Number(parts[3]);
      if (!Number.isInteger(n) || n < 1) return bad(`needs a rule number from 1 (as iptables -D CHAIN N counts), not "${parts[3]}"`);
      return { kind, target: parts[0]!, table, chain: parts[2]!, rule: n };
    }
  }
}

function parsePrefix(text: string): Cidr | undefined {
  if (text === 'default') return { addr: 0, len: 0 };
  const ip = parseIPv4(text);
  if (ip !== undefined) return { addr: ip, len: 32 };
  // `ip route del 10.244.2.5/24` means the prefix 10.244.2.0/24, as iproute2 reads it.
  return parseCidr(text);
}

function parseTable(text: string): number | undefined {
  if (text === 'main') return RT_TABLE.main;
  if (text === 'local') return RT_TABLE.local;
  if (text === 'default') return RT_TABLE.default;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n < 2 ** 32 ? n : undefined;
}

export interface ParsedFault {
  readonly request: FaultRequest;
  readonly fault: Fault;
}

// ------------------------------------------------------------------ not ready: the model

/**
 * The pods marked not ready, by key (`namespace/name`), for buildCluster to
 * mark before anything derives endpoints from them, so everything sees them
 * as the endpoints controller would: still running, but out of their
 * services. Names resolve as everywhere else (model/resolve.ts), among the
 * written pods, the deployments' and the cluster's own (CoreDNS).
 */
export function resolveNotReady(
  topology: Topology,
  faults: readonly ParsedFault[],
): { notReady: ReadonlySet<string>; diagnostics: Diagnostic[] } {
  const wanted = faults.filter((f): f is ParsedFault & { fault: { kind: 'notReady'; pod: string } } => f.fault.kind === 'notReady');
  const notReady = new Set<string>();
  if (wanted.length === 0) return { notReady, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const pods: readonly PodSpec[] = [...topology.pods, ...coreDnsPods(topology)];
  for (const { request, fault } of wanted) {
    try {
      const pod = findPodByName(pods, fault.pod);
      if (pod) notReady.add(`${pod.namespace}/${pod.name}`);
      else diagnostics.push(faultDiagnostic(request, FaultCode.Target, `no pod named "${fault.pod}"`, podHint(pods, fault.pod)));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      diagnostics.push(faultDiagnostic(request, FaultCode.Target, e.message, e.hint));
    }
  }
  return { notReady, diagnostics };
}

function podHint(pods: readonly PodSpec[], ref: string): string {
  const names = pods.map((p) => (ref.includes('/') ? `${p.namespace}/${p.name}` : p.name));
  return didYouMean(ref, names) ?? knownList('pods', names);
}

// ------------------------------------------------------------------ kernel state: the build transform

interface Located {
  readonly parsed: ParsedFault;
  readonly node: Node;
  /** The netns id the fault acts in (a hostNetwork pod's is its node's). */
  readonly nsId: string;
  readonly targetName: string;
}

/**
 * Resolves the kernel-state faults against the cluster and returns the
 * transform buildDataplane applies; unknown nodes or pods are diagnostics.
 */
export function faultTransform(
  cluster: Cluster,
  faults: readonly ParsedFault[],
): { transform?: BuildTransform; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const located: Located[] = [];
  for (const parsed of faults) {
    const { fault, request } = parsed;
    if (fault.kind === 'notReady') continue;
    if (fault.kind === 'fail') {
      const node = cluster.nodeByName.get(fault.node);
      if (!node) {
        const names = [...cluster.nodeByName.keys()];
        diagnostics.push(
          faultDiagnostic(
            request,
            FaultCode.Target,
            `no node named "${fault.node}"`,
            didYouMean(fault.node, names) ?? knownList('nodes', names),
          ),
        );
        continue;
      }
      located.push({ parsed, node, nsId: `node/${node.name}`, targetName: node.name });
      continue;
    }
    try {
      const target = resolveNetnsTarget(cluster, fault.target);
      if (target.kind === 'node')
        located.push({ parsed, node: target.node, nsId: `node/${target.node.name}`, targetName: target.node.name });
      else
        located.push({
          parsed,
          node: target.pod.node,
          nsId: target.pod.hostNetwork ? `node/${target.pod.node.name}` : `pod/${target.pod.key}`,
          targetName: target.pod.key,
        });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      diagnostics.push(faultDiagnostic(request, FaultCode.Target, e.message, e.hint));
    }
  }
  if (located.length === 0) return { diagnostics };
  const byNode = new Map<Node, Located[]>();
  for (const l of located) {
    let list = byNode.get(l.node);
    if (!list) byNode.set(l.node, (list = []));
    list.push(l);
  }
  const detached = new Set<string>();
  return {
    diagnostics,
    transform: {
      eager: [...byNode.keys()],
      detachedNodes: detached,
      apply(node, built) {
        const mine = byNode.get(node);
        if (!mine) return { built, diagnostics: [] };
        return applyToNode(node, built, mine, detached);
      },
    },
  };
}

function applyToNode(
  node: Node,
  built: BuiltNode,
  faults: readonly Located[],
  detached: Set<string>,
): { built: BuiltNode; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const byId = new Map<string, NetNs>([[built.node.id, built.node]]);
  for (const ns of built.pods.values()) byId.set(ns.id, ns);

  /** ip link set DEV down, and the carrier loss it causes at a veth's other end. */
  const linkDown = (nsId: string, dev: string): void => {
    const ns = byId.get(nsId)!;
    const link = ns.links.find((l) => l.name === dev)!;
    if (!link.state.up) return;
    byId.set(nsId, setLinkDown(ns, dev));
    if (link.info.kind === 'veth') {
      const peerNs = byId.get(link.info.peer.netns);
      if (peerNs) byId.set(peerNs.id, loseCarrier(peerNs, link.info.peer.name));
    }
    // The node's NIC leaves the segment: nothing there answers for the node any more.
    if (link.info.kind === 'ether' && nsId === built.node.id) detached.add(node.name);
  };

  for (const { parsed, nsId, targetName } of faults) {
    const { fault, request } = parsed;
    const ns = byId.get(nsId)!;
    switch (fault.kind) {
      case 'fail':
        // Powered off: every device of the node and of its pods goes down (lo aside, so the namespaces stay inspectable).
        for (const id of [...byId.keys()]) {
          for (const link of byId.get(id)!.links) if (link.info.kind !== 'loopback') linkDown(id, link.name);
        }
        detached.add(node.name);
        break;
      case 'linkDown': {
        if (!ns.links.some((l) => l.name === fault.dev)) {
          const names = ns.links.map((l) => l.name);
          diagnostics.push(
            faultDiagnostic(
              request,
              FaultCode.Device,
              `${targetName} has no device ${fault.dev}`,
              didYouMean(fault.dev, names) ?? `its devices: ${names.join(', ')}`,
            ),
          );
          break;
        }
        linkDown(nsId, fault.dev);
        break;
      }
      case 'routeDel': {
        const changed = deleteRoute(ns, fault.table, fault.dst);
        if (!changed) {
          const prefixes = [...new Set((ns.routes.get(fault.table) ?? []).map((r) => (r.dst.len === 0 ? 'default' : formatCidr(r.dst))))];
          const wanted = fault.dst.len === 0 ? 'default' : formatCidr(fault.dst);
          const close = closestMatch(wanted, prefixes);
          diagnostics.push(
            faultDiagnostic(
              request,
              FaultCode.Route,
              `${targetName} has no route to ${wanted} in table ${tableName(fault.table)}`,
              close !== undefined ? `did you mean '${close}'?` : knownList('prefixes', prefixes),
            ),
          );
          break;
        }
        byId.set(nsId, changed);
        break;
      }
      case 'ruleDel': {
        const changed = deleteRule(ns, fault.table, fault.chain, fault.rule);
        if (!changed) diagnostics.push(ruleProblem(request, ns, targetName, fault));
        else byId.set(nsId, changed);
        break;
      }
      case 'notReady':
        break;
    }
  }
  const pods = new Map<Pod, NetNs>();
  for (const [pod, ns] of built.pods) pods.set(pod, byId.get(ns.id)!);
  return { built: { node: byId.get(built.node.id)!, pods }, diagnostics };
}

function ruleProblem(request: FaultRequest, ns: NetNs, targetName: string, fault: Fault & { kind: 'ruleDel' }): Diagnostic {
  const table = ns.netfilter.tables.find((t) => t.name === fault.table);
  const chain = table?.chains.find((c) => c.name === fault.chain);
  if (!table)
    return faultDiagnostic(
      request,
      FaultCode.Rule,
      `${targetName} has no rules in table ${fault.table}`,
      `its tables: ${ns.netfilter.tables.map((t) => t.name).join(', ') || 'none'}`,
    );
  if (!chain) {
    const names = table.chains.map((c) => c.name);
    return faultDiagnostic(
      request,
      FaultCode.Rule,
      `${targetName} has no chain ${fault.chain} in table ${fault.table}`,
      didYouMean(fault.chain, names) ?? knownList('chains', names),
    );
  }
  const n = chain.rules.length;
  return faultDiagnostic(
    request,
    FaultCode.Rule,
    `${targetName}: chain ${fault.chain} of table ${fault.table} has ${n} rule${n === 1 ? '' : 's'}, so there is no rule ${fault.rule}`,
    `list them with: netlab exec ${targetName} -- iptables -t ${fault.table} -S ${fault.chain}`,
  );
}
