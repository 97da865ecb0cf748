/**
 * NetworkPolicy rules the API server enforces beyond the schema's shape, and
 * a warning where the CNI plugin will not enforce policies at all.
 */
import { contains, formatCidr, hasHostBits, parseCidrText, cidr as makeCidr, type Cidr } from '../../net/cidr.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import { Code } from '../codes.js';
import type { DocumentIpBlock, DocumentLabelSelector, DocumentPolicyPeer, DocumentPolicyPort } from '../types.js';
import { error, warning, type Finding } from '../finding.js';
import type { CheckContext } from './context.js';

export function checkPolicies({ topology, findings }: CheckContext): void {
  const cni = topology.network.cni;
  // calico enforces policies, and so does canal (flannel with calico's Felix for policy).
  const enforced = cni.plugin === 'calico' || cni.networkPolicy === 'calico';
  for (const policy of topology.networkPolicies) {
    const spec = policy.spec;
    const path = [...policy.source, 'spec'];
    if (!enforced) {
      findings.push(
        warning(Code.PolicyNotEnforced, `flannel does not enforce NetworkPolicy: '${policy.name}' has no effect`, policy.source, {
          hint: 'use plugin: calico, or add networkPolicy: calico to the flannel cni (canal), to see it enforced',
        }),
      );
    }
    checkSelector(spec.podSelector, [...path, 'podSelector'], findings);
    for (const direction of ['ingress', 'egress'] as const) {
      (spec[direction] ?? []).forEach((rule, r) => {
        const rulePath = [...path, direction, r];
        const peersKey = direction === 'ingress' ? 'from' : 'to';
        (rule[peersKey] ?? []).forEach((peer, p) => checkPeer(peer, [...rulePath, peersKey, p], findings));
        (rule.ports ?? []).forEach((port, p) => checkPort(port, [...rulePath, 'ports', p], findings));
      });
    }
  }
}

function checkSelector(selector: DocumentLabelSelector | undefined, path: DocPath, findings: Finding[]): void {
  (selector?.matchExpressions ?? []).forEach((expression, e) => {
    const values = expression.values ?? [];
    const where = [...path, 'matchExpressions', e];
    if ((expression.operator === 'In' || expression.operator === 'NotIn') && values.length === 0) {
      findings.push(
        error(Code.PolicyInvalid, `operator ${expression.operator} needs at least one value`, where, {
          hint: 'add values: [...], or use Exists / DoesNotExist',
        }),
      );
    }
    if ((expression.operator === 'Exists' || expression.operator === 'DoesNotExist') && values.length > 0) {
      findings.push(
        error(Code.PolicyInvalid, `operator ${expression.operator} takes no values`, [...where, 'values'], {
          hint: 'remove values, or use In / NotIn',
        }),
      );
    }
  });
}

function checkPeer(peer: DocumentPolicyPeer, path: DocPath, findings: Finding[]): void {
  const selectors = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
  if (peer.ipBlock !== undefined && selectors) {
    findings.push(
      error(Code.PolicyInvalid, 'ipBlock cannot be combined with podSelector or namespaceSelector in one peer', [...path, 'ipBlock'], {
        hint: "write them as two peers (two '- ' items)",
      }),
    );
  }
  if (peer.ipBlock === undefined && !selectors) {
    findings.push(
      error(Code.PolicyInvalid, 'a peer must have podSelector, namespaceSelector or ipBlock', path, {
        hint: 'to allow everyone, leave the from/to list out instead',
      }),
    );
  }
  checkSelector(peer.podSelector, [...path, 'podSelector'], findings);
  checkSelector(peer.namespaceSelector, [...path, 'namespaceSelector'], findings);
  if (peer.ipBlock !== undefined) checkIpBlock(peer.ipBlock, [...path, 'ipBlock'], findings);
}

function blockCidr(text: string, path: DocPath, findings: Finding[]): Cidr | undefined {
  const written = parseCidrText(text);
  if (written === undefined) return undefined;
  const cleared = makeCidr(written.ip, written.len);
  if (hasHostBits(written)) {
    // The API server accepts these and uses the prefix; say what it means.
    findings.push(
      warning(Code.CidrHostBits, `${text} has host bits set; it means ${formatCidr(cleared)}`, path, {
        hint: `write ${formatCidr(cleared)}`,
      }),
    );
  }
  return cleared;
}

function checkIpBlock(block: DocumentIpBlock, path: DocPath, findings: Finding[]): void {
  const range = blockCidr(block.cidr, [...path, 'cidr'], findings);
  (block.except ?? []).forEach((text, e) => {
    const except = blockCidr(text, [...path, 'except', e], findings);
    if (range === undefined || except === undefined) return;
    if (!contains(range, except.addr) || except.len <= range.len) {
      findings.push(
        error(Code.PolicyInvalid, `except ${text} is not inside cidr ${block.cidr}`, [...path, 'except', e], {
          hint: 'each except entry must be a strictly smaller range inside cidr',
        }),
      );
    }
  });
}

function checkPort(port: DocumentPolicyPort, path: DocPath, findings: Finding[]): void {
  if (port.endPort === undefined) return;
  if (typeof port.port !== 'number') {
    findings.push(
      error(Code.PolicyInvalid, 'endPort needs a numeric port to start the range', [...path, 'endPort'], {
        hint: 'set port to the first port of the range',
      }),
    );
  } else if (port.endPort < port.port) {
    findings.push(
      error(Code.PolicyInvalid, `endPort ${port.endPort} is below port ${port.port}`, [...path, 'endPort'], {
        hint: 'the range is port..endPort',
      }),
    );
  }
}
