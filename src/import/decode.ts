/**
 * Raw objects -> the typed subset of the Kubernetes API netlab reads
 * (src/kube), sorted into kinds. Only the fields netlab uses are read, each
 * type-checked (fields.ts); kinds netlab does not read are counted.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Workload } from '../kube/apps.js';
import type { IPPool } from '../kube/calico.js';
import type {
  ConfigMap,
  Container,
  Endpoints,
  Namespace,
  Node,
  Pod,
  PodTemplateSpec,
  Protocol,
  Service,
  Toleration,
} from '../kube/core.js';
import type { EndpointSlice } from '../kube/discovery.js';
import type { LabelSelector, ObjectMeta, OwnerReference } from '../kube/meta.js';
import type { Ingress, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../kube/networking.js';
import { ImportCode } from './codes.js';
import { Fields } from './fields.js';
import { problemAt, type RawObject, type Where } from './read.js';

export interface Decoded<T> {
  readonly object: T;
  readonly at: Where;
}

export interface ClusterObjects {
  readonly nodes: Decoded<Node>[];
  readonly pods: Decoded<Pod>[];
  readonly services: Decoded<Service>[];
  readonly endpointSlices: Decoded<EndpointSlice>[];
  readonly endpoints: Decoded<Endpoints>[];
  readonly networkPolicies: Decoded<NetworkPolicy>[];
  readonly ingresses: Decoded<Ingress>[];
  readonly namespaces: Decoded<Namespace>[];
  readonly configMaps: Decoded<ConfigMap>[];
  readonly workloads: Decoded<Workload>[];
  readonly ipPools: Decoded<IPPool>[];
  /** Objects of kinds netlab does not read, counted by kind. */
  readonly unknownKinds: Map<string, number>;
}

export function decodeObjects(raw: readonly RawObject[], diagnostics: Diagnostic[]): ClusterObjects {
  const out: ClusterObjects = {
    nodes: [],
    pods: [],
    services: [],
    endpointSlices: [],
    endpoints: [],
    networkPolicies: [],
    ingresses: [],
    namespaces: [],
    configMaps: [],
    workloads: [],
    ipPools: [],
    unknownKinds: new Map(),
  };
  for (const { value, at } of raw) {
    const f = new Fields(value, at, diagnostics);
    const apiVersion = value['apiVersion'];
    const kind = value['kind'];
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      diagnostics.push(
        problemAt(
          at,
          ImportCode.NotAnObject,
          'expected a Kubernetes object: apiVersion and kind are missing',
          'every object kubectl prints starts with apiVersion and kind',
        ),
      );
      continue;
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const add = <T>(list: Decoded<T>[], object: T | undefined): void => {
      if (object !== undefined) list.push({ object, at });
    };
    switch (`${group}/${kind}`) {
      case '/Node':
        add(out.nodes, decodeNode(f));
        break;
      case '/Pod':
        add(out.pods, decodePod(f));
        break;
      case '/Service':
        add(out.services, decodeService(f));
        break;
      case '/Endpoints':
        add(out.endpoints, decodeEndpoints(f));
        break;
      case '/ConfigMap':
        add(out.configMaps, decodeConfigMap(f));
        break;
      case '/Namespace':
        add(out.namespaces, decodeNamespace(f));
        break;
      case 'discovery.k8s.io/EndpointSlice':
        add(out.endpointSlices, decodeEndpointSlice(f));
        break;
      case 'networking.k8s.io/NetworkPolicy':
        add(out.networkPolicies, decodeNetworkPolicy(f));
        break;
      case 'networking.k8s.io/Ingress':
      case 'extensions/Ingress':
        add(out.ingresses, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: metadata(f, true) });
        break;
      case 'apps/Deployment':
      case 'apps/ReplicaSet':
      case 'apps/StatefulSet':
      case 'apps/DaemonSet':
        add(out.workloads, decodeWorkload(f, kind));
        break;
      case 'crd.projectcalico.org/IPPool':
      case 'projectcalico.org/IPPool':
        add(out.ipPools, decodeIpPool(f));
        break;
      default:
        out.unknownKinds.set(kind, (out.unknownKinds.get(kind) ?? 0) + 1);
    }
  }
  return out;
}

