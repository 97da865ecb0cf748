#!/usr/bin/env bash
# capture.sh: build one netlab golden lab for real in Linux network
# namespaces, run the real tools in every node and pod namespace, store their
# outputs as golden files, and tear everything down again.
#
#   bash test/golden/capture.sh <lab> [OUTDIR]   build, capture, tear down
#   bash test/golden/capture.sh --teardown <lab> delete leftovers of <lab>
#   bash test/golden/capture.sh --list           list the labs
#   bash test/golden/capture.sh --compare D1 D2  determinism check of two captures
#   bash test/golden/capture.sh --probes         small experiments -> probes/
#
# <lab> is one of the directories next to this script (flannel-vxlan,
# flannel-hostgw-2subnets, flannel-udp, flannel-directrouting). OUTDIR
# defaults to test/golden/<lab>; topology.yaml there is never touched.
# The per-lab parameters below are copied by hand from <lab>/topology.yaml;
# this script does not use any netlab code. Needs root. It only creates
# namespaces named nlg-* and cni-<uuid> (and refuses to run if one of them
# already exists); nothing is added to the root namespace.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=capture-lib.sh
. "$SCRIPT_DIR/capture-lib.sh" # shared with capture-calico.sh: helpers, underlay, eth0, capture plumbing

# --------------------------------------------------------------------------
# Lab tables
#   SUBNETS: name cidr gateway mtu
#   NODES:   name ip subnet mac vtepMAC bridgeMAC     ("-" = none)
#   PODS:    name namespace node mac hostVethName hostVethMAC
# Nodes get the pod lease 10.244.<position>.0/24 in the order listed; pods
# get 10.244.X.2, .3, ... in the order listed on their node.
# --------------------------------------------------------------------------
CLUSTER_CIDR=10.244.0.0/16

lab_flannel_vxlan() {
  BACKEND=vxlan DIRECT_ROUTING=0
  SUBNETS=("rack-1 10.234.2.0/24 10.234.2.254 1500")
  NODES=(
    "master  10.234.2.11 rack-1 52:54:00:12:34:0b 6a:1f:3c:00:00:0b 7e:2c:91:00:00:0b"
    "node-02 10.234.2.12 rack-1 52:54:00:12:34:0c 6a:1f:3c:00:00:0c 7e:2c:91:00:00:0c"
    "node-03 10.234.2.13 rack-1 52:54:00:12:34:0d 6a:1f:3c:00:00:0d 7e:2c:91:00:00:0d"
  )
  PODS=(
    "pod-a default node-02 0e:11:22:01:01:02 veth1a2b3c4d 2a:33:44:01:01:02"
    "pod-c default node-02 0e:11:22:01:01:03 veth5e6f7a8b 2a:33:44:01:01:03"
    "pod-b default node-03 0e:11:22:01:02:02 veth9c0d1e2f 2a:33:44:01:02:02"
  )
}

lab_flannel_hostgw_2subnets() {
  BACKEND=host-gw DIRECT_ROUTING=0
  SUBNETS=(
    "rack-1 10.234.2.0/24 10.234.2.254 1500"
    "rack-2 10.234.3.0/24 10.234.3.254 1500"
  )
  NODES=(
    "master  10.234.2.11 rack-1 52:54:00:12:34:0b - 7e:2c:91:00:00:0b"
    "node-02 10.234.2.12 rack-1 52:54:00:12:34:0c - 7e:2c:91:00:00:0c"
    "node-03 10.234.3.13 rack-2 52:54:00:12:34:0d - 7e:2c:91:00:00:0d"
  )
  PODS=(
    "pod-a default node-02 0e:11:22:01:01:02 veth1a2b3c4d 2a:33:44:01:01:02"
    "pod-b default node-03 0e:11:22:01:02:02 veth9c0d1e2f 2a:33:44:01:02:02"
  )
}

lab_flannel_udp() {
  BACKEND=udp DIRECT_ROUTING=0
  SUBNETS=("rack-1 10.234.2.0/24 10.234.2.254 1500")
  NODES=(
    "node-01 10.234.2.11 rack-1 52:54:00:12:34:0b - 7e:2c:91:00:00:0b"
    "node-02 10.234.2.12 rack-1 52:54:00:12:34:0c - 7e:2c:91:00:00:0c"
  )
  PODS=(
    "pod-a default node-01 0e:11:22:01:00:02 veth1a2b3c4d 2a:33:44:01:00:02"
    "pod-b default node-02 0e:11:22:01:01:02 veth9c0d1e2f 2a:33:44:01:01:02"
  )
}

