#!/bin/bash
# Captures the real tools' output in the rnd-* namespaces into $1/<ns>/<command>.txt
out=$1
cap() { local ns=$1; shift; local cmd="$*"; local f="$out/$ns/${cmd// /_}.txt"; mkdir -p "$out/$ns"; ip netns exec rnd-$ns $cmd > "$f" 2>&1; }
for c in "ip addr" "ip link" "ip -d link" "ip -s link" "ip -br addr" "ip -br link" "ip -4 addr" "ip route" "ip route show table local" "ip route show table all" "ip -d route" "ip neigh" "ip rule" "ip maddr" "bridge fdb show" "bridge fdb show dev flannel.1" "brctl show" "brctl showmacs cni0" "brctl showstp cni0" "ifconfig" "ifconfig -a" "route -n" "netstat -rn" "ethtool -S veth1a2b3c4d" "ethtool -i veth1a2b3c4d" "ethtool -i flannel.1" "ethtool -i cni0" "ip -d link show cni0" "ip -d link show flannel.1" "ip addr show dev flannel.1" "ip route show dev cni0" "ip neigh show dev flannel.1" "iptables -L -n" "iptables -L -n -v --line-numbers" "iptables -t nat -L -n -v" "iptables -t nat -L -n --line-numbers" "iptables -t raw -L -n" "iptables -S" "iptables -t nat -S" "iptables -L -n -v -x" ; do cap n1 $c; done
for c in "ip addr" "ip -d link" "ip route" "ip route show table local" "ip route show table all" "bridge fdb show" "ethtool -S eth0" "ifconfig" "route -n" "ip -br addr" "ip neigh"; do cap p1 $c; done
for c in "ip addr" "ip link" "ip -d link" "ip route" "ip -d route" "ip route show table local" "route -n" "netstat -rn" "ifconfig" "ifconfig -a" "ip -br link" "ip -br addr" "brctl show" "ip -d link show br9" "ethtool -i flannel0" "ip maddr" "bridge fdb show"; do cap x $c; done
ip netns exec rnd-n1 iptables-save > n1/iptables-save.txt; ip netns exec rnd-n1 iptables-save -c -t nat > n1/iptables-save_-c_-t_nat.txt
# second batch
for c in "bridge fdb show br cni0" "bridge link" "ethtool veth1a2b3c4d" "ethtool cni0" "ethtool flannel.1" "ethtool lo" "arp -n" "arp -an" "ip -6 route" "ip -6 route show table local" "ip -6 addr" "iptables -nvL FORWARD" "ip -br link show master cni0" "ip route show proto kernel" "ip -d addr show eth0" "ip -s addr show lo" "ip maddr show dev cni0"; do cap n1 $c; done
for c in "ethtool flannel0" "ethtool vethd1" "ethtool br9" "ip -br link show up" "ip -4 addr"; do cap x $c; done