function metadata(f: Fields, namespaced: boolean): ObjectMeta {
  const m = f.object('metadata', true);
  if (m === undefined) return {};
  const name = m.string('name') ?? m.string('generateName');
  if (name === undefined) m.problem(undefined, ImportCode.FieldMissing, 'metadata.name is missing', 'every object has a name');
  const ownerReferences: OwnerReference[] = m.objects('ownerReferences').flatMap((o) => {
    const kind = o.string('kind');
    const oname = o.string('name');
    if (kind === undefined || oname === undefined) return [];
    const controller = o.boolean('controller');
    return [
      {
        apiVersion: o.string('apiVersion') ?? '',
        kind,
        name: oname,
        uid: o.string('uid') ?? '',
        ...(controller !== undefined ? { controller } : {}),
      },
    ];
  });
  const labels = m.record('labels');
  const annotations = m.record('annotations');
  const creationTimestamp = m.string('creationTimestamp');
  const deletionTimestamp = m.string('deletionTimestamp');
  return {
    ...(name !== undefined ? { name } : {}),
    ...(namespaced ? { namespace: m.string('namespace') ?? 'default' } : {}),
    ...(creationTimestamp !== undefined ? { creationTimestamp } : {}),
    ...(deletionTimestamp !== undefined ? { deletionTimestamp } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
    ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
  };
}

function decodeNode(f: Fields): Node {
  const spec = f.object('spec');
  const status = f.object('status');
  const nodeInfo = status?.object('nodeInfo');
  const runtime = nodeInfo?.string('containerRuntimeVersion');
  const podCIDR = spec?.string('podCIDR');
  const podCIDRs = spec?.strings('podCIDRs');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: metadata(f, false),
    spec: {
      ...(podCIDR !== undefined ? { podCIDR } : {}),
      ...(podCIDRs !== undefined ? { podCIDRs } : {}),
      ...(spec?.string('providerID') !== undefined ? { providerID: spec.string('providerID')! } : {}),
    },
    status: {
      addresses: (status?.objects('addresses') ?? []).flatMap((a) => {
        const type = a.string('type', true);
        const address = a.string('address', true);
        return type !== undefined && address !== undefined ? [{ type, address }] : [];
      }),
      ...(runtime !== undefined ? { nodeInfo: { containerRuntimeVersion: runtime } } : {}),
    },
  };
}

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

function protocol(f: Fields, key = 'protocol'): Protocol | undefined {
  const p = f.string(key);
  if (p === undefined) return undefined;
  if (PROTOCOLS.includes(p)) return p as Protocol;
  f.problem(key, ImportCode.ValueInvalid, `${key}: expected TCP, UDP or SCTP, found '${p}'`);
  return undefined;
}

function containers(list: Fields[]): Container[] {
  return list.flatMap((c) => {
    const name = c.string('name', true);
    if (name === undefined) return [];
    const image = c.string('image');
    const restartPolicy = c.string('restartPolicy');
    const ports = c.objects('ports').flatMap((p) => {
      const containerPort = p.integer('containerPort', true);
      if (containerPort === undefined) return [];
      const portName = p.string('name');
      const proto = protocol(p);
      const hostPort = p.integer('hostPort');
      return [
        {
          containerPort,
          ...(portName !== undefined ? { name: portName } : {}),
          ...(proto ? { protocol: proto } : {}),
          ...(hostPort !== undefined ? { hostPort } : {}),
        },
      ];
    });
    return [
      {
        name,
        ...(image !== undefined ? { image } : {}),
        ...(ports.length > 0 ? { ports } : {}),
        ...(restartPolicy !== undefined ? { restartPolicy } : {}),
      },
    ];
  });
}

