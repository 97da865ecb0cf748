#!/bin/bash
# Mini flannel-vxlan lab for render format checks. Namespaces prefixed rnd-.
set -e
for n in rnd-ul rnd-n1 rnd-n2 rnd-p1 rnd-p1b rnd-p2; do ip netns del $n 2>/dev/null || true; done
[ "$1" = down ] && exit 0
for n in rnd-ul rnd-n1 rnd-n2 rnd-p1 rnd-p1b rnd-p2; do ip netns add $n; ip -n $n link set lo up; done
ip -n rnd-ul link add br0 type bridge; ip -n rnd-ul link set br0 up
i=0
for n in rnd-n1 rnd-n2; do
  i=$((i+1))
  ip -n rnd-ul link add ul$i type veth peer name eth0 netns $n
  ip -n rnd-ul link set ul$i master br0 up
  ip -n $n link set eth0 address 52:54:00:12:34:0$i
  ip -n $n addr add 10.234.2.1$i/24 dev eth0
  ip -n $n link set eth0 up
  ip -n $n route add default via 10.234.2.254
  ip -n $n link add flannel.1 type vxlan id 1 local 10.234.2.1$i dev eth0 nolearning dstport 8472
  ip -n $n link set flannel.1 address 6a:1f:3c:00:00:0$i mtu 1450
  ip -n $n addr add 10.244.$i.0/32 dev flannel.1
  ip -n $n link set flannel.1 up
  ip -n $n link add cni0 type bridge
  ip -n $n link set cni0 address 7e:2c:91:00:00:0$i mtu 1450 up
done
mkpod() { # node pod idx hostveth
  ip -n $1 link add $4 type veth peer name eth0 netns $2
  ip -n $1 link set $4 address 2a:33:44:01:0$5:0$3 mtu 1450 master cni0 up
  ip -n $1 link set $4 type bridge_slave hairpin on
  ip -n $2 link set eth0 address 0e:11:22:01:0$5:0$3 mtu 1450 up
  ip -n $2 addr add 10.244.$5.$3/24 dev eth0
  ip -n $2 route add 10.244.0.0/16 via 10.244.$5.1
  ip -n $2 route add default via 10.244.$5.1
}
ip -n rnd-n1 link set cni0 up
mkpod rnd-n1 rnd-p1 2 veth1a2b3c4d 1
ip -n rnd-n1 addr add 10.244.1.1/24 brd + dev cni0
mkpod rnd-n1 rnd-p1b 3 veth5e6f7a8b 1
mkpod rnd-n2 rnd-p2 2 veth9c0d1e2f 2
ip -n rnd-n2 addr add 10.244.2.1/24 brd + dev cni0
# re-add pod routes now that gateway exists
for p in rnd-p1 rnd-p1b; do ip -n $p route replace 10.244.0.0/16 via 10.244.1.1; ip -n $p route replace default via 10.244.1.1; done
ip -n rnd-p2 route replace 10.244.0.0/16 via 10.244.2.1; ip -n rnd-p2 route replace default via 10.244.2.1
# flannel peers
ip -n rnd-n1 neigh add 10.244.2.0 lladdr 6a:1f:3c:00:00:02 dev flannel.1 nud permanent
bridge -n rnd-n1 fdb add 6a:1f:3c:00:00:02 dev flannel.1 dst 10.234.2.12 self permanent
ip -n rnd-n1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n rnd-n2 neigh add 10.244.1.0 lladdr 6a:1f:3c:00:00:01 dev flannel.1 nud permanent
bridge -n rnd-n2 fdb add 6a:1f:3c:00:00:01 dev flannel.1 dst 10.234.2.11 self permanent
ip -n rnd-n2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
for n in rnd-n1 rnd-n2; do ip netns exec $n sysctl -qw net.ipv4.ip_forward=1; done
# flannel's iptables rules plus a broader rule set for format coverage
ip netns exec rnd-n1 ipset create KUBE-X hash:ip,port
ip netns exec rnd-n1 iptables-restore < /tmp/rnd/rules.txt
# misc namespace: special route types, a tun, an empty bridge, a down veth pair
ip netns del rnd-x 2>/dev/null || true
ip netns add rnd-x
ip -n rnd-x link set lo up
ip -n rnd-x link add eth0 type veth peer name eth1
ip -n rnd-x link set eth0 address 52:54:00:aa:00:01 up
ip -n rnd-x link set eth1 address 52:54:00:aa:00:02 up
ip -n rnd-x addr add 192.168.50.10/24 brd + dev eth0
ip -n rnd-x route add default via 192.168.50.1 dev eth0 proto dhcp src 192.168.50.10 metric 100
ip -n rnd-x route add 10.96.0.0/12 via 192.168.50.1 dev eth0 metric 50
ip -n rnd-x route add 172.16.0.0/16 via 192.168.50.1 dev eth0 proto static
ip -n rnd-x route add blackhole 10.244.96.0/26 proto bird
ip -n rnd-x route add unreachable 10.99.0.0/16
ip -n rnd-x route add prohibit 10.98.0.0/16
ip -n rnd-x route add 10.244.200.0/26 via 10.244.200.0 dev eth0 proto 80 onlink mtu 1450
ip -n rnd-x route add 10.244.96.1 dev eth0 scope link
ip -n rnd-x tuntap add dev flannel0 mode tun
ip -n rnd-x link set flannel0 mtu 1472 up
ip -n rnd-x addr add 10.244.5.0/32 dev flannel0
ip -n rnd-x route add 10.244.0.0/16 dev flannel0
ip -n rnd-x link add br9 type bridge
ip -n rnd-x link set br9 address 02:42:11:22:33:44 up
ip -n rnd-x link add vethd1 type veth peer name vethd2
ip -n rnd-x link set vethd1 address 52:54:00:bb:00:01
ip -n rnd-x link set vethd2 address 52:54:00:bb:00:02
ip -n rnd-x link set vethd1 up
