/**
 * One fixture per kind of mistake (test/topology/fixtures/<name>.yaml). The
 * expected code, message, line, column and hint were worked out from the
 * fixture text (columns counted by hand), not copied from the output.
 */
import { describe, expect, it } from 'vitest';
import { loadFixture } from './helpers.js';

interface Expected {
  readonly code: string;
  readonly severity?: 'error' | 'warning';
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
}

const CASES: Record<string, Expected> = {
  // The text itself.
  'syntax-tab-indent': {
    code: 'NL-YAML-SYNTAX',
    line: 4,
    col: 1,
    message: 'tabs are not allowed as indentation',
    hint: 'YAML indents with spaces only',
  },
  'syntax-unclosed-flow': {
    code: 'NL-YAML-SYNTAX',
    line: 5,
    col: 1,
    message: 'flow sequence in block collection must be sufficiently indented and end with a ]',
    hint: 'check the indentation: items of one list or mapping line up',
  },
  'duplicate-key': {
    code: 'NL-DUPLICATE-KEY',
    line: 9,
    col: 1,
    message: "duplicate key 'subnets'",
    hint: 'a mapping holds each key once: remove or rename one of them',
  },
  'multiple-documents': {
    code: 'NL-YAML-MULTIPLE-DOCUMENTS',
    line: 9,
    col: 1,
    message: 'the file holds more than one YAML document',
    hint: "netlab reads one cluster per file: remove the '---' line, or split the file",
  },
  'root-not-mapping': { code: 'NL-DOCUMENT-ROOT', line: 1, col: 1, message: 'expected a mapping at the top level, found a list' },
  empty: { code: 'NL-DOCUMENT-ROOT', line: 1, col: 1, message: 'the file is empty' },
  'alias-bomb': { code: 'NL-YAML-ALIAS-LIMIT', line: 5, col: 10, message: 'aliases expand the document too much (more than 100-fold)' },
  'too-deep': { code: 'NL-INPUT-TOO-DEEP', line: 4, col: 68, message: 'the document nests more than 64 levels deep' },
  'alias-cycle': {
    code: 'NL-INPUT-TOO-DEEP',
    line: 5,
    col: 5,
    message: 'an alias refers to a collection that contains it, so the document would be infinitely deep',
  },

  // The schema.
  'unknown-key': {
    code: 'NL-SCHEMA-UNKNOWN-KEY',
    line: 5,
    col: 26,
    message: "unknown field 'bakend' in network.cni",
    hint: "did you mean 'backend'?",
  },
  'unknown-key-other-plugin': {
    code: 'NL-SCHEMA-UNKNOWN-KEY',
    line: 7,
    col: 5,
    message: "unknown field 'mode' in network.cni",
    hint: "mode is a calico setting (plugin: calico); this plugin's settings are plugin, backend, directRouting, vni, port, networkPolicy",
  },
  enum: {
    code: 'NL-SCHEMA-ENUM',
    line: 5,
    col: 35,
    message: "expected one of vxlan, host-gw, udp, got 'vxlam'",
    hint: "did you mean 'vxlan'?",
  },
  const: { code: 'NL-SCHEMA-ENUM', line: 1, col: 13, message: "expected netlab/v1, got 'netlab/v2'", hint: "did you mean 'netlab/v1'?" },
  required: {
    code: 'NL-SCHEMA-REQUIRED',
    line: 8,
    col: 5,
    message: "missing required field 'subnet' in nodes[1]",
    hint: "subnet: The name of the subnet the node's eth0 is attached to.",
  },
  'type-number-label': {
    code: 'NL-SCHEMA-TYPE',
    line: 12,
    col: 33,
    message: 'expected a string, got 1.1',
    hint: 'quote it ("1.10") so YAML reads it as text',
  },
  'type-map-not-list': {
    code: 'NL-SCHEMA-TYPE',
    line: 7,
    col: 3,
    message: 'expected a list, got a mapping',
    hint: "a list's items start with '- ' (or write [a, b])",
  },
  range: { code: 'NL-SCHEMA-RANGE', line: 14, col: 33, message: 'expected a number from 1 to 65535, got 70000' },
  'min-items': { code: 'NL-SCHEMA-RANGE', line: 10, col: 45, message: 'expected at least 1 item, got 0' },
  'name-invalid': {
    code: 'NL-NAME-INVALID',
    line: 7,
    col: 12,
    message: "invalid name 'Node_1': uppercase letters are not allowed",
    hint: "did you mean 'node-1'? (a name is an RFC 1123 subdomain: lowercase letters, digits, '-' and '.')",
  },
  'service-name-digit': {
    code: 'NL-NAME-INVALID',
    line: 10,
    col: 12,
    message: "invalid name '1web': it must start with a letter",
    hint: "a name is an RFC 1035 label: lowercase letters, digits and '-', starting with a letter",
  },
  'ip-invalid': {
    code: 'NL-IP-INVALID',
    line: 7,
    col: 24,
    message: "invalid IPv4 address '10.0.0.300': 300 is more than 255",
    hint: 'an IPv4 address is four numbers 0-255 separated by dots, e.g. 10.234.2.11',
  },
  'ip-with-prefix': {
    code: 'NL-IP-INVALID',
    line: 5,
    col: 48,
    message: "invalid IPv4 address '10.0.0.254/24': it has a prefix length; this field takes a single address",
    hint: "drop the prefix length: '10.0.0.254'",
  },
  'cidr-invalid': {
    code: 'NL-CIDR-INVALID',
    line: 5,
    col: 12,
    message: "invalid CIDR '10.244.0.0': the prefix length is missing",
    hint: 'write the prefix as address/length, e.g. 10.244.0.0/16',
  },
  'mac-invalid': {
    code: 'NL-MAC-INVALID',
    line: 7,
    col: 55,
    message: "invalid MAC address '52-54-00-12-34-0B': expected six two-digit hex bytes separated by ':'",
    hint: "use ':' between the bytes: '52:54:00:12:34:0b'",
  },
  'label-key-invalid': {
    code: 'NL-LABEL-INVALID',
    line: 10,
    col: 14,
    message: "invalid label key '-zone': it must start and end with a letter or digit",
  },
  'port-name-invalid': { code: 'NL-PORT-NAME-INVALID', line: 14, col: 24, message: "invalid port name 'http_alt': '_' is not allowed" },
  'name-pattern-invalid': {
    code: 'NL-NAME-PATTERN-INVALID',
    line: 7,
    col: 60,
    message: "invalid name pattern 'worker': it has no {index}, so every generated item would get the same name",
    hint: "add the item's number, e.g. 'worker-{index}'",
  },

  // Addresses.
  'cidr-host-bits': {
    code: 'NL-CIDR-HOST-BITS',
    line: 5,
    col: 12,
    message: 'podCIDR 10.244.1.0/16 has host bits set',
    hint: 'did you mean 10.244.0.0/16? (the last 16 bits of a /16 prefix are zero)',
  },
  'cidr-overlap': {
    code: 'NL-CIDR-OVERLAP',
    line: 7,
    col: 26,
    message: 'subnet rack-1 10.0.0.0/24 overlaps the pod network 10.0.0.0/16',
    hint: 'routes to one would capture traffic for the other: make the ranges disjoint (line 5)',
  },
  'service-cidr-overlap': {
    code: 'NL-CIDR-OVERLAP',
    line: 6,
    col: 16,
    message: 'the service network 10.96.0.0/12 overlaps the pod network 10.96.0.0/16',
    hint: 'routes to one would capture traffic for the other: make the ranges disjoint (line 5)',
  },
  'node-ip-outside-subnet': {
    code: 'NL-IP-OUTSIDE-SUBNET',
    line: 8,
    col: 24,
    message: "node node-1's address 10.0.1.7 is outside its subnet rack-1 (10.0.0.0/24)",
    hint: '10.0.1.7 is in subnet rack-2: did you mean subnet: rack-2?',
  },
  'node-ip-reserved': {
    code: 'NL-IP-RESERVED',
    line: 7,
    col: 24,
    message: "node node-1's address 10.0.0.255 is the broadcast address of subnet rack-1 (10.0.0.0/24)",
    hint: 'the host addresses of 10.0.0.0/24 are 10.0.0.1 to 10.0.0.254',
  },
  'node-ip-gateway': {
    code: 'NL-IP-RESERVED',
    line: 7,
    col: 24,
    message: "node node-1's address 10.0.0.254 is the gateway of subnet rack-1 (10.0.0.0/24)",
    hint: 'the gateway is the underlay router: give the node another address',
  },
  'gateway-outside-subnet': {
    code: 'NL-IP-OUTSIDE-SUBNET',
    line: 5,
    col: 48,
    message: 'gateway 10.0.1.1 is outside subnet rack-1 (10.0.0.0/24)',
    hint: 'the host addresses of 10.0.0.0/24 are 10.0.0.1 to 10.0.0.254',
  },
  'node-podcidr-outside': {
    code: 'NL-NODE-PODCIDR-OUTSIDE',
    line: 7,
    col: 59,
    message: "node node-1's podCIDR 10.245.1.0/24 is outside the pod network 10.244.0.0/16",
    hint: 'pick a /24 inside 10.244.0.0/16',
  },
  'node-podcidr-size': {
    code: 'NL-NODE-PODCIDR-SIZE',
    line: 7,
    col: 59,
    message: "node node-1's podCIDR 10.244.1.0/25 is a /25, but node ranges are /24 (nodeCIDRMaskSize)",
    hint: 'did you mean 10.244.1.0/24?',
  },
  'node-cidr-mask-size': {
    code: 'NL-NODE-CIDR-MASK-SIZE',
    line: 6,
    col: 21,
    message: "nodeCIDRMaskSize 12 is shorter than podCIDR's /16: a node's range must fit inside the pod network",
    hint: 'use a nodeCIDRMaskSize from 16 to 30',
  },
  'podcidr-exhausted': {
    code: 'NL-PODCIDR-EXHAUSTED',
    line: 5,
    col: 12,
    message: '5 nodes need 5 /26 pod ranges, but podCIDR 10.244.0.0/24 holds only 4',
    hint: 'use a podCIDR of /23 or larger, or a nodeCIDRMaskSize of 27',
  },
  'pool-exhausted': {
    code: 'NL-POOL-EXHAUSTED',
    line: 7,
    col: 25,
    message: "node pool 'node' needs 6 addresses but subnet rack-1 (10.0.0.0/29) has only 5 free from 10.0.0.1",
    hint: 'use a larger subnet, an earlier firstIP, or split the pool over several subnets',
  },
  'pool-first-ip-outside': {
    code: 'NL-IP-OUTSIDE-SUBNET',
    line: 7,
    col: 53,
    message: 'firstIP 10.0.1.10 is not a host address of subnet rack-1 (10.0.0.0/24)',
    hint: 'the host addresses of 10.0.0.0/24 are 10.0.0.1 to 10.0.0.254',
  },

  // Names and references.
  'duplicate-node-name': {
    code: 'NL-DUPLICATE-NAME',
    line: 8,
    col: 12,
    message: "node 'node-1' is defined twice",
    hint: 'node names must be unique; the first is at line 7',
  },
  'duplicate-pod-name': {
    code: 'NL-DUPLICATE-NAME',
    line: 11,
    col: 12,
    message: "pod 'pod-a' is defined twice in namespace default",
    hint: 'pod names must be unique; the first is at line 10',
  },
  'duplicate-ip': {
    code: 'NL-DUPLICATE-IP',
    line: 8,
    col: 24,
    message: 'address 10.0.0.1 is used twice',
    hint: 'every node and pod needs its own address; the first is at line 7',
  },
  'duplicate-mac': {
    code: 'NL-DUPLICATE-MAC',
    line: 8,
    col: 55,
    message: 'MAC address 52:54:00:00:00:01 is used twice',
    hint: 'every interface needs its own MAC; the first is at line 7',
  },
  'unknown-node': { code: 'NL-UNKNOWN-NODE', line: 10, col: 25, message: "unknown node 'node-3'", hint: "did you mean 'node-1'?" },
  'unknown-subnet': { code: 'NL-UNKNOWN-SUBNET', line: 7, col: 42, message: "unknown subnet 'rack-2'", hint: "did you mean 'rack-1'?" },
  'unknown-namespace': {
    code: 'NL-UNKNOWN-NAMESPACE',
    line: 12,
    col: 30,
    message: "unknown namespace 'prd'",
    hint: "did you mean 'prod'?",
  },
  'no-nodes': {
    code: 'NL-NO-NODES',
    line: 1,
    col: 1,
    message: 'the cluster has no nodes',
    hint: 'add nodes, or a nodePools entry with a count',
  },
  'no-schedulable-nodes': {
    code: 'NL-NO-SCHEDULABLE-NODES',
    line: 9,
    col: 5,
    message: "deployment 'web' has 2 replicas but no node can run them",
    hint: 'every node is a control-plane node: add workers, or set tolerateControlPlane: true',
  },
  'node-selector-unmatched': {
    code: 'NL-NO-SCHEDULABLE-NODES',
    line: 9,
    col: 38,
    message: "deployment 'web' has 1 replica but no node can run it",
    hint: "no worker node has the label zone=eats; did you mean 'east'?",
  },
  'limit-exceeded': {
    code: 'NL-LIMIT-EXCEEDED',
    line: 7,
    col: 3,
    message: 'the cluster has 30,000 nodes; netlab handles up to 20,000',
    hint: "Kubernetes' own limits are 5,000 nodes, 150,000 pods and 10,000 services",
  },

  // Services.
  'nodeport-range': {
    code: 'NL-NODEPORT-RANGE',
    line: 10,
    col: 62,
    message: 'nodePort 8080 is outside the node port range 30000-32767',
    hint: "kube-apiserver's --service-node-port-range defaults to 30000-32767",
  },
  'nodeport-duplicate': {
    code: 'NL-NODEPORT-DUPLICATE',
    line: 11,
    col: 62,
    message: 'nodePort 30080 is already used by service default/web',
    hint: 'a node port belongs to one service; leave nodePort out to have a free one allocated (line 10)',
  },
  'nodeport-not-allowed': {
    code: 'NL-NODEPORT-NOT-ALLOWED',
    line: 10,
    col: 46,
    message: 'nodePort is not allowed on a ClusterIP service',
    hint: 'use type: NodePort (or LoadBalancer), or remove nodePort',
  },
  'clusterip-outside': {
    code: 'NL-CLUSTERIP-OUTSIDE',
    line: 10,
    col: 28,
    message: 'cluster IP 10.0.0.10 is outside the service network 10.96.0.0/12',
    hint: 'pick an address inside 10.96.0.0/12, or leave clusterIP out to have one allocated',
  },
  'service-port-name': {
    code: 'NL-SERVICE-PORT-NAME',
    line: 13,
    col: 9,
    message: 'port 443 needs a name: the service has 2 ports',
    hint: 'Kubernetes requires a name on every port of a multi-port service, e.g. name: http',
  },
  'service-no-ports': {
    code: 'NL-SERVICE-NO-PORTS',
    line: 10,
    col: 5,
    message: "service 'web' has no ports",
    hint: 'add a port (e.g. ports: [{port: 80}]), or make it headless with clusterIP: None',
  },
  'headless-nodeport': {
    code: 'NL-SERVICE-HEADLESS',
    line: 10,
    col: 44,
    message: 'a headless service (clusterIP: None) must be of type ClusterIP, not NodePort',
    hint: 'remove clusterIP: None, or use type: ClusterIP',
  },
  'traffic-policy': {
    code: 'NL-SERVICE-TRAFFIC-POLICY',
    line: 10,
    col: 40,
    message: 'externalTrafficPolicy applies only to NodePort and LoadBalancer services (or services with externalIPs)',
    hint: 'use type: NodePort or LoadBalancer, or remove externalTrafficPolicy',
  },
  'selector-no-pods': {
    code: 'NL-SELECTOR-NO-PODS',
    severity: 'warning',
    line: 12,
    col: 27,
    message: "service 'web' selects no pods (app=wbe)",
    hint: "no pod in default has app=wbe; did you mean 'web'?",
  },

  // Network policies and settings that do nothing.
  'policy-not-enforced': {
    code: 'NL-POLICY-NOT-ENFORCED',
    severity: 'warning',
    line: 10,
    col: 5,
    message: "flannel does not enforce NetworkPolicy: 'deny-all' has no effect",
    hint: 'use plugin: calico, or add networkPolicy: calico to the flannel cni (canal), to see it enforced',
  },
  'policy-invalid': {
    code: 'NL-POLICY-INVALID',
    line: 15,
    col: 28,
    message: 'operator In needs at least one value',
    hint: 'add values: [...], or use Exists / DoesNotExist',
  },
  'option-ignored': {
    code: 'NL-OPTION-IGNORED',
    severity: 'warning',
    line: 5,
    col: 59,
    message: 'directRouting is ignored by the host-gw backend',
    hint: 'directRouting is a vxlan backend option',
  },
};

describe('each kind of mistake gets one precise diagnostic', () => {
  it.each(Object.entries(CASES))('%s', (name, expected) => {
    const result = loadFixture(`${name}.yaml`);
    const got = result.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      line: d.line,
      col: d.col,
      message: d.message,
      ...(expected.hint !== undefined ? { hint: d.hint } : {}),
    }));
    expect(got).toEqual([{ severity: 'error', ...expected }]);
    expect(result.diagnostics[0]!.file).toBe(`test/topology/fixtures/${name}.yaml`);
    // A topology comes back exactly when there is no error.
    expect(result.topology !== undefined).toBe((expected.severity ?? 'error') === 'warning');
  });

  it('has a test for every fixture', async () => {
    const { readdirSync } = await import('node:fs');
    const { FIXTURES } = await import('./helpers.js');
    const fixtures = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''));
    expect(fixtures.sort()).toEqual(Object.keys(CASES).sort());
  });
});
