/**
 * The configuration objects a cluster dump may hold, read into what netlab
 * needs: kube-proxy's KubeProxyConfiguration (kube-system/kube-proxy,
 * config.conf), kubeadm's ClusterConfiguration (kube-system/kubeadm-config),
 * flannel's net-conf.json (kube-flannel-cfg, or canal's canal-config) and
 * calico's IPPools. Their YAML and JSON texts are parsed here; a text that
 * does not parse is reported at the ConfigMap's data key.
 */
import { parse as parseYaml } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IPPool } from '../kube/calico.js';
import type { ConfigMap } from '../kube/core.js';
import * as K from '../kube/well-known.js';
import { ImportCode } from './codes.js';
import type { ClusterObjects, Decoded } from './decode.js';
import { problemAt } from './read.js';

export interface ClusterConfiguration {
  readonly kubeProxy?: { readonly config: K.KubeProxyConfiguration; readonly from: string };
  readonly kubeadm?: K.KubeadmClusterConfiguration;
  readonly flannel?: { readonly netConf: K.FlannelNetConf; readonly canal: boolean; readonly from: string };
  /** Enabled pools, in input order. */
  readonly ipPools: readonly IPPool[];
}

function find(objects: ClusterObjects, namespace: string | undefined, name: string): Decoded<ConfigMap> | undefined {
  return objects.configMaps.find(
    (c) => c.object.metadata.name === name && (namespace === undefined || c.object.metadata.namespace === namespace),
  );
}

function parsed<T>(cm: Decoded<ConfigMap>, key: string, json: boolean, diagnostics: Diagnostic[]): T | undefined {
  const text = cm.object.data?.[key];
  if (text === undefined) return undefined;
  try {
    const value: unknown = json ? JSON.parse(text) : parseYaml(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as T;
    throw new Error('not a mapping');
  } catch (e) {
    const where = { source: cm.at.source, path: [...cm.at.path, 'data', key] };
    diagnostics.push(
      problemAt(
        where,
        ImportCode.ValueInvalid,
        `${cm.object.metadata.namespace}/${cm.object.metadata.name} ${key} does not parse as ${json ? 'JSON' : 'YAML'}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      ),
    );
    return undefined;
  }
}

export function readConfiguration(objects: ClusterObjects, diagnostics: Diagnostic[]): ClusterConfiguration {
  const proxy = find(objects, K.KUBE_PROXY_CONFIGMAP.namespace, K.KUBE_PROXY_CONFIGMAP.name);
  const kubeadm = find(objects, K.KUBEADM_CONFIGMAP.namespace, K.KUBEADM_CONFIGMAP.name);
  const flannel = find(objects, undefined, K.FLANNEL_CONFIGMAP.name);
  const canal = find(objects, 'kube-system', 'canal-config');
  const flannelMap = flannel ?? canal;
  const proxyConfig = proxy && parsed<K.KubeProxyConfiguration>(proxy, K.KUBE_PROXY_CONFIGMAP.key, false, diagnostics);
  const kubeadmConfig = kubeadm && parsed<K.KubeadmClusterConfiguration>(kubeadm, K.KUBEADM_CONFIGMAP.key, false, diagnostics);
  const netConf = flannelMap && parsed<K.FlannelNetConf>(flannelMap, K.FLANNEL_CONFIGMAP.key, true, diagnostics);
  return {
    ...(proxyConfig ? { kubeProxy: { config: proxyConfig, from: 'kube-system/kube-proxy config.conf' } } : {}),
    ...(kubeadmConfig ? { kubeadm: kubeadmConfig } : {}),
    ...(netConf && flannelMap
      ? {
          flannel: {
            netConf,
            canal: flannelMap === canal,
            from: `${flannelMap.object.metadata.namespace}/${flannelMap.object.metadata.name} net-conf.json`,
          },
        }
      : {}),
    ipPools: objects.ipPools.map((p) => p.object).filter((p) => p.spec.disabled !== true),
  };
}