lab_flannel_directrouting() {
  BACKEND=vxlan DIRECT_ROUTING=1
  SUBNETS=(
    "rack-1 10.234.2.0/24 10.234.2.254 1500"
    "rack-2 10.234.3.0/24 10.234.3.254 1500"
  )
  NODES=(
    "node-01 10.234.2.11 rack-1 52:54:00:12:34:0b 6a:1f:3c:00:00:0b 7e:2c:91:00:00:0b"
    "node-02 10.234.2.12 rack-1 52:54:00:12:34:0c 6a:1f:3c:00:00:0c 7e:2c:91:00:00:0c"
    "node-03 10.234.3.13 rack-2 52:54:00:12:34:0d 6a:1f:3c:00:00:0d 7e:2c:91:00:00:0d"
  )
  PODS=(
    "pod-a default node-01 0e:11:22:01:00:02 veth1a2b3c4d 2a:33:44:01:00:02"
    "pod-b default node-02 0e:11:22:01:01:02 veth5e6f7a8b 2a:33:44:01:01:02"
    "pod-c default node-03 0e:11:22:01:02:02 veth9c0d1e2f 2a:33:44:01:02:02"
  )
}

LABS="flannel-vxlan flannel-hostgw-2subnets flannel-udp flannel-directrouting"

FDT_WAIT=${FDT_WAIT:-16}  # seconds; > bridge forward_delay (15 s)
UDP_TUN=${UDP_TUN:-flanneld}  # flannel-udp only: flanneld | tuntap (variant)
TUN_LL_MASK='fe80::xxxx:xxxx:xxxx:xxxx'  # stands for flannel0's random link-local

load_lab() {
  LAB=$1
  case "$LAB" in
    flannel-vxlan) lab_flannel_vxlan ;;
    flannel-hostgw-2subnets) lab_flannel_hostgw_2subnets ;;
    flannel-udp) lab_flannel_udp ;;
    flannel-directrouting) lab_flannel_directrouting ;;
    *) die "unknown lab '$LAB' (labs: $LABS)" ;;
  esac
  case "$BACKEND" in
    vxlan) FLANNEL_MTU=1450 ;;
    host-gw) FLANNEL_MTU=1500 ;;
    udp) FLANNEL_MTU=1472 ;;
  esac
  # Derived per-node / per-pod data.
  load_subnets
  declare -gA NODE_IP NODE_SUBNET NODE_MAC NODE_VTEP NODE_BRMAC NODE_X NODE_NPODS
  declare -gA POD_NS POD_NODE POD_MAC POD_VETH POD_VETHMAC POD_IP POD_NETNS
  NODE_NAMES=() POD_NAMES=()
  local r x=0 n
  for r in "${NODES[@]}"; do
    n=$(field 1 "$r")
    NODE_NAMES+=("$n")
    NODE_IP[$n]=$(field 2 "$r"); NODE_SUBNET[$n]=$(field 3 "$r"); NODE_MAC[$n]=$(field 4 "$r")
    NODE_VTEP[$n]=$(field 5 "$r"); NODE_BRMAC[$n]=$(field 6 "$r")
    NODE_X[$n]=$x; NODE_NPODS[$n]=0; x=$((x + 1))
  done
  for r in "${PODS[@]}"; do
    n=$(field 1 "$r")
    POD_NAMES+=("$n")
    POD_NS[$n]=$(field 2 "$r"); POD_NODE[$n]=$(field 3 "$r"); POD_MAC[$n]=$(field 4 "$r")
    POD_VETH[$n]=$(field 5 "$r"); POD_VETHMAC[$n]=$(field 6 "$r")
    local node=${POD_NODE[$n]}
    NODE_NPODS[$node]=$((NODE_NPODS[$node] + 1))
    POD_IP[$n]=10.244.${NODE_X[$node]}.$((NODE_NPODS[$node] + 1))
    POD_NETNS[$n]=$(pod_netns "${POD_NS[$n]}" "$n")
  done
  list_lab_netns
}

