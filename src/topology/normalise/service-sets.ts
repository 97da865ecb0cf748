/**
 * serviceSets -> services: `count` services named from namePattern, with
 * {index} also replaced in selector values, so service n can select the pods
 * of deployment n of a deploymentSet. Node ports and cluster IPs are left to
 * allocation.
 */
import type { DocumentServiceSet } from '../document.js';
import type { Finding } from '../finding.js';
import type { ServiceSpec } from '../types.js';
import { invalidGeneratedName } from './generated-names.js';
import { compileLabelsTemplate, compileTemplate } from './name-pattern.js';
import { normaliseServicePorts, serviceCommon } from './workloads.js';

export function serviceSetServices(sets: readonly DocumentServiceSet[]): { services: ServiceSpec[]; findings: Finding[] } {
  const services: ServiceSpec[] = [];
  const findings: Finding[] = [];
  sets.forEach((set, i) => {
    const path = ['serviceSets', i];
    const name = compileTemplate(set.namePattern);
    const selector = set.selector === undefined ? undefined : compileLabelsTemplate(set.selector);
    const start = set.startIndex ?? 1;
    const invalid = invalidGeneratedName({
      count: set.count,
      start,
      name,
      nameRule: 'dns1035Label',
      nameField: 'namePattern',
      labels: selector,
      labelsField: 'selector',
      path,
    });
    if (invalid) {
      findings.push(invalid);
      return;
    }
    // Shared by every service of the set.
    const common = serviceCommon(set);
    const ports = normaliseServicePorts(set.ports);
    const externalIPs: readonly string[] = Object.freeze([]);
    const loadBalancerSourceRanges: readonly string[] = externalIPs;
    for (let k = 0; k < set.count; k++) {
      services.push({
        source: path,
        name: name(start + k),
        ...common,
        ...(selector !== undefined ? { selector: selector(start + k) } : {}),
        ports,
        externalIPs,
        loadBalancerSourceRanges,
      });
    }
  });
  return { services, findings };
}
