/**
 * The stable diagnostic codes of the topology loader. They are part of the
 * interface (scripts and lab expectations match on them): never rename one;
 * add new ones, and document every one in docs/topology.md.
 */
export const Code = {
  // The text itself.
  InputTooLarge: 'NL-INPUT-TOO-LARGE',
  InputTooDeep: 'NL-INPUT-TOO-DEEP',
  InputNotText: 'NL-INPUT-NOT-TEXT',
  YamlSyntax: 'NL-YAML-SYNTAX',
  DuplicateKey: 'NL-DUPLICATE-KEY',
  YamlMultipleDocuments: 'NL-YAML-MULTIPLE-DOCUMENTS',
  YamlAliasLimit: 'NL-YAML-ALIAS-LIMIT',
  YamlMerge: 'NL-YAML-MERGE',
  JsonSyntax: 'NL-JSON-SYNTAX',
  DocumentRoot: 'NL-DOCUMENT-ROOT',

  // The schema (shape of the document).
  SchemaType: 'NL-SCHEMA-TYPE',
  SchemaEnum: 'NL-SCHEMA-ENUM',
  SchemaRequired: 'NL-SCHEMA-REQUIRED',
  SchemaUnknownKey: 'NL-SCHEMA-UNKNOWN-KEY',
  SchemaRange: 'NL-SCHEMA-RANGE',
  SchemaPattern: 'NL-SCHEMA-PATTERN',
  SchemaInvalid: 'NL-SCHEMA-INVALID',
  NameInvalid: 'NL-NAME-INVALID',
  NamePatternInvalid: 'NL-NAME-PATTERN-INVALID',
  LabelInvalid: 'NL-LABEL-INVALID',
  PortNameInvalid: 'NL-PORT-NAME-INVALID',
  InterfaceNameInvalid: 'NL-INTERFACE-NAME-INVALID',
  IpInvalid: 'NL-IP-INVALID',
  CidrInvalid: 'NL-CIDR-INVALID',
  MacInvalid: 'NL-MAC-INVALID',

  // Addresses.
  CidrHostBits: 'NL-CIDR-HOST-BITS',
  CidrOverlap: 'NL-CIDR-OVERLAP',
  IpOutsideSubnet: 'NL-IP-OUTSIDE-SUBNET',
  IpReserved: 'NL-IP-RESERVED',
  NodeCidrMaskSize: 'NL-NODE-CIDR-MASK-SIZE',
  NodePodCidrOutside: 'NL-NODE-PODCIDR-OUTSIDE',
  NodePodCidrSize: 'NL-NODE-PODCIDR-SIZE',
  PodCidrExhausted: 'NL-PODCIDR-EXHAUSTED',
  PoolExhausted: 'NL-POOL-EXHAUSTED',
  ClusterIpOutside: 'NL-CLUSTERIP-OUTSIDE',

  // Names and references.
  DuplicateName: 'NL-DUPLICATE-NAME',
  DuplicateIp: 'NL-DUPLICATE-IP',
  DuplicateMac: 'NL-DUPLICATE-MAC',
  UnknownNode: 'NL-UNKNOWN-NODE',
  UnknownSubnet: 'NL-UNKNOWN-SUBNET',
  UnknownNamespace: 'NL-UNKNOWN-NAMESPACE',
  NoNodes: 'NL-NO-NODES',
  NoSchedulableNodes: 'NL-NO-SCHEDULABLE-NODES',
  LimitExceeded: 'NL-LIMIT-EXCEEDED',

  // Services.
  NodePortRange: 'NL-NODEPORT-RANGE',
  NodePortDuplicate: 'NL-NODEPORT-DUPLICATE',
  NodePortNotAllowed: 'NL-NODEPORT-NOT-ALLOWED',
  ServiceNoPorts: 'NL-SERVICE-NO-PORTS',
  ServicePortDuplicate: 'NL-SERVICE-PORT-DUPLICATE',
  ServicePortName: 'NL-SERVICE-PORT-NAME',
  ServiceHeadless: 'NL-SERVICE-HEADLESS',
  ServiceTrafficPolicy: 'NL-SERVICE-TRAFFIC-POLICY',
  SelectorNoPods: 'NL-SELECTOR-NO-PODS',
  NodePortRangeInvalid: 'NL-NODEPORT-RANGE-INVALID',
  HealthCheckNodePort: 'NL-HEALTHCHECK-NODEPORT',
  ClusterIpTaken: 'NL-CLUSTERIP-TAKEN',
  TargetPortUnknown: 'NL-TARGET-PORT-UNKNOWN',
  ClusterIpExhausted: 'NL-CLUSTERIP-EXHAUSTED',
  NodePortExhausted: 'NL-NODEPORT-EXHAUSTED',
  LoadBalancerPoolExhausted: 'NL-LOADBALANCER-POOL-EXHAUSTED',

  // Network policies.
  PolicyInvalid: 'NL-POLICY-INVALID',
  PolicyNotEnforced: 'NL-POLICY-NOT-ENFORCED',

  // Settings that do nothing where they are.
  OptionIgnored: 'NL-OPTION-IGNORED',

  // Allocation and the CNI (reported when the cluster and its dataplane are built).
  IpamPodIp: 'NL-IPAM-POD-IP',
  IpamTunnelAddress: 'NL-IPAM-TUNNEL-ADDRESS',
  IpamPoolFull: 'NL-IPAM-POOL-FULL',
  IpamNodeCidrsExhausted: 'NL-IPAM-NODE-CIDRS-EXHAUSTED',
  HostVethName: 'NL-HOST-VETH-NAME',
  HostGwNotL2: 'NL-HOSTGW-NOT-L2',
  CalicoBgpNotL2: 'NL-CALICO-BGP-NOT-L2',
  CalicoFullMesh: 'NL-CALICO-FULL-MESH',

  DiagnosticsTruncated: 'NL-DIAGNOSTICS-TRUNCATED',
} as const;

export type Code = (typeof Code)[keyof typeof Code];