# --------------------------------------------------------------------------
# Build (flanneld and the bridge plugin). The underlay and each node's eth0
# are built by capture-lib.sh, as for calico.
# --------------------------------------------------------------------------
build_node_base() { # lo, eth0, flannel device
  local n=$1 ns=nlg-$1 x=${NODE_X[$1]}
  build_node_uplink "$n"
  case "$BACKEND" in
    vxlan)
      # The attributes of flanneld's request (pkg/backend/vxlan/device.go
      # newVXLANDevice, vishvananda/netlink LinkAdd of a netlink.Vxlan):
      #   address, mtu     HardwareAddr, MTU (the external MTU - 50)
      #   txqueuelen 0     its LinkAttrs literal leaves TxQLen 0, and netlink sends
      #                    IFLA_TXQLEN 0 (probes/netlink-attributes.txt: the same
      #                    device as this command makes)
      #   id, local, dev   VxlanId, SrcAddr, VtepDevIndex
      #   nolearning       Learning false (IFLA_VXLAN_LEARNING 0)
      #   no dstport       Port 0: no IFLA_VXLAN_PORT, the kernel uses 8472;
      #                    iproute2 warns about that on stderr (kept in the build log)
      log "$ns: ip link add flannel.1 address ${NODE_VTEP[$n]} mtu 1450 txqueuelen 0 type vxlan id 1 local ${NODE_IP[$n]} dev eth0 nolearning"
      ip netns exec "$ns" ip link add flannel.1 address "${NODE_VTEP[$n]}" mtu 1450 txqueuelen 0 \
        type vxlan id 1 local "${NODE_IP[$n]}" dev eth0 nolearning 2>"$TMP_OUT/vxlan.stderr"
      sed 's/^/  stderr: /' "$TMP_OUT/vxlan.stderr" >>"$BUILD_LOG"
      sysctl_w "$ns" net/ipv6/conf/flannel.1/accept_ra 0
      nsx "$ns" ip addr add "10.244.$x.0/32" dev flannel.1
      nsx "$ns" ip link set flannel.1 up
      ;;
    udp)
      if [ "$UDP_TUN" = tuntap ]; then
        # Variant: a persistent tun made by iproute2, with no process
        # attached (no carrier).
        nsx "$ns" ip tuntap add flannel0 mode tun
        nsx "$ns" ip link set flannel0 mtu 1472
        nsx "$ns" ip addr add "10.244.$x.0/32" dev flannel0
        nsx "$ns" ip link set flannel0 up
        nsx "$ns" ip route add "$CLUSTER_CIDR" dev flannel0 scope global
        settle
        return 0
      fi
      # flanneld opens /dev/net/tun with TUNSETIFF(IFF_TUN|IFF_NO_PI, "flannel%d")
      # and keeps the fd: a non-persistent tun with carrier. A perl process
      # in the node netns plays flanneld and holds the fd until teardown.
      log "$ns: (flanneld stand-in) open /dev/net/tun; ioctl TUNSETIFF name=flannel0 flags=IFF_TUN|IFF_NO_PI; hold the fd"
      ip netns exec "$ns" perl -e '
        open(my $fh, "+<", "/dev/net/tun") or die "open /dev/net/tun: $!";
        my $ifr = pack("Z16 s x22", "flannel0", 0x0001 | 0x1000);
        ioctl($fh, 0x400454ca, $ifr) or die "TUNSETIFF: $!";
        $SIG{TERM} = sub { exit 0 };
        sleep 1 while 1;' &
      HOLDER_PIDS+=($!)
      local tries=0
      until ip netns exec "$ns" ip link show flannel0 >/dev/null 2>&1; do
        tries=$((tries + 1)); [ $tries -gt 100 ] && die "flannel0 did not appear in $ns"
        sleep 0.05
      done
      nsx "$ns" ip link set flannel0 mtu 1472
      nsx "$ns" ip addr add "10.244.$x.0/32" dev flannel0
      nsx "$ns" ip link set flannel0 up
      nsx "$ns" ip route add "$CLUSTER_CIDR" dev flannel0 scope global
      ;;
    host-gw) ;;
  esac
  settle
}

build_node_peers() { # the per-remote-node state flanneld programs
  local n=$1 ns=nlg-$1 r y err
  for r in "${NODE_NAMES[@]}"; do
    [ "$r" = "$n" ] && continue
    y=${NODE_X[$r]}
    if [ "$BACKEND" = host-gw ] || { [ "$BACKEND" = vxlan ] && [ "$DIRECT_ROUTING" = 1 ] && same_subnet "$n" "$r"; }; then
      log "$ns: ip route add 10.244.$y.0/24 via ${NODE_IP[$r]} dev eth0"
      if ! ip netns exec "$ns" ip route add "10.244.$y.0/24" via "${NODE_IP[$r]}" dev eth0 2>"$TMP_OUT/route.stderr"; then
        err=$(cat "$TMP_OUT/route.stderr")
        sed 's/^/  stderr: /' "$TMP_OUT/route.stderr" >>"$BUILD_LOG"
        mkdir -p "$TMP_OUT/$n"
        {
          printf '# ip route add 10.244.%s.0/24 via %s dev eth0   (flannel host-gw route to %s)\n' "$y" "${NODE_IP[$r]}" "$r"
          printf '%s\n' "$err"
        } >>"$TMP_OUT/$n/flannel-route-errors.txt"
      fi
    elif [ "$BACKEND" = vxlan ]; then
      nsx "$ns" ip neigh replace "10.244.$y.0" lladdr "${NODE_VTEP[$r]}" dev flannel.1 nud permanent
      nsx "$ns" bridge fdb append "${NODE_VTEP[$r]}" dev flannel.1 dst "${NODE_IP[$r]}" self permanent
      nsx "$ns" ip route add "10.244.$y.0/24" via "10.244.$y.0" dev flannel.1 onlink
    fi
  done
}

