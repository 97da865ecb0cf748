/**
 * What `validate` warns about in a calico cluster: problems the real
 * cluster would run into, not input errors.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Cluster, Node } from '../../model/types.js';
import type { CalicoCni } from '../../topology/types.js';
import { birdRuns, FULL_MESH_LIMIT } from './bird.js';

export function calicoWarnings(cluster: Cluster, cni: CalicoCni): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const n = cluster.nodes.length;
  if (birdRuns(cni) && cni.routeReflectors.length === 0 && n > FULL_MESH_LIMIT) {
    warnings.push({
      code: 'NL-CALICO-FULL-MESH',
      severity: 'warning',
      message: `${n} nodes in a full BGP mesh: every node keeps ${n - 1} sessions, ${(n * (n - 1)) / 2} in the cluster; Calico recommends route reflectors beyond ${FULL_MESH_LIMIT} nodes`,
      path: ['network', 'cni'],
      hint: 'list a few nodes (2 or 3, in different racks) under cni.routeReflectors',
    });
  }
  if (cni.mode === 'bgp' && !cni.routerPeering) warnings.push(...crossSubnetWarnings(cluster));
  return warnings;
}

/** bgp mode without router peering: one warning per pair of subnets whose pods cannot reach each other. */
function crossSubnetWarnings(cluster: Cluster): Diagnostic[] {
  const bySubnet = new Map<string, Node[]>();
  for (const node of cluster.nodes) {
    const list = bySubnet.get(node.subnet.name);
    if (list) list.push(node);
    else bySubnet.set(node.subnet.name, [node]);
  }
  const groups = [...bySubnet.values()];
  const warnings: Diagnostic[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i]![0]!;
      const b = groups[j]![0]!;
      warnings.push({
        code: 'NL-CALICO-BGP-NOT-L2',
        severity: 'warning',
        message:
          `calico bgp: ${a.name} (${a.subnet.name}) and ${b.name} (${b.subnet.name}) are on different subnets and the router does not peer with the nodes: ` +
          "BIRD installs the other subnet's blocks via the gateway, which knows only the node subnets, so pods on the two subnets cannot reach each other",
        path: ['network', 'cni', 'mode'],
        hint: 'use mode: ipip or vxlan with crossSubnet: true, or set routerPeering: true (the router learns the blocks over BGP)',
      });
    }
  }
  return warnings;
}
