/**
 * Device names the kernel would refuse. The schema's pattern refuses what a
 * regex can say per character (`/`, `:`, `%`, spaces, control characters,
 * more than 15 characters); the rest of the kernel's rule is about bytes
 * (15 bytes of UTF-8, no byte 0xa0) and is checked here, with the same
 * words (src/net/ifname.ts). Pinned host veth names are the only device
 * names a topology gives.
 */
import { INTERFACE_NAME_RULE, interfaceNameProblem, printableName } from '../../net/ifname.js';
import { Code } from '../codes.js';
import { error } from '../finding.js';
import type { CheckContext } from './context.js';

export function checkInterfaceNames({ document, findings }: CheckContext): void {
  (document.pods ?? []).forEach((pod, i) => {
    const name = pod.hostVeth?.name;
    if (name === undefined) return;
    const problem = interfaceNameProblem(name);
    if (problem === undefined) return;
    findings.push(
      error(Code.InterfaceNameInvalid, `invalid interface name ${printableName(name)}: ${problem}`, ['pods', i, 'hostVeth', 'name'], {
        hint: INTERFACE_NAME_RULE,
      }),
    );
  });
}
