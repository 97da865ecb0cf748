/** /run/flannel/subnet.env, as flanneld's WriteSubnetFile writes it and the flannel CNI plugin reads it. */
import { formatCidr, type Cidr } from '../../net/cidr.js';
import { formatIPv4 } from '../../net/ipv4.js';

export function subnetEnv(network: Cidr, lease: Cidr, mtu: number, ipMasq: boolean): string {
  // FLANNEL_SUBNET is the lease's first address with the lease's prefix length.
  return [
    `FLANNEL_NETWORK=${formatCidr(network)}`,
    `FLANNEL_SUBNET=${formatIPv4(lease.addr + 1)}/${lease.len}`,
    `FLANNEL_MTU=${mtu}`,
    `FLANNEL_IPMASQ=${ipMasq}`,
    '',
  ].join('\n');
}
