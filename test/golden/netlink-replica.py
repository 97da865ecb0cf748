#!/usr/bin/env python3
# netlink-replica.py: send, in the current network namespace, the RTM_NEWLINK
# request a component sends to create one of its devices, attribute for
# attribute as vishvananda/netlink builds it (link_linux.go linkModify) from
# the component's call. capture.sh --probes uses it to show that the
# `ip link add` commands of the capture scripts and of `netlab export` make
# the same devices (probes/netlink-attributes.txt). Standard library only.
#
#   netlink-replica.py flannel-vxlan DEV MAC LOCAL      flanneld's flannel.1
#   netlink-replica.py calico-vxlan DEV MAC LOCAL       Felix's vxlan.calico
#   netlink-replica.py cni-bridge NAME MTU              the CNI bridge plugin's cni0
#   netlink-replica.py cni-veth CONT HOST MTU           the CNI bridge plugin's pair
#   netlink-replica.py calico-veth CONT HOST MTU        calico's CNI plugin's pair
#   netlink-replica.py docker0 MAC                      dockerd's docker0
#   netlink-replica.py bare KIND NAME                   only a name: no IFLA_TXQLEN
import errno
import socket
import struct
import sys

RTM_NEWLINK = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLMSG_ERROR = 2
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_TXQLEN, IFLA_LINKINFO = 1, 3, 4, 13, 18
IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES = 31, 32
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
VETH_INFO_PEER = 1
IFLA_VXLAN_ID, IFLA_VXLAN_LINK, IFLA_VXLAN_LOCAL, IFLA_VXLAN_TTL, IFLA_VXLAN_TOS = 1, 3, 4, 5, 6
IFLA_VXLAN_LEARNING, IFLA_VXLAN_PROXY, IFLA_VXLAN_RSC, IFLA_VXLAN_L2MISS, IFLA_VXLAN_L3MISS = 7, 11, 12, 13, 14
IFLA_VXLAN_PORT, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, IFLA_VXLAN_UDP_ZERO_CSUM6_RX = 15, 19, 20


def attr(kind, payload=b''):
    length = 4 + len(payload)
    return struct.pack('=HH', length, kind) + payload + b'\0' * (-length % 4)


def u8(v):
    return struct.pack('=B', v)


def u32(v):
    return struct.pack('=I', v)


def ifname(name):
    return attr(IFLA_IFNAME, name.encode() + b'\0')


def hwaddr(mac):
    return attr(IFLA_ADDRESS, bytes(int(b, 16) for b in mac.split(':')))


def linkinfo(kind, data=None):
    info = attr(IFLA_INFO_KIND, kind.encode())
    if data is not None:
        info += attr(IFLA_INFO_DATA, data)
    return attr(IFLA_LINKINFO, info)


# struct ifinfomsg, all zero: AF_UNSPEC, no index, no flags (LinkAttrs.Flags is 0 in every call here).
IFINFOMSG = struct.pack('=BxHiII', 0, 0, 0, 0, 0)