function podSpec(spec: Fields | undefined): Pod['spec'] {
  const nodeName = spec?.string('nodeName');
  const hostNetwork = spec?.boolean('hostNetwork');
  const dnsPolicy = spec?.string('dnsPolicy');
  const nodeSelector = spec?.record('nodeSelector');
  const tolerations: Toleration[] = (spec?.objects('tolerations') ?? []).map((t) => {
    const key = t.string('key');
    const operator = t.string('operator');
    const effect = t.string('effect');
    return {
      ...(key !== undefined ? { key } : {}),
      ...(operator === 'Exists' || operator === 'Equal' ? { operator } : {}),
      ...(effect !== undefined ? { effect } : {}),
    };
  });
  const init = containers(spec?.objects('initContainers') ?? []);
  return {
    containers: containers(spec?.objects('containers', true) ?? []),
    ...(init.length > 0 ? { initContainers: init } : {}),
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...(hostNetwork !== undefined ? { hostNetwork } : {}),
    ...(dnsPolicy !== undefined ? { dnsPolicy } : {}),
    ...(nodeSelector !== undefined ? { nodeSelector } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
  };
}

function decodePod(f: Fields): Pod {
  const status = f.object('status');
  const conditions = (status?.objects('conditions') ?? []).flatMap((c) => {
    const type = c.string('type');
    const s = c.string('status');
    return type !== undefined && (s === 'True' || s === 'False' || s === 'Unknown')
      ? [{ type, status: s as 'True' | 'False' | 'Unknown' }]
      : [];
  });
  const podIPs = (status?.objects('podIPs') ?? []).flatMap((p) => {
    const ip = p.string('ip');
    return ip !== undefined ? [{ ip }] : [];
  });
  const phase = status?.string('phase');
  const podIP = status?.string('podIP');
  const hostIP = status?.string('hostIP');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(f, true),
    spec: podSpec(f.object('spec', true)),
    status: {
      ...(phase !== undefined ? { phase } : {}),
      ...(conditions.length > 0 ? { conditions } : {}),
      ...(hostIP !== undefined ? { hostIP } : {}),
      ...(podIP !== undefined ? { podIP } : {}),
      ...(podIPs.length > 0 ? { podIPs } : {}),
    },
  };
}

function decodeService(f: Fields): Service {
  const spec = f.object('spec');
  const status = f.object('status');
  const ports = (spec?.objects('ports') ?? []).flatMap((p) => {
    const port = p.integer('port', true);
    if (port === undefined) return [];
    const name = p.string('name');
    const proto = protocol(p);
    const targetPort = p.intOrString('targetPort');
    const nodePort = p.integer('nodePort');
    return [
      {
        ...(name !== undefined ? { name } : {}),
        ...(proto ? { protocol: proto } : {}),
        port,
        ...(targetPort !== undefined ? { targetPort } : {}),
        ...(nodePort !== undefined ? { nodePort } : {}),
      },
    ];
  });
  const ingress = (status?.object('loadBalancer')?.objects('ingress') ?? []).map((i) => {
    const ip = i.string('ip');
    const hostname = i.string('hostname');
    return { ...(ip !== undefined ? { ip } : {}), ...(hostname !== undefined ? { hostname } : {}) };
  });
  const timeout = spec?.object('sessionAffinityConfig')?.object('clientIP')?.integer('timeoutSeconds');
  const read = {
    type: spec?.string('type'),
    selector: spec?.record('selector'),
    clusterIP: spec?.string('clusterIP'),
    clusterIPs: spec?.strings('clusterIPs'),
    externalIPs: spec?.strings('externalIPs'),
    externalName: spec?.string('externalName'),
    loadBalancerIP: spec?.string('loadBalancerIP'),
    loadBalancerSourceRanges: spec?.strings('loadBalancerSourceRanges'),
    allocateLoadBalancerNodePorts: spec?.boolean('allocateLoadBalancerNodePorts'),
    externalTrafficPolicy: spec?.string('externalTrafficPolicy'),
    internalTrafficPolicy: spec?.string('internalTrafficPolicy'),
    healthCheckNodePort: spec?.integer('healthCheckNodePort'),
    sessionAffinity: spec?.string('sessionAffinity'),
    publishNotReadyAddresses: spec?.boolean('publishNotReadyAddresses'),
    trafficDistribution: spec?.string('trafficDistribution'),
  };
  const defined = Object.fromEntries(Object.entries(read).filter(([, v]) => v !== undefined));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(f, true),
    spec: {
      ...(defined as Service['spec']),
      ...(ports.length > 0 ? { ports } : {}),
      ...(timeout !== undefined ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: timeout } } } : {}),
    },
    status: { loadBalancer: ingress.length > 0 ? { ingress } : {} },
  };
}

