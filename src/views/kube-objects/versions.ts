/**
 * The component versions netlab's cluster reports, one place: kubeadm
 * v1.33 (whose CoreDNS image src/model/services/defaults.ts deploys), with
 * the container runtimes of its time.
 */
export const KUBERNETES_VERSION = 'v1.33.0';
export const CONTAINERD_VERSION = 'containerd://1.7.24';
export const DOCKER_VERSION = 'docker://27.4.1';
/** kubeadm's CRI socket annotation per runtime (dockershim is gone: docker nodes run cri-dockerd). */
export const CRI_SOCKET = { containerd: 'unix:///var/run/containerd/containerd.sock', docker: 'unix:///var/run/cri-dockerd.sock' } as const;