def newlink(*attrs):
    body = IFINFOMSG + b''.join(attrs)
    flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL  # LinkAdd
    msg = struct.pack('=IHHII', 16 + len(body), RTM_NEWLINK, flags, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        s.send(msg)
        reply = s.recv(65536)
    kind = struct.unpack('=H', reply[4:6])[0]
    error = struct.unpack('=i', reply[16:20])[0] if kind == NLMSG_ERROR else 0
    if error:
        sys.exit(f'RTM_NEWLINK: {errno.errorcode.get(-error, -error)}')


def vxlan_data(vni, dev, local, port=None):
    # addVxlanAttrs: ID, LINK (VtepDevIndex), LOCAL (SrcAddr), then TTL, TOS and the booleans it
    # always sends; PORT only when Port > 0; no UDP_CSUM (false), GBP, AGEING or LIMIT.
    data = attr(IFLA_VXLAN_ID, u32(vni)) + attr(IFLA_VXLAN_LINK, u32(socket.if_nametoindex(dev)))
    data += attr(IFLA_VXLAN_LOCAL, socket.inet_aton(local))
    data += attr(IFLA_VXLAN_TTL, u8(0)) + attr(IFLA_VXLAN_TOS, u8(0))
    for kind in (IFLA_VXLAN_LEARNING, IFLA_VXLAN_PROXY, IFLA_VXLAN_RSC, IFLA_VXLAN_L2MISS, IFLA_VXLAN_L3MISS,
                 IFLA_VXLAN_UDP_ZERO_CSUM6_TX, IFLA_VXLAN_UDP_ZERO_CSUM6_RX):
        data += attr(kind, u8(0))
    if port:
        data += attr(IFLA_VXLAN_PORT, struct.pack('>H', port))
    return data


def main(argv):
    what, args = argv[1], argv[2:]
    if what == 'flannel-vxlan':
        # flannel pkg/backend/vxlan/device.go newVXLANDevice: LinkAttrs{Name, HardwareAddr, MTU} (a literal:
        # TxQLen 0, sent), VxlanId 1, VtepDevIndex, SrcAddr, Port 0 (not sent), Learning false.
        dev, mac, local = args
        newlink(ifname('flannel.1'), attr(IFLA_MTU, u32(1450)), attr(IFLA_TXQLEN, u32(0)), hwaddr(mac),
                linkinfo('vxlan', vxlan_data(1, dev, local)))
    elif what == 'calico-vxlan':
        # Felix felix/dataplane/linux/vxlan_mgr.go configureVXLANDevice: NewLinkAttrs() (TxQLen -1: not
        # sent), HardwareAddr; VxlanId 4096, Port 4789, VtepDevIndex, SrcAddr; no MTU (LinkSetMTU later).
        dev, mac, local = args
        newlink(ifname('vxlan.calico'), hwaddr(mac), linkinfo('vxlan', vxlan_data(4096, dev, local, 4789)))
    elif what == 'cni-bridge':
        # plugins/main/bridge/bridge.go ensureBridge: NewLinkAttrs(), Name, MTU; a netlink.Bridge without
        # options (an empty IFLA_INFO_DATA).
        name, mtu = args
        newlink(ifname(name), attr(IFLA_MTU, u32(int(mtu))), linkinfo('bridge', b''))
    elif what == 'cni-veth':
        # plugins pkg/ip/link_linux.go makeVethPair (v1.9.1, netlink v1.3.1): NewLinkAttrs() with Name and
        # MTU, in a netlink.Veth literal: the peer gets PeerTxQLen 0 and the device's MTU. (The plugin
        # also puts the peer in the host netns, IFLA_NET_NS_FD; here both stay in this one.)
        cont, host, mtu = args
        peer = IFINFOMSG + ifname(host) + attr(IFLA_TXQLEN, u32(0)) + attr(IFLA_MTU, u32(int(mtu)))
        newlink(ifname(cont), attr(IFLA_MTU, u32(int(mtu))), linkinfo('veth', attr(VETH_INFO_PEER, peer)))
    elif what == 'calico-veth':
        # calico v3.30 cni-plugin/pkg/dataplane/linux/dataplane_linux.go DoWorkloadNetnsSetUp (netlink
        # 62fb240): NewLinkAttrs() with Name, MTU and NumTx/RxQueues = num_queues (1); the peer gets the
        # device's queue counts and MTU, and no queue length.
        cont, host, mtu = args
        queues = attr(IFLA_NUM_TX_QUEUES, u32(1)) + attr(IFLA_NUM_RX_QUEUES, u32(1))
        peer = IFINFOMSG + ifname(host) + queues + attr(IFLA_MTU, u32(int(mtu)))
        newlink(ifname(cont), attr(IFLA_MTU, u32(int(mtu))), queues, linkinfo('veth', attr(VETH_INFO_PEER, peer)))
    elif what == 'docker0':
        # moby libnetwork/drivers/bridge/setup_device_linux.go setupDevice: LinkAttrs{Name} (a literal:
        # TxQLen 0, sent) and the random MAC; the MTU comes later (setupMTU: LinkSetMTU).
        (mac,) = args
        newlink(ifname('docker0'), attr(IFLA_TXQLEN, u32(0)), hwaddr(mac), linkinfo('bridge', b''))
    elif what == 'bare':
        kind, name = args
        newlink(ifname(name), linkinfo(kind))
    else:
        sys.exit(f'unknown device: {what}')


if __name__ == '__main__':
    main(sys.argv)
