/**
 * kube-proxy's mode and options from its ConfigMap (kubeadm's
 * kube-system/kube-proxy, config.conf), or --proxy-mode, or the platform
 * default (iptables), said so. Options the topology cannot say yet are
 * named, for the change that adds them.
 */
import type { DocumentNetwork } from '../topology/document.js';
import type { KubeProxyMode } from '../topology/types.js';
import { type ImportContext } from './context.js';

const MODES: readonly KubeProxyMode[] = ['iptables', 'ipvs', 'nftables', 'userspace', 'none'];
type KubeProxyDocument = NonNullable<DocumentNetwork['kubeProxy']>;

export function importKubeProxy(context: ImportContext, podCIDR: string): KubeProxyDocument {
  const { options, config, notes, objects } = context;
  const conf = config.kubeProxy?.config;
  if (options.proxyMode !== undefined) return { mode: options.proxyMode };
  if (conf === undefined) {
    const running = objects.pods.some(
      (p) =>
        p.object.metadata.namespace === 'kube-system' &&
        (p.object.metadata.ownerReferences ?? []).some((r) => r.kind === 'DaemonSet' && r.name === 'kube-proxy'),
    );
    const seenPods = objects.pods.some((p) => p.object.metadata.namespace === 'kube-system');
    notes.assumed(
      `kube-proxy mode iptables, the default: no kube-proxy ConfigMap in the input (add \`kubectl get configmap -n kube-system kube-proxy -o yaml\`, or --proxy-mode)${
        seenPods && !running ? '; no kube-proxy pod was seen either: if a replacement runs instead, --proxy-mode none' : ''
      }`,
    );
    return { mode: 'iptables' };
  }
  const written = (conf.mode ?? '').trim();
  const mode = (written === '' ? 'iptables' : written) as KubeProxyMode;
  const out: { -readonly [K in keyof KubeProxyDocument]: KubeProxyDocument[K] } = {};
  if (!MODES.includes(mode)) {
    notes.notExpressible('kube-proxy modes netlab does not model (iptables stands in)', written);
    out.mode = 'iptables';
  } else {
    out.mode = mode;
  }
  notes.inferred(`kube-proxy mode ${out.mode}${written === '' ? ' (mode "", the default)' : ''} from ${config.kubeProxy!.from}`);
  const scheduler = conf.ipvs?.scheduler;
  if (out.mode === 'ipvs' && scheduler !== undefined && scheduler !== '' && scheduler !== 'rr') out.scheduler = scheduler;
  const clusterCIDR = (conf.clusterCIDR ?? '')
    .split(',')
    .map((s) => s.trim())
    .find((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s));
  if (clusterCIDR !== undefined && clusterCIDR !== podCIDR) out.clusterCIDR = clusterCIDR;
  if ((conf.clusterCIDR ?? '') === '')
    notes.notExpressible('kube-proxy without a clusterCIDR (no local-traffic detector; netlab uses the pod network)');
  const masqueradeAll = out.mode === 'nftables' ? conf.nftables?.masqueradeAll : conf.iptables?.masqueradeAll;
  if (masqueradeAll === true) out.masqueradeAll = true;
  const option = (name: string, value: unknown) => notes.notExpressible('kube-proxy options', `${name}: ${JSON.stringify(value)}`);
  if (conf.nodePortAddresses != null && conf.nodePortAddresses.length > 0) option('nodePortAddresses', conf.nodePortAddresses);
  const bit = out.mode === 'nftables' ? conf.nftables?.masqueradeBit : conf.iptables?.masqueradeBit;
  if (bit != null && bit !== 14) option('masqueradeBit', bit);
  if (conf.iptables?.localhostNodePorts === false) option('iptables.localhostNodePorts', false);
  if (conf.detectLocalMode !== undefined && conf.detectLocalMode !== '' && conf.detectLocalMode !== 'ClusterCIDR')
    option('detectLocalMode', conf.detectLocalMode);
  if (conf.conntrack?.tcpBeLiberal === true) option('conntrack.tcpBeLiberal', true);
  if (conf.ipvs?.strictARP === true) option('ipvs.strictARP', true);
  if (conf.ipvs?.excludeCIDRs != null && conf.ipvs.excludeCIDRs.length > 0) option('ipvs.excludeCIDRs', conf.ipvs.excludeCIDRs);
  return out;
}
