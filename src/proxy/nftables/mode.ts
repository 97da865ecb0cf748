/**
 * kube-proxy's nftables mode: it programs the `ip kube-proxy` table
 * (./program.ts); netfilter evaluates it in the walk, so the mode has no
 * walk step.
 */
import type { Cluster } from '../../model/types.js';
import type { KubeProxyMode } from '../types.js';
import { programKubeProxyNftables } from './program.js';

export function nftablesMode(cluster: Cluster): KubeProxyMode {
  return { name: 'nftables', programNode: (ns, node) => programKubeProxyNftables(ns, cluster, node) };
}