build_pods() {
  local n=$1 ns=nlg-$1 x first=1 p pns v
  x=${NODE_X[$n]}
  [ "${NODE_NPODS[$n]}" -gt 0 ] || return 0
  # The bridge plugin (containernetworking/plugins v1.9.1, bridge.go
  # ensureBridge) asks for a bridge with the config's MTU and nothing else:
  # netlink.NewLinkAttrs() sends no queue length (the kernel's 1000). The MAC
  # is pinned at creation here, by the plugin after (see README).
  nsx "$ns" ip link add cni0 address "${NODE_BRMAC[$n]}" mtu "$FLANNEL_MTU" type bridge
  sysctl_w "$ns" net/ipv6/conf/cni0/accept_ra 0
  nsx "$ns" ip link set cni0 up
  settle
  for p in "${POD_NAMES[@]}"; do
    [ "${POD_NODE[$p]}" = "$n" ] || continue
    pns=${POD_NETNS[$p]} v=${POD_VETH[$p]}
    mk_netns "$pns"
    # The bridge plugin's pair (pkg/ip/link_linux.go makeVethPair, made in the
    # pod's netns with the host end as the peer): both ends get the config's
    # MTU; the pod's eth0 no queue length (NewLinkAttrs: the kernel's 1000),
    # the host end txqueuelen 0 (the netlink.Veth literal's PeerTxQLen 0,
    # which vishvananda/netlink v1.3.1 sends); queue counts are the kernel's.
    nsx "$ns" ip link add "$v" address "${POD_VETHMAC[$p]}" mtu "$FLANNEL_MTU" txqueuelen 0 \
      type veth peer name eth0 address "${POD_MAC[$p]}" mtu "$FLANNEL_MTU" netns "$pns"
    sysctl_w "$ns" "net/ipv6/conf/$v/accept_ra" 0
    nsx "$ns" ip link set "$v" master cni0
    nsx "$ns" ip link set "$v" type bridge_slave hairpin on
    nsx "$ns" ip link set "$v" up
    if [ $first = 1 ]; then
      nsx "$ns" ip addr add "10.244.$x.1/24" brd + dev cni0
      first=0
    fi
    sysctl_w "$pns" net/ipv6/conf/eth0/accept_dad 0
    sysctl_w "$pns" net/ipv4/conf/eth0/arp_notify 1
    # Up before the address, as the bridge plugin does (SetupVeth brings the
    # link up, IPAM configures it later): with arp_notify=1 an address present
    # at NETDEV_UP time would make the kernel send a gratuitous ARP.
    nsx "$pns" ip link set eth0 up
    nsx "$pns" ip addr add "${POD_IP[$p]}/24" brd + dev eth0
    nsx "$pns" ip route add "$CLUSTER_CIDR" via "10.244.$x.1" dev eth0
    nsx "$pns" ip route add default via "10.244.$x.1" dev eth0
    settle
  done
}

build_node_final() {
  local n=$1 ns=nlg-$1 x
  x=${NODE_X[$n]}
  sysctl_w "$ns" net/ipv4/ip_forward 1
  if ip netns exec "$ns" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
    sysctl_w "$ns" net/bridge/bridge-nf-call-iptables 1
  else
    log "# $ns: /proc/sys/net/bridge/bridge-nf-call-iptables missing (br_netfilter not available)"
  fi
  local lease=10.244.$x.0/24 c=$CLUSTER_CIDR
  local masq='-m comment --comment "flanneld masq"' fwd='-m comment --comment "flanneld forward"'
  # flanneld: masq rules (nat) first, then forward rules (filter), each with
  # iptables-restore --noflush.
  cat >"$TMP_OUT/nat.rules" <<EOF
*nat
:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING $masq -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 $masq -j RETURN
-A FLANNEL-POSTRTG -s $lease -d $c $masq -j RETURN
-A FLANNEL-POSTRTG -s $c -d $lease $masq -j RETURN
-A FLANNEL-POSTRTG ! -s $c -d $lease $masq -j RETURN
-A FLANNEL-POSTRTG -s $c ! -d 224.0.0.0/4 $masq -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s $c -d $c $masq -j MASQUERADE --random-fully
COMMIT
EOF
  cat >"$TMP_OUT/filter.rules" <<EOF
*filter
:FLANNEL-FWD - [0:0]
-A FORWARD $fwd -j FLANNEL-FWD
-A FLANNEL-FWD -s $c $fwd -j ACCEPT
-A FLANNEL-FWD -d $c $fwd -j ACCEPT
COMMIT
EOF
  local t
  for t in nat filter; do
    log "$ns: iptables-restore --noflush <<EOF"
    cat "$TMP_OUT/$t.rules" >>"$BUILD_LOG"
    log "EOF"
    ip netns exec "$ns" iptables-restore --noflush <"$TMP_OUT/$t.rules"
  done
}

build_lab() {
  local n
  build_underlay
  for n in "${NODE_NAMES[@]}"; do
    build_node_base "$n"
    build_node_peers "$n"
    build_pods "$n"
    build_node_final "$n"
  done
  # A bridge port's forward_delay_timer is armed for forward_delay (15 s)
  # when the port joins, even with STP off (the port is forwarding at once).
  # Wait until every timer has run out so that ip -d link prints 0.00.
  log "# wait ${FDT_WAIT}s (bridge port forward_delay_timer)"
  sleep "$FDT_WAIT"
}

# --------------------------------------------------------------------------
# Capture
# --------------------------------------------------------------------------
route_targets() { # flannel: also every node's lease .0 (flannel device) and .1 (cni0)
  local n p s
  for p in "${POD_NAMES[@]}"; do echo "${POD_IP[$p]}"; done
  for n in "${NODE_NAMES[@]}"; do echo "${NODE_IP[$n]}"; done
  for n in "${NODE_NAMES[@]}"; do echo "10.244.${NODE_X[$n]}.0"; echo "10.244.${NODE_X[$n]}.1"; done
  for s in "${SUBNET_NAMES[@]}"; do [ "${SUBNET_GW[$s]}" != - ] && echo "${SUBNET_GW[$s]}"; done
  echo 8.8.8.8
}

