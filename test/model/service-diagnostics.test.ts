/**
 * Service mistakes: one precise diagnostic each, with its position in the
 * file, whether the topology checks find it (most) or allocation does (a
 * range or pool running out).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { buildCluster } from '../../src/model/cluster.js';
import { loadTopology } from '../../src/topology/load.js';

const DIR = join(import.meta.dirname, 'fixtures', 'services');

function diagnose(name: string): Diagnostic[] {
  const file = `${name}.yaml`;
  const loaded = loadTopology(readFileSync(join(DIR, file), 'utf8'), file);
  if (!loaded.topology) return loaded.diagnostics;
  const built = buildCluster(loaded.topology);
  const located = built.diagnostics.map((d) => ({ ...d, ...(d.path ? loaded.source.locate(d.path) : {}) }));
  return [...loaded.diagnostics, ...located];
}

const CASES: Record<string, Partial<Diagnostic>> = {
  'clusterip-taken': {
    code: 'NL-CLUSTERIP-TAKEN',
    severity: 'error',
    line: 7,
    message:
      'cluster IP 10.96.0.10 is already allocated to the kube-dns service (kubeadm gives it the 10th address of the service network)',
    hint: 'pick another address, e.g. 10.96.0.100, or leave clusterIP out to have one allocated',
  },
  'target-port-unknown': {
    code: 'NL-TARGET-PORT-UNKNOWN',
    severity: 'warning',
    line: 10,
    message: "no pod the service selects has a container port named 'htp' (TCP): port 80 has no endpoints",
    hint: "did you mean 'http'?",
  },
  'healthcheck-nodeport': {
    code: 'NL-HEALTHCHECK-NODEPORT',
    severity: 'error',
    line: 7,
    message: 'healthCheckNodePort may only be set on a LoadBalancer service with externalTrafficPolicy: Local',
  },
  'healthcheck-nodeport-taken': {
    code: 'NL-NODEPORT-DUPLICATE',
    severity: 'error',
    line: 8,
    message: 'healthCheckNodePort 30100 is already used by service default/web',
  },
  'nodeport-range-invalid': {
    code: 'NL-NODEPORT-RANGE-INVALID',
    severity: 'error',
    line: 4,
    message: 'serviceNodePortRange 32767-30000 is not a port range',
  },
  'nodeport-outside-custom-range': {
    code: 'NL-NODEPORT-RANGE',
    severity: 'error',
    line: 8,
    message: 'nodePort 30080 is outside the node port range 20000-20999',
    hint: 'network.serviceNodePortRange is 20000-20999',
  },
  'loadbalancer-pool-exhausted': {
    code: 'NL-LOADBALANCER-POOL-EXHAUSTED',
    severity: 'error',
    line: 10,
    message: 'no load balancer address left in 192.0.2.0/30 for service default/c',
  },
  'source-ranges-ignored': {
    code: 'NL-OPTION-IGNORED',
    severity: 'warning',
    line: 7,
    message: 'loadBalancerSourceRanges is ignored: the service is of type NodePort',
  },
};

describe('service diagnostics', () => {
  it.each(Object.entries(CASES))('%s', (name, expected) => {
    const diagnostics = diagnose(name);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject(expected);
  });
});
