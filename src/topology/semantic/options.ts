/**
 * Settings that do nothing where they are written: warnings, so a lab still
 * runs, but the reader learns why flipping them changes nothing.
 */
import { Code } from '../codes.js';
import { warning } from '../finding.js';
import type { CheckContext } from './context.js';

export function checkIgnoredOptions({ document, findings }: CheckContext): void {
  const cni = document.network?.cni;
  if (cni !== undefined && cni.plugin !== 'calico') {
    const backend = cni.backend ?? 'vxlan';
    const cniPath = ['network', 'cni'];
    if (cni.directRouting !== undefined && backend !== 'vxlan') {
      findings.push(
        warning(Code.OptionIgnored, `directRouting is ignored by the ${backend} backend`, [...cniPath, 'directRouting'], {
          hint: 'directRouting is a vxlan backend option',
        }),
      );
    }
    if (cni.vni !== undefined && backend !== 'vxlan') {
      findings.push(
        warning(Code.OptionIgnored, `vni is ignored by the ${backend} backend`, [...cniPath, 'vni'], {
          hint: 'vni is a vxlan backend option',
        }),
      );
    }
    if (cni.port !== undefined && backend === 'host-gw') {
      findings.push(
        warning(Code.OptionIgnored, 'port is ignored by the host-gw backend, which does not encapsulate', [...cniPath, 'port']),
      );
    }
  }
  if (cni?.plugin === 'calico' && cni.routerPeering !== undefined && (cni.mode ?? 'ipip') !== 'bgp') {
    findings.push(
      warning(
        Code.OptionIgnored,
        `routerPeering changes nothing in ${cni.mode ?? 'ipip'} mode: traffic between subnets is encapsulated, so the router never sees pod addresses`,
        ['network', 'cni', 'routerPeering'],
        {
          hint: 'routerPeering matters in mode: bgp, where pod packets cross the router unencapsulated',
        },
      ),
    );
  }
  if (cni?.plugin === 'calico' && cni.crossSubnet !== undefined && (cni.mode ?? 'ipip') === 'bgp') {
    findings.push(
      warning(Code.OptionIgnored, 'crossSubnet is ignored in bgp mode, which never encapsulates', ['network', 'cni', 'crossSubnet'], {
        hint: 'crossSubnet applies to mode: ipip and mode: vxlan',
      }),
    );
  }
  const kubeProxy = document.network?.kubeProxy;
  if (kubeProxy?.scheduler !== undefined && (kubeProxy.mode ?? 'iptables') !== 'ipvs') {
    findings.push(
      warning(Code.OptionIgnored, `scheduler is ignored in ${kubeProxy.mode ?? 'iptables'} mode`, ['network', 'kubeProxy', 'scheduler'], {
        hint: 'scheduler is an ipvs mode option',
      }),
    );
  }
  if (kubeProxy?.mode === 'none') {
    for (const field of ['clusterCIDR', 'masqueradeAll'] as const) {
      if (kubeProxy[field] !== undefined) {
        findings.push(
          warning(Code.OptionIgnored, `${field} is ignored: kubeProxy mode is none (no kube-proxy runs)`, ['network', 'kubeProxy', field]),
        );
      }
    }
  }
  (document.services ?? []).forEach((service, i) => {
    if ((service.loadBalancerSourceRanges?.length ?? 0) > 0 && (service.type ?? 'ClusterIP') !== 'LoadBalancer') {
      findings.push(
        warning(
          Code.OptionIgnored,
          `loadBalancerSourceRanges is ignored: the service is of type ${service.type ?? 'ClusterIP'}`,
          ['services', i, 'loadBalancerSourceRanges'],
          {
            hint: 'kube-proxy filters by source range only at a LoadBalancer address (use type: LoadBalancer)',
          },
        ),
      );
    }
  });
  const tunnelled = cni?.plugin === 'calico' && (cni.mode ?? 'ipip') !== 'bgp';
  (document.nodes ?? []).forEach((node, i) => {
    if (node.tunnelAddress === undefined || tunnelled) return;
    const where =
      cni?.plugin === 'calico' ? 'calico in bgp mode has no tunnel device' : "flannel takes its tunnel address from the node's podCIDR";
    findings.push(
      warning(Code.OptionIgnored, `tunnelAddress is ignored: ${where}`, ['nodes', i, 'tunnelAddress'], {
        hint: 'tunnelAddress pins tunl0 or vxlan.calico under calico ipip or vxlan',
      }),
    );
  });
  (document.pods ?? []).forEach((pod, i) => {
    if (pod.owner?.deployment !== undefined && pod.owner.kind !== 'ReplicaSet') {
      findings.push(
        warning(
          Code.OptionIgnored,
          `owner.deployment is ignored: a ${pod.owner.kind} is not owned by a Deployment`,
          ['pods', i, 'owner', 'deployment'],
          {
            hint: 'a Deployment owns ReplicaSets: write owner: {kind: ReplicaSet, name: <deployment>-<hash>, deployment: <deployment>}',
          },
        ),
      );
    }
  });
  (document.pods ?? []).forEach((pod, i) => {
    if (pod.hostNetwork !== true) return;
    for (const field of ['ip', 'mac', 'hostVeth'] as const) {
      if (pod[field] !== undefined) {
        findings.push(
          warning(Code.OptionIgnored, `${field} is ignored for a hostNetwork pod`, ['pods', i, field], {
            hint: "a hostNetwork pod uses its node's network namespace: the node's address and interfaces",
          }),
        );
      }
    }
  });
}
