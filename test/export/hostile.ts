/**
 * Hostile input for the exported scripts: device names the kernel accepts
 * but a shell, iproute2's keyword parser or sysctl(8) would not take
 * literally, a topology file name that is a small shell script, and a
 * canary: a command named `pwned` on PATH that leaves a mark when anything
 * runs it. Shared by the tests that check the scripts without root
 * (hostile-names.test.ts) and for real (safety-kernel.test.ts).
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interfaceNameProblem } from '../../src/net/ifname.js';

/** Each a valid device name for the kernel (and for netlab), each hostile somewhere. */
export const HOSTILE_DEVICE_NAMES: readonly string[] = [
  '$(pwned)', // command substitution
  '`pwned`', // the old form
  ';pwned;', // a command separator
  '|pwned&', // a pipe, a background job
  '>pwned<', // redirections
  "a'b", // a single quote
  'x\\y', // a backslash
  '-x', // an option, to any tool that reads it unguarded
  'a=b', // an assignment; sysctl(8)'s separator
  'é*?[x]', // non-ASCII and every glob character
  '{a,b}~!#', // brace expansion, tilde, history, comment
  'help', // an iproute2 keyword (`ip link set help up` prints the usage)
  'a', // an abbreviation iproute2 matches (`address`)
  'v.1', // a dot: sysctl(8) would read it as a level of the name
  '😀', // four bytes of UTF-8
];

for (const name of HOSTILE_DEVICE_NAMES) {
  const problem = interfaceNameProblem(name);
  if (problem !== undefined) throw new Error(`test data: ${name} is not a valid device name: ${problem}`);
}

/** A topology file name that would run `pwned` (twice over) if pasted into a script as it is. */
export const HOSTILE_SOURCE = 'x\n;pwned\n#`pwned`$(pwned)\'"*.yaml';

/** A flannel vxlan (or calico bgp) cluster with two nodes and one pod per hostile name, each pod's host veth pinned to it. */
export function hostileLabYaml(cni: 'flannel' | 'calico', names: readonly string[] = HOSTILE_DEVICE_NAMES): string {
  const pods = names.map(
    (name, i) =>
      `  - {name: pod-${i}, node: node-0${(i % 2) + 1}, containers: [{name: app, ports: [{containerPort: 80}]}], labels: {app: web}, hostVeth: {name: ${JSON.stringify(name)}}}`,
  );
  return `apiVersion: netlab/v1
kind: Cluster
metadata: {name: hostile}
network:
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: ${cni === 'flannel' ? '{plugin: flannel, backend: vxlan}' : '{plugin: calico, mode: bgp}'}
  kubeProxy: {mode: iptables}
  dns: {coreDNS: false}
subnets:
  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}
nodes:
  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}
pods:
${pods.join('\n')}
services:
  - {name: web, type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 80, nodePort: 30080}]}
`;
}

/** A directory holding the canary `pwned`, which writes `mark` when run; put it first on PATH. */
export function canary(dir: string): { readonly bin: string; readonly mark: string; ran(): boolean } {
  const bin = join(dir, 'canary-bin');
  const mark = join(dir, 'canary-ran');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'pwned'), `#!/bin/sh\necho "$0 $*" >> '${mark}'\n`);
  chmodSync(join(bin, 'pwned'), 0o755);
  return { bin, mark, ran: () => existsSync(mark) };
}
