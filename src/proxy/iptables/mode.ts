/**
 * kube-proxy's iptables mode: it programs the KUBE-* chains (./program.ts);
 * netfilter evaluates them in the walk, so the mode has no walk step.
 */
import type { Cluster } from '../../model/types.js';
import type { KubeProxyMode } from '../types.js';
import { programKubeProxyIptables } from './program.js';

export function iptablesMode(cluster: Cluster): KubeProxyMode {
  return { name: 'iptables', programNode: (ns, node) => programKubeProxyIptables(ns, cluster, node) };
}
