/**
 * References by name: nodes to subnets, pods to nodes, everything namespaced
 * to a namespace, route reflectors to nodes. Checked on the entries as
 * written (a deployment's namespace once, not once per replica), against the
 * names the normalised topology defines (generated nodes included).
 */
import { Code } from '../codes.js';
import { didYouMean, knownList } from '../../diagnostics/did-you-mean.js';
import { error } from '../finding.js';
import type { CheckContext } from './context.js';

export function checkReferences({ topology, document, findings }: CheckContext): void {
  const subnets = topology.subnets.map((s) => s.name);
  const subnetSet = new Set(subnets);
  const nodes = new Set(topology.nodes.map((n) => n.name));
  const namespaces = topology.namespaces.map((n) => n.name);
  const namespaceSet = new Set(namespaces);
  const nodeNames = (): string[] => topology.nodes.map((n) => n.name);

  (document.nodes ?? []).forEach((node, i) => {
    if (!subnetSet.has(node.subnet)) {
      findings.push(
        error(Code.UnknownSubnet, `unknown subnet '${node.subnet}'`, ['nodes', i, 'subnet'], {
          hint: didYouMean(node.subnet, subnets) ?? knownList('subnets', subnets),
        }),
      );
    }
  });

  (document.pods ?? []).forEach((pod, i) => {
    if (!nodes.has(pod.node)) {
      findings.push(
        error(Code.UnknownNode, `unknown node '${pod.node}'`, ['pods', i, 'node'], {
          hint: didYouMean(pod.node, nodeNames()) ?? knownList('nodes', nodeNames()),
        }),
      );
    }
  });

  const cni = document.network?.cni;
  if (cni?.plugin === 'calico') {
    (cni.routeReflectors ?? []).forEach((name, j) => {
      if (!nodes.has(name)) {
        findings.push(
          error(Code.UnknownNode, `unknown node '${name}'`, ['network', 'cni', 'routeReflectors', j], {
            hint: didYouMean(name, nodeNames()) ?? knownList('nodes', nodeNames()),
          }),
        );
      }
    });
  }

  const namespaced = ['pods', 'deployments', 'deploymentSets', 'services', 'serviceSets', 'networkPolicies'] as const;
  for (const key of namespaced) {
    (document[key] ?? []).forEach((entry, i) => {
      const namespace = entry.namespace;
      if (namespace === undefined || namespaceSet.has(namespace)) return;
      findings.push(
        error(Code.UnknownNamespace, `unknown namespace '${namespace}'`, [key, i, 'namespace'], {
          hint: didYouMean(namespace, namespaces) ?? `add it under namespaces (${knownList('namespaces', namespaces)})`,
        }),
      );
    });
  }
}