function decodeEndpoints(f: Fields): Endpoints {
  const subsets = f.objects('subsets').map((s) => {
    const addresses = (key: string) =>
      s.objects(key).flatMap((a) => {
        const ip = a.string('ip', true);
        return ip !== undefined ? [{ ip }] : [];
      });
    const ports = s.objects('ports').flatMap((p) => {
      const port = p.integer('port', true);
      const name = p.string('name');
      return port !== undefined ? [{ port, ...(name !== undefined ? { name } : {}) }] : [];
    });
    return { addresses: addresses('addresses'), notReadyAddresses: addresses('notReadyAddresses'), ports };
  });
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: metadata(f, true), subsets };
}

function decodeEndpointSlice(f: Fields): EndpointSlice {
  const addressType = f.string('addressType');
  const endpoints = f.objects('endpoints').map((e) => {
    const c = e.object('conditions');
    const ready = c?.boolean('ready');
    const serving = c?.boolean('serving');
    const terminating = c?.boolean('terminating');
    const ref = e.object('targetRef');
    const nodeName = e.string('nodeName');
    const refKind = ref?.string('kind');
    const refName = ref?.string('name');
    const refNamespace = ref?.string('namespace');
    return {
      addresses: e.strings('addresses') ?? [],
      conditions: {
        ...(ready !== undefined ? { ready } : {}),
        ...(serving !== undefined ? { serving } : {}),
        ...(terminating !== undefined ? { terminating } : {}),
      },
      ...(nodeName !== undefined ? { nodeName } : {}),
      ...(ref !== undefined
        ? {
            targetRef: {
              ...(refKind ? { kind: refKind } : {}),
              ...(refName ? { name: refName } : {}),
              ...(refNamespace ? { namespace: refNamespace } : {}),
            },
          }
        : {}),
    };
  });
  const ports = f.objects('ports').map((p) => {
    const name = p.string('name');
    const port = p.integer('port');
    const proto = protocol(p);
    return { ...(name !== undefined ? { name } : {}), ...(port !== undefined ? { port } : {}), ...(proto ? { protocol: proto } : {}) };
  });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: metadata(f, true),
    addressType: addressType === 'IPv6' || addressType === 'FQDN' ? addressType : 'IPv4',
    endpoints: endpoints.length > 0 ? endpoints : null,
    ports: ports.length > 0 ? ports : null,
  };
}

function selector(f: Fields | undefined): LabelSelector | undefined {
  if (f === undefined) return undefined;
  const matchLabels = f.record('matchLabels');
  const matchExpressions = f.objects('matchExpressions').flatMap((e) => {
    const key = e.string('key', true);
    const operator = e.string('operator', true);
    if (key === undefined || operator === undefined) return [];
    if (operator !== 'In' && operator !== 'NotIn' && operator !== 'Exists' && operator !== 'DoesNotExist') {
      e.problem(
        'operator',
        ImportCode.ValueInvalid,
        `matchExpressions operator: expected In, NotIn, Exists or DoesNotExist, found '${operator}'`,
      );
      return [];
    }
    const values = e.strings('values');
    return [{ key, operator, ...(values !== undefined ? { values } : {}) } as const];
  });
  return { ...(matchLabels !== undefined ? { matchLabels } : {}), ...(matchExpressions.length > 0 ? { matchExpressions } : {}) };
}

