/**
 * Semantic checks: what the schema cannot say about a topology. Each check
 * module looks at one concern and adds findings; they run over the
 * normalised topology (generated entities included) and all run, so every
 * problem is reported at once.
 */
import { Code } from '../codes.js';
import type { TopologyDocument } from '../document.js';
import { error, type Finding } from '../finding.js';
import type { Topology } from '../types.js';
import { checkAddresses } from './addresses.js';
import type { Check, CheckContext } from './context.js';
import { checkDuplicates } from './duplicates.js';
import { checkInterfaceNames } from './interface-names.js';
import { checkIgnoredOptions } from './options.js';
import { checkPolicies } from './policies.js';
import { checkReferences } from './references.js';
import { checkServices } from './services.js';

const checkHasNodes: Check = ({ topology, document, findings }) => {
  // A node pool that could not be expanded has already said why.
  const poolsFailed = (document.nodePools ?? []).some((pool) => pool.count > 0);
  if (topology.nodes.length === 0 && !poolsFailed) {
    findings.push(error(Code.NoNodes, 'the cluster has no nodes', ['nodes'], { hint: 'add nodes, or a nodePools entry with a count' }));
  }
};

const CHECKS: readonly Check[] = [
  checkHasNodes,
  checkAddresses,
  checkReferences,
  checkDuplicates,
  checkServices,
  checkPolicies,
  checkInterfaceNames,
  checkIgnoredOptions,
];

export function checkTopology(topology: Topology, document: TopologyDocument): Finding[] {
  const context: CheckContext = { topology, document, findings: [] };
  for (const check of CHECKS) check(context);
  return context.findings;
}
