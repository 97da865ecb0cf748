/**
 * One small interface per CNI plugin. A plugin first prepares what is
 * cluster-wide (computed once: overlay routes, neighbour and FDB entries for
 * every node, warnings), then programs each node when that node is needed,
 * the way its daemon does at start-up, then sets up each pod (CNI ADD).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Step } from '../flow/trace.js';
import type { NetNs } from '../kernel/netns.js';
import type { NetnsBuilder } from '../kernel/builder.js';
import type { FdbEntry, Neighbour } from '../kernel/neigh.js';
import type { Route } from '../kernel/route.js';
import type { PolicyFlow } from '../model/policy.js';
import type { Node, Pod } from '../model/types.js';
import type { PolicyHookInfo } from './policy-trace.js';

export interface CniPlugin {
  /** What `validate` reports: misconfigurations the real components would log or suffer from. */
  readonly warnings: readonly Diagnostic[];
  /** The daemon's start-up on a node: devices, routes to other nodes, iptables, files. */
  setupNode(node: NetnsBuilder, model: Node): void;
  /** After the node's other daemons (kube-proxy) programmed theirs: what must come last (Felix's jumps on top). */
  finishNode?(node: NetnsBuilder, model: Node): void;
  /** CNI ADD for one pod (not hostNetwork). */
  setupPod(node: NetnsBuilder, pod: NetnsBuilder, model: Pod): void;
  /** The MTU pods get on this node. */
  podMtu(model: Node): number;
  /**
   * What NetworkPolicy decides (or, unenforced, would decide) for a packet at
   * an iptables hook of a node: trace steps naming the policy and rule.
   */
  policySteps?(ns: NetNs, hook: PolicyHookInfo, packet: PolicyFlow): Step[];
}

/** What a node's overlay gives it towards every other node, built once per cluster and shared by the nodes. */
export interface PeerEntries {
  readonly routes: Route[];
  readonly neighbours: Neighbour[];
  readonly fdb: FdbEntry[];
}
