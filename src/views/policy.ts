/**
 * `netlab policy`: who can reach whom under the cluster's NetworkPolicies,
 * as a matrix of pods, with the reason for every denied cell. A cell checks
 * the destination's declared container ports (TCP/UDP/SCTP), or ICMP echo
 * when it declares none, or the one port asked for; a flow passes when the
 * source's egress and the destination's ingress both allow it. Under
 * flannel alone the matrix shows what calico would enforce, and says that
 * nothing does. Pure: the CLI draws it.
 */
import { evaluateDirection, verdictReason, type PolicyContext } from '../model/policy.js';
import type { Cluster, Pod } from '../model/types.js';
import type { ViewTable } from './table.js';

export interface MatrixOptions {
  /** Only pods of these namespaces (both sides); all namespaces when empty. */
  readonly namespaces: readonly string[];
  /** One port to check instead of each destination's container ports. */
  readonly port?: { readonly protocol: 'tcp' | 'udp' | 'sctp'; readonly port: number };
}

export interface PortVerdict {
  /** `tcp/80`, or `icmp`. */
  readonly port: string;
  readonly allowed: boolean;
  /** Why it was denied (the direction that denied it first: egress of the source, then ingress of the destination). */
  readonly reason?: string;
}

export interface MatrixCell {
  readonly from: string;
  readonly to: string;
  /** all: every port checked passes; some; none. */
  readonly reach: 'all' | 'some' | 'none';
  readonly ports: readonly PortVerdict[];
}

export interface PolicyMatrix {
  /** calico (calico or canal) enforces; none: flannel alone. */
  readonly enforcedBy: 'calico' | 'none';
  readonly policies: number;
  readonly pods: readonly string[];
  readonly cells: readonly MatrixCell[];
}

/** Beyond this many pods a matrix stops being readable (and costs pods squared). */
export const MATRIX_MAX_PODS = 60;

function portsOf(pod: Pod, options: MatrixOptions): { protocol: string; dport?: number; label: string }[] {
  if (options.port)
    return [{ protocol: options.port.protocol, dport: options.port.port, label: `${options.port.protocol}/${options.port.port}` }];
  const declared = pod.containers.flatMap((c) =>
    c.ports.map((p) => ({
      protocol: p.protocol.toLowerCase(),
      dport: p.containerPort,
      label: `${p.protocol.toLowerCase()}/${p.containerPort}`,
    })),
  );
  return declared.length > 0 ? declared : [{ protocol: 'icmp', label: 'icmp' }];
}

export function selectPods(cluster: Cluster, options: MatrixOptions): Pod[] {
  return cluster.pods.filter((p) => !p.hostNetwork && (options.namespaces.length === 0 || options.namespaces.includes(p.namespace)));
}

export function policyMatrix(cluster: Cluster, ctx: PolicyContext, pods: readonly Pod[], options: MatrixOptions): PolicyMatrix {
  const cni = cluster.topology.network.cni;
  const enforcedBy = cni.plugin === 'calico' || cni.networkPolicy === 'calico' ? 'calico' : 'none';
  const cells: MatrixCell[] = [];
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      const ports = portsOf(to, options).map((port): PortVerdict => {
        const flow = { src: from.ip, dst: to.ip, protocol: port.protocol, ...(port.dport !== undefined ? { dport: port.dport } : {}) };
        const egress = evaluateDirection(ctx, from, 'egress', flow);
        const ingress = evaluateDirection(ctx, to, 'ingress', flow);
        const denied = !egress.allowed ? egress : !ingress.allowed ? ingress : undefined;
        return { port: port.label, allowed: !denied, ...(denied ? { reason: verdictReason(denied) } : {}) };
      });
      const allowed = ports.filter((p) => p.allowed).length;
      cells.push({ from: from.key, to: to.key, reach: allowed === ports.length ? 'all' : allowed === 0 ? 'none' : 'some', ports });
    }
  }
  return { enforcedBy, policies: ctx.policies.length, pods: pods.map((p) => p.key), cells };
}

/** The matrix as a table: a row per source, a column per destination. */
export function matrixTable(matrix: PolicyMatrix): ViewTable {
  const short = shortNames(matrix.pods);
  const byPair = new Map(matrix.cells.map((c) => [`${c.from}\n${c.to}`, c]));
  const mark = (cell: MatrixCell | undefined): string => {
    if (!cell) return '-';
    if (cell.reach === 'all') return '✓';
    const sign = matrix.enforcedBy === 'none' ? '*' : '';
    if (cell.reach === 'none') return `✗${sign}`;
    return `${cell.ports
      .filter((p) => p.allowed)
      .map((p) => p.port)
      .join(',')} only${sign}`;
  };
  const rows = matrix.pods.map((from) => [short.get(from)!, ...matrix.pods.map((to) => mark(byPair.get(`${from}\n${to}`)))]);
  return {
    title: `who can reach whom (${matrix.policies} NetworkPolic${matrix.policies === 1 ? 'y' : 'ies'}; rows: from, columns: to)`,
    columns: ['from \\ to', ...matrix.pods.map((p) => short.get(p)!)],
    rows,
    notes:
      matrix.enforcedBy === 'none'
        ? ['* flannel does not enforce NetworkPolicy: these cells are what calico would deny; today every pod reaches every other.']
        : [],
  };
}

/** One line per denied destination port, with the reason. */
export function deniedLines(matrix: PolicyMatrix): string[] {
  const lines: string[] = [];
  for (const cell of matrix.cells) {
    for (const port of cell.ports) {
      if (!port.allowed) lines.push(`${cell.from} → ${cell.to} ${port.port}: ${port.reason}`);
    }
  }
  return lines;
}

/** Pod names alone when they are unique, namespace/name otherwise. */
function shortNames(keys: readonly string[]): Map<string, string> {
  const names = keys.map((k) => k.slice(k.indexOf('/') + 1));
  const unique = new Set(names).size === names.length && new Set(keys.map((k) => k.slice(0, k.indexOf('/')))).size === 1;
  return new Map(keys.map((k, i) => [k, unique ? names[i]! : k]));
}