function peers(list: Fields[]): NetworkPolicyPeer[] {
  return list.map((p) => {
    const podSelector = selector(p.object('podSelector'));
    const namespaceSelector = selector(p.object('namespaceSelector'));
    const block = p.object('ipBlock');
    const cidr = block?.string('cidr', true);
    const except = block?.strings('except');
    return {
      ...(podSelector !== undefined ? { podSelector } : {}),
      ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
      ...(cidr !== undefined ? { ipBlock: { cidr, ...(except !== undefined ? { except } : {}) } } : {}),
    };
  });
}

function policyPorts(list: Fields[]): NetworkPolicyPort[] {
  return list.map((p) => {
    const proto = protocol(p);
    const port = p.intOrString('port');
    const endPort = p.integer('endPort');
    return {
      ...(proto ? { protocol: proto } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(endPort !== undefined ? { endPort } : {}),
    };
  });
}

function decodeNetworkPolicy(f: Fields): NetworkPolicy {
  const spec = f.object('spec', true);
  const policyTypes = spec?.strings('policyTypes')?.filter((t): t is 'Ingress' | 'Egress' => {
    if (t === 'Ingress' || t === 'Egress') return true;
    spec.problem('policyTypes', ImportCode.ValueInvalid, `policyTypes: expected Ingress or Egress, found '${t}'`);
    return false;
  });
  const rules = (key: 'ingress' | 'egress') =>
    spec?.value[key] === undefined
      ? undefined
      : spec.objects(key).map((r) => {
          const peerKey = key === 'ingress' ? 'from' : 'to';
          const listed = r.value[peerKey] !== undefined ? peers(r.objects(peerKey)) : undefined;
          const ports = r.value['ports'] !== undefined ? policyPorts(r.objects('ports')) : undefined;
          return { ...(listed !== undefined ? { [peerKey]: listed } : {}), ...(ports !== undefined ? { ports } : {}) };
        });
  const ingress = rules('ingress');
  const egress = rules('egress');
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(f, true),
    spec: {
      podSelector: selector(spec?.object('podSelector')) ?? {},
      ...(policyTypes !== undefined ? { policyTypes } : {}),
      ...(ingress !== undefined ? { ingress } : {}),
      ...(egress !== undefined ? { egress } : {}),
    },
  };
}

function decodeConfigMap(f: Fields): ConfigMap {
  const data = f.record('data');
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(f, true), ...(data !== undefined ? { data } : {}) };
}

function decodeNamespace(f: Fields): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(f, false) };
}

function decodeWorkload(f: Fields, kind: string): Workload {
  const spec = f.object('spec');
  const template = spec?.object('template');
  const templateMeta = template?.object('metadata');
  const templateLabels = templateMeta?.record('labels');
  const pod: PodTemplateSpec | undefined =
    template !== undefined
      ? { ...(templateLabels !== undefined ? { metadata: { labels: templateLabels } } : {}), spec: podSpec(template.object('spec')) }
      : undefined;
  const replicas = spec?.integer('replicas');
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: metadata(f, true),
    spec: { ...(replicas !== undefined ? { replicas } : {}), ...(pod !== undefined ? { template: pod } : {}) },
  } as Workload;
}

function decodeIpPool(f: Fields): IPPool {
  const spec = f.object('spec', true);
  const mode = (key: string) => {
    const v = spec?.string(key);
    return v === 'Always' || v === 'CrossSubnet' || v === 'Never' ? v : undefined;
  };
  const blockSize = spec?.integer('blockSize');
  const ipipMode = mode('ipipMode');
  const vxlanMode = mode('vxlanMode');
  const disabled = spec?.boolean('disabled');
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'IPPool',
    metadata: metadata(f, false),
    spec: {
      cidr: spec?.string('cidr', true) ?? '',
      ...(blockSize !== undefined ? { blockSize } : {}),
      ...(ipipMode !== undefined ? { ipipMode } : {}),
      ...(vxlanMode !== undefined ? { vxlanMode } : {}),
      ...(disabled !== undefined ? { disabled } : {}),
    },
  };
}
