/** The CNI plugin a topology asks for. */
import type { Cluster } from '../model/types.js';
import type { CniSpec } from '../topology/types.js';
import { calicoPlugin } from './calico/plugin.js';
import { flannelPlugin } from './flannel/plugin.js';
import type { CniPlugin } from './types.js';

export function cniPlugin(cluster: Cluster, cni: CniSpec): CniPlugin {
  return cni.plugin === 'calico' ? calicoPlugin(cluster, cni) : flannelPlugin(cluster, cni);
}
