/** docs/whatif.md and docs/labs.md stay true: their codes exist, their lab example loads. */
import { describe, expect, it } from 'vitest';
import { LabCode, loadLab } from '../../src/labs/load.js';
import { FaultCode } from '../../src/whatif/faults.js';
import { SetCode } from '../../src/whatif/variant.js';
import { readRepoFile } from '../helpers.js';

function documentedCodes(doc: string): string[] {
  return [...doc.matchAll(/^\| `(NL-[A-Z0-9-]+)` \|/gm)].map((m) => m[1]!);
}

describe('docs/whatif.md', () => {
  const doc = readRepoFile('docs/whatif.md');
  it('documents exactly the what-if codes', () => {
    expect(documentedCodes(doc).sort()).toEqual([...Object.values(FaultCode), ...Object.values(SetCode)].sort());
  });
});

describe('docs/labs.md', () => {
  const doc = readRepoFile('docs/labs.md');
  it('documents exactly the lab codes', () => {
    expect(documentedCodes(doc).sort()).toEqual(Object.values(LabCode).sort());
  });

  it('its example lab is valid', () => {
    const example = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((t) => t.includes('kind: Lab'))!;
    expect(loadLab(example, 'example.lab.yaml').diagnostics).toEqual([]);
  });

  it('lists every lab of the set', () => {
    for (const name of [
      'pod-localhost',
      'same-node',
      'flannel-vxlan',
      'host-gw',
      'host-gw-subnets',
      'flannel-udp',
      'node-to-pod',
      'mtu',
      'node-failure',
      'clusterip',
      'nodeport',
      'session-affinity',
      'dns',
    ]) {
      expect(doc).toContain(`](../labs/${name})`);
    }
  });
});