capture_ns() { # capture_ns NETNS LABEL KIND(node|pod|underlay|router)
  local ns=$1 label=$2 kind=$3 dir t
  dir=$TMP_OUT/$label
  start_capture_dir "$ns" "$dir"
  run_captures "$ns" "$dir" \
    "ip route" "ip route show table local" "ip route show table all" "ip rule" \
    "ip addr" "ip link" "ip -d link" "ip neigh" "route -n" "netstat -rn" \
    "ifconfig" "ifconfig -a" "ip -br addr" "ip -br link" \
    "ip -6 route" "ip -o addr" "ip -d route" "arp -n" "ip netns list-id"
  capture_ethtool "$ns" "$dir"
  if [ "$kind" = node ] || [ "$kind" = pod ]; then
    run_captures "$ns" "$dir" "iptables-save" "iptables-save -t nat" "iptables -t nat -L -n -v" "iptables -L -n -v"
    for t in $(route_targets); do run_capture "$ns" "$dir" "ip route get $t"; done
    run_captures "$ns" "$dir" "sysctl net.ipv4.ip_forward" "sysctl net.ipv4.conf.all.rp_filter" \
      "sysctl net.bridge.bridge-nf-call-iptables"
  fi
  local br=cni0
  [ "$kind" = underlay ] && br=br0
  if [ "$kind" != pod ]; then
    run_captures "$ns" "$dir" "bridge fdb show" "bridge fdb show dev flannel.1" "brctl show" "brctl showmacs $br" \
      "bridge link" "ip neigh show dev flannel.1" "ip maddr"
  fi
  # Last, so that it also shows whether any iptables command above created
  # a table (they do not).
  if [ "$kind" = node ] || [ "$kind" = pod ]; then
    run_capture "$ns" "$dir" "nft list ruleset"
  fi
  # A tun (ARPHRD_NONE) gets a random IPv6 link-local (addrgenmode random):
  # replace it everywhere with a fixed token.
  local ll
  for ll in $(ip netns exec "$ns" ip -6 -o addr show dev flannel0 scope link 2>/dev/null | awk '{print $4}' | cut -d/ -f1); do
    sed -i "s/\b$ll\b/$TUN_LL_MASK/g" "$dir"/*.txt
  done
  return 0
}

capture_lab() {
  local n p s
  for n in "${NODE_NAMES[@]}"; do capture_ns "nlg-$n" "$n" node; done
  for p in "${POD_NAMES[@]}"; do capture_ns "${POD_NETNS[$p]}" "$p" pod; done
  for s in "${SUBNET_NAMES[@]}"; do capture_ns "nlg-ul-$s" "underlay-$s" underlay; done
  [ "$HAS_ROUTER" = 1 ] && capture_ns nlg-router router router
  {
    print_netns_tsv
    for s in "${SUBNET_NAMES[@]}"; do printf 'underlay-%s\tnlg-ul-%s\tunderlay\n' "$s" "$s"; done
    [ "$HAS_ROUTER" = 1 ] && printf 'router\tnlg-router\trouter\n'
  } >"$TMP_OUT/netns.tsv"
  return 0
}

write_versions() {
  {
    echo '$ uname -r'; uname -r
    echo '$ ip -V'; ip -V
    echo '$ iptables -V'; iptables -V
    echo '$ ethtool --version'; ethtool --version
    echo '$ brctl --version'; brctl --version
    echo '$ route --version | head -1'; route --version 2>&1 | head -1
    echo '$ bridge -V'; bridge -V
  } >"$SCRIPT_DIR/VERSIONS.txt" 2>&1
}

# --------------------------------------------------------------------------
# Probes (--probes): small experiments behind some README observations,
# written to test/golden/probes/. Namespaces nlg-probe-*.
# --------------------------------------------------------------------------
probe_ns() { # probe_ns NAME: a fresh namespace prepared like the lab ones
  mk_netns "$1"
}

pcap() { # pcap NETNS "command": print "$ command", then its stdout+stderr and a non-zero exit
  local rc=0 out
  printf '$ %s\n' "$2"
  out=$(ip netns exec "$1" bash -c "$2" 2>&1) || rc=$?
  [ -n "$out" ] && printf '%s\n' "$out"
  [ $rc = 0 ] || printf '[exit %s]\n' "$rc"
  return 0
}

probe_empty_bridge() {
  local b=nlg-probe-br p=nlg-probe-brpod
  probe_ns $b
  show() {
    pcap $b "ip link show cni0"
    pcap $b "ip addr show cni0"
    pcap $b "ip route"
    pcap $b "brctl show"
    pcap $b "bridge fdb show"
    pcap $b "ip maddr show dev cni0"
    pcap $b "ifconfig cni0"
    pcap $b "ip -d link show cni0 | sed -E 's/gc_timer [ 0-9]{3}[0-9]\.[0-9]{2}/gc_timer ####.##/'"
  }
  echo "# 0. a bridge created WITHOUT an explicit MAC (what the bridge plugin does), up, no port;"
  echo "#    its MAC is random, so only the link line's flags/state and the count of link-local addresses are shown"
  nsx $b ip link add cni0 mtu 1450 type bridge
  nsx $b ip link set cni0 up
  sleep "$SETTLE"
  pcap $b "ip link show cni0 | head -1"
  pcap $b "ip -6 addr show dev cni0 scope link | grep -c inet6"
  nsx $b ip link del cni0
  echo
  echo "# 1. cni0 created (MAC pinned, mtu 1450), up, gateway address added; no port yet"
  nsx $b ip link add cni0 address 7e:2c:91:00:00:ee mtu 1450 type bridge
  nsx $b ip link set cni0 up
  nsx $b ip addr add 10.244.9.1/24 brd + dev cni0
  sleep "$SETTLE"; show
  echo
  echo "# 2. one pod attached (veth mtu 1450, hairpin on, both ends up)"
  probe_ns $p
  nsx $b ip link add vethee000001 address 2a:33:44:09:00:02 mtu 1450 type veth peer name eth0 address 0e:11:22:09:00:02 mtu 1450 netns $p
  nsx $b ip link set vethee000001 master cni0
  nsx $b ip link set vethee000001 type bridge_slave hairpin on
  nsx $b ip link set vethee000001 up
  nsx $p ip link set eth0 up
  sleep "$SETTLE"; show
  echo
  echo "# 3. the pod's netns deleted (the veth goes with it): cni0 without ports"
  log "root: ip netns del $p"
  ip netns del $p
  sleep "$SETTLE"; show
}

probe_fdb_order() {
  local ns=nlg-probe-fdb verb m
  for verb in add append replace; do
    probe_ns $ns
    nsx $ns ip link add eth0 type veth peer name peer0
    nsx $ns ip addr add 10.1.1.1/24 dev eth0
    nsx $ns ip link add flannel.1 address 6a:1f:3c:00:00:0a type vxlan id 1 local 10.1.1.1 dev eth0 nolearning dstport 0
    nsx $ns ip link set flannel.1 up
    echo "# bridge fdb $verb of five MACs, in this order: 6a:..:0b 6a:..:0c 6a:..:0d 02:..:01 fe:..:ff"
    for m in 6a:1f:3c:00:00:0b 6a:1f:3c:00:00:0c 6a:1f:3c:00:00:0d 02:00:00:00:00:01 fe:00:00:00:00:ff; do
      nsx $ns bridge fdb $verb $m dev flannel.1 dst 10.1.1.9 self permanent
    done
    pcap $ns "bridge fdb show dev flannel.1"
    pcap $ns "bridge fdb show | grep -c 'dev flannel.1'"
    echo
    ip netns del $ns
  done
}

probe_neigh_order() {
  local ns=nlg-probe-neigh i
  echo "# three PERMANENT neighbours added in the order 10.244.1.0, 10.244.2.0, 10.244.3.0,"
  echo "# each time in a fresh netns; one line per netns (order of 'ip neigh show dev flannel.1')."
  echo "# This file is NOT deterministic: it documents that the dump order changes between builds."
  for i in 1 2 3 4 5 6 7 8; do
    probe_ns $ns
    nsx $ns ip link add eth0 type veth peer name peer0
    nsx $ns ip addr add 10.1.1.1/24 dev eth0
    nsx $ns ip link add flannel.1 type vxlan id 1 local 10.1.1.1 dev eth0 nolearning dstport 0
    nsx $ns ip link set flannel.1 up
    nsx $ns ip neigh replace 10.244.1.0 lladdr 6a:1f:3c:00:00:0c dev flannel.1 nud permanent
    nsx $ns ip neigh replace 10.244.2.0 lladdr 6a:1f:3c:00:00:0d dev flannel.1 nud permanent
    nsx $ns ip neigh replace 10.244.3.0 lladdr 6a:1f:3c:00:00:0e dev flannel.1 nud permanent
    printf 'build %s: %s\n' "$i" "$(ip netns exec $ns ip neigh show dev flannel.1 | awk '{printf "%s ", $1}')"
    ip netns del $ns
  done
}

probe_hostgw_verbs() {
  local ns=nlg-probe-hgw
  probe_ns $ns
  nsx $ns ip link add eth0 type veth peer name peer0
  nsx $ns ip addr add 10.234.2.12/24 brd + dev eth0
  nsx $ns ip link set eth0 up
  nsx $ns ip link set peer0 up
  echo "# host-gw route to a node on another subnet, with each verb (flanneld uses RouteReplace)"
  pcap $ns "ip route add 10.244.2.0/24 via 10.234.3.13 dev eth0"
  pcap $ns "ip route replace 10.244.2.0/24 via 10.234.3.13 dev eth0"
  pcap $ns "ip route append 10.244.2.0/24 via 10.234.3.13 dev eth0"
  pcap $ns "ip route add 10.244.2.0/24 via 10.234.3.13"
  echo "# the same gateway with onlink is accepted"
  pcap $ns "ip route add 10.244.2.0/24 via 10.234.3.13 dev eth0 onlink"
  pcap $ns "ip route"
  echo "# a vxlan device without dstport (as flanneld creates it): iproute2's warning on stderr"
  pcap $ns "ip link add flannel.1 type vxlan id 1 local 10.234.2.12 dev eth0 nolearning"
  pcap $ns "ip -d link show flannel.1 | grep -o 'dstport [0-9]*'"
}

probe_netlink_attrs() {
  # Each component's creation request, sent as the component sends it
  # (netlink-replica.py), against the `ip link add` the capture scripts and
  # `netlab export` use for the same device: the two must give the same
  # `ip -d link`. The queue length a request carries, 0 included, is what
  # the device keeps; one that carries none gets its kind's default.
  local ns=nlg-probe-nl
  probe_ns $ns
  replica() { log "$ns: netlink-replica.py $*"; ip netns exec $ns python3 "$SCRIPT_DIR/netlink-replica.py" "$@"; }
  nsx $ns ip link add eth0 type veth peer name peer0
  nsx $ns ip addr add 10.1.1.1/24 dev eth0
  nsx $ns ip link set eth0 up
  nsx $ns ip link set peer0 up
  show_links() { # the devices' ip -d link (and a veth's queues), without what differs between two makings (indexes, timers)
    local dev
    for dev; do
      ip netns exec $ns ip -d link show dev "$dev" |
        sed -E -e 's/^[0-9]+:/N:/' -e 's/gc_timer [ 0-9]{3}[0-9]\.[0-9]{2}/gc_timer ####.##/'
      ip netns exec $ns ethtool -S "$dev" 2>/dev/null | sed -E 's/peer_ifindex: [0-9]+/peer_ifindex: N/' || true
    done
  }
  both() { # both "DEVS" "replica args" "ip link add ..." [then...]: one device made both ways, compared
    local devs=$1 replica=$2 command=$3 then a b
    shift 3
    replica $replica
    for then; do nsx $ns bash -c "$then"; done
    a=$(show_links $devs)
    nsx $ns ip link del "${devs%% *}"
    nsx $ns bash -c "$command"
    for then; do nsx $ns bash -c "$then"; done
    b=$(show_links $devs)
    nsx $ns ip link del "${devs%% *}"
    printf '$ netlink-replica.py %s\n' "$replica"
    for then; do printf '$ %s\n' "$then"; done
    printf '$ ip -d link show dev ...; ethtool -S ...  # %s\n%s\n' "$devs" "$a"
    printf '$ %s\n' "$command"
    if [ "$a" = "$b" ]; then echo '# the same ip -d link'; else echo '# DIFFERENT:'; diff <(echo "$a") <(echo "$b") || true; fi
    echo
  }
  echo "# 0. requests that carry only a name and a kind (no IFLA_TXQLEN), and a TUN (TUNSETIFF, no netlink)"
  for kind in bridge veth; do
    echo "## netlink-replica.py bare $kind probe0"
    replica bare $kind probe0
    pcap $ns "ip link show dev probe0 | head -1 | grep -o 'qdisc .*'"
    nsx $ns ip link del probe0
  done
  echo "## ip tuntap add probe0 mode tun"
  nsx $ns ip tuntap add probe0 mode tun
  pcap $ns "ip link show dev probe0 | head -1 | grep -o 'qdisc .*'"
  nsx $ns ip link del probe0
  echo
  echo "# 1. flannel.1 (flanneld newVXLANDevice: IFLA_TXQLEN 0, no port)"
  both flannel.1 "flannel-vxlan eth0 6a:1f:3c:00:00:0b 10.1.1.1" \
    "ip link add flannel.1 address 6a:1f:3c:00:00:0b mtu 1450 txqueuelen 0 type vxlan id 1 local 10.1.1.1 dev eth0 nolearning dstport 8472" \
    "ip link set flannel.1 up"
  echo "# 2. vxlan.calico (Felix configureVXLANDevice: no queue length, no MTU in the request)"
  both vxlan.calico "calico-vxlan eth0 66:7c:1f:23:d6:0a 10.1.1.1" \
    "ip link add vxlan.calico address 66:7c:1f:23:d6:0a mtu 1450 type vxlan id 4096 local 10.1.1.1 dev eth0 dstport 4789 nolearning" \
    "ip link set vxlan.calico mtu 1450 up"
  echo "# 3. cni0 (bridge plugin ensureBridge: no queue length)"
  both cni0 "cni-bridge cni0 1450" "ip link add cni0 address 7e:2c:91:00:00:0b mtu 1450 type bridge" \
    "ip link set cni0 address 7e:2c:91:00:00:0b up"
  echo "# 4. the bridge plugin's veth pair (makeVethPair: the pod end without a queue length, the host end IFLA_TXQLEN 0)"
  both "eth9 veth1a2b3c4d" "cni-veth eth9 veth1a2b3c4d 1450" \
    "ip link add veth1a2b3c4d address 2a:33:44:01:01:02 mtu 1450 txqueuelen 0 type veth peer name eth9 address 0e:11:22:01:01:02 mtu 1450" \
    "ip link set veth1a2b3c4d address 2a:33:44:01:01:02 up && ip link set eth9 address 0e:11:22:01:01:02 up"
  echo "# 5. calico's veth pair (DoWorkloadNetnsSetUp: one TX and one RX queue on both ends, no queue length)"
  both "eth8 cali5e1c4d6c68c" "calico-veth eth8 cali5e1c4d6c68c 1500" \
    "ip link add eth8 address 0e:11:22:01:00:02 mtu 1500 numtxqueues 1 numrxqueues 1 type veth peer name cali5e1c4d6c68c address ee:ee:ee:ee:ee:ee mtu 1500 numtxqueues 1 numrxqueues 1" \
    "ip link set cali5e1c4d6c68c address ee:ee:ee:ee:ee:ee up && ip link set eth8 address 0e:11:22:01:00:02 up"
  echo "# 6. docker0 (moby setupDevice: IFLA_TXQLEN 0 and the MAC; the MTU set after)"
  both docker0 "docker0 02:42:ac:11:00:99" "ip link add docker0 address 02:42:ac:11:00:99 txqueuelen 0 type bridge" \
    "ip link set docker0 mtu 1500 up"
  echo "# kube-ipvs0 (kube-proxy EnsureDummyDevice: IFLA_TXQLEN 0) cannot be made here: this kernel has no dummy driver."
  ip netns del $ns
}

run_probes() {
  local dir=$SCRIPT_DIR/probes
  mkdir -p "$dir"
  TMP_OUT=$(mktemp -d "$dir/.capture.XXXXXX")
  BUILD_LOG=$TMP_OUT/probe-commands.txt
  : >"$BUILD_LOG"
  probe_empty_bridge >"$TMP_OUT/empty-bridge.txt"
  probe_fdb_order >"$TMP_OUT/vxlan-fdb-order.txt"
  probe_neigh_order >"$TMP_OUT/neigh-order.txt"
  probe_hostgw_verbs >"$TMP_OUT/hostgw-route-verbs.txt"
  probe_netlink_attrs >"$TMP_OUT/netlink-attributes.txt"
  mv "$TMP_OUT"/*.txt "$dir/"
  echo "probes written to $dir"
}

# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
[ $# -ge 1 ] || die "usage: $0 <lab> [OUTDIR] | --teardown <lab> | --list"
if [ "$1" = --list ]; then echo "$LABS" | tr ' ' '\n'; exit 0; fi
if [ "$1" = --compare ]; then
  # --compare DIR1 DIR2: the determinism check. Files whose line order the
  # kernel does not keep stable between two builds (see README) are
  # compared as sorted multisets; everything else byte for byte.
  [ $# -eq 3 ] || die "usage: $0 --compare DIR1 DIR2"
  bad=0
  while IFS= read -r f; do
    if [ ! -e "$3/$f" ]; then echo "only in $2: $f"; bad=1; continue; fi
    case "$(basename "$f")" in
      ip_neigh.txt | ip_neigh_show_dev_flannel.1.txt | arp_-n.txt | ip_route_show_table_all.txt)
        if ! cmp -s <(sort "$2/$f") <(sort "$3/$f"); then echo "differs (as a set): $f"; bad=1; fi ;;
      *)
        if ! cmp -s "$2/$f" "$3/$f"; then echo "differs: $f"; diff "$2/$f" "$3/$f" | head -20; bad=1; fi ;;
    esac
  done < <(cd "$2" && find . -type f | sort)
  while IFS= read -r f; do [ -e "$2/$f" ] || { echo "only in $3: $f"; bad=1; }; done < <(cd "$3" && find . -type f | sort)
  [ $bad = 0 ] && echo "identical (modulo the documented unordered files)"
  exit $bad
fi
[ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces)"

if [ "$1" = --probes ]; then
  for ns in nlg-probe-br nlg-probe-brpod nlg-probe-fdb nlg-probe-neigh nlg-probe-hgw nlg-probe-nl; do
    netns_exists "$ns" && die "netns $ns already exists"
  done
  trap teardown EXIT
  trap 'exit 130' INT TERM
  run_probes
  exit 0
fi

if [ "$1" = --teardown ]; then teardown_command "$@"; exit 0; fi

load_lab "$1"
OUT=${2:-$SCRIPT_DIR/$LAB}
check_no_leftovers
require_tools ip bridge brctl ethtool iptables iptables-save iptables-restore route netstat ifconfig arp perl sha256sum
start_capture "$OUT"

build_lab
capture_lab
rm -f "$TMP_OUT"/*.rules "$TMP_OUT"/*.stderr

install_capture "$OUT"
[ "$OUT" = "$SCRIPT_DIR/$LAB" ] && write_versions
echo "captured $LAB into $OUT"
