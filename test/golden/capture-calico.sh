#!/usr/bin/env bash
# capture-calico.sh: build a calico golden lab for real in Linux network
# namespaces, the way calico's CNI plugin, BIRD (bgp) and Felix (vxlan)
# program a node, run the real tools in every node and pod namespace, store
# their outputs as golden files, and tear everything down again.
#
#   bash test/golden/capture-calico.sh <lab> [OUTDIR]   build, capture, tear down
#   bash test/golden/capture-calico.sh --teardown <lab> delete leftovers of <lab>
#   bash test/golden/capture-calico.sh --list           list the labs
#
# <lab> is calico-bgp or calico-vxlan (directories next to this script);
# calico-ipip cannot be built here: this kernel has no ipip module (tunl0).
# Same rules as capture.sh (see README.md): the per-lab parameters below are
# copied by hand from <lab>/topology.yaml, names that calico derives
# (cali<sha1>, the VTEP MAC) are computed here with sha1sum, no netlab code
# is used. Needs root. It only creates namespaces named nlg-* and
# cni-<uuid> (refusing to run if one exists), adds nothing to the root
# namespace, sends only bounded probes (ping -c 1 -W 1, traceroute -q 1 -w 1
# -m 5) between its own namespaces, and deletes every namespace it created in
# an EXIT trap.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=capture-lib.sh
. "$SCRIPT_DIR/capture-lib.sh" # shared with capture.sh: helpers, underlay, eth0, capture plumbing

# --------------------------------------------------------------------------
# Lab tables (copied from <lab>/topology.yaml)
#   SUBNETS: name cidr gateway mtu
#   NODES:   name ip subnet mac block
#   PODS:    name namespace node ip mac
# --------------------------------------------------------------------------
lab_common() {
  SUBNETS=(
    "rack-1 10.234.2.0/24 10.234.2.254 1500"
    "rack-2 10.234.3.0/24 10.234.3.254 1500"
  )
  NODES=(
    "node-01 10.234.2.11 rack-1 52:54:00:12:34:0b 10.244.96.0/26"
    "node-02 10.234.2.12 rack-1 52:54:00:12:34:0c 10.244.153.64/26"
    "node-03 10.234.3.13 rack-2 52:54:00:12:34:0d 10.244.20.128/26"
  )
  PODS=(
    "pod-a default node-01 10.244.96.1 0e:11:22:01:00:02"
    "pod-b default node-01 10.244.96.2 0e:11:22:01:00:03"
    "pod-c default node-02 10.244.153.65 0e:11:22:01:01:02"
    "pod-d default node-03 10.244.20.129 0e:11:22:01:02:02"
  )
  # Addresses of each node's block that no pod has: the blackhole answers for them.
  UNUSED=(10.244.96.40 10.244.153.100)
}
lab_calico_bgp() { MODE=bgp; lab_common; }
lab_calico_vxlan() { MODE=vxlan; lab_common; }
LABS="calico-bgp calico-vxlan"

cali_name() { printf 'cali%s' "$(printf '%s' "$1.$2" | sha1sum | cut -c1-11)"; } # libcalico-go VethNameForWorkload
vtep_mac() { # Felix vtepMACForHost: 0x66, then sha1(nodename)[0:5]
  local h
  h=$(printf '%s' "$1" | sha1sum)
  printf '66:%s:%s:%s:%s:%s' "${h:0:2}" "${h:2:2}" "${h:4:2}" "${h:6:2}" "${h:8:2}"
}
block_addr() { printf '%s' "${1%/*}"; } # ordinal 0 of a block: the VXLAN tunnel address

load_lab() {
  LAB=$1
  case "$LAB" in
    calico-bgp) lab_calico_bgp ;;
    calico-vxlan) lab_calico_vxlan ;;
    calico-ipip) die "calico-ipip cannot be built on this kernel: there is no ipip module (no tunl0); netlab's IPIP formats are checked against published outputs (test/render/tun.test.ts)" ;;
    *) die "unknown lab '$LAB' (labs: $LABS)" ;;
  esac
  [ "$MODE" = vxlan ] && POD_MTU=1450 || POD_MTU=1500
  load_subnets
  declare -gA NODE_IP NODE_SUBNET NODE_MAC NODE_BLOCK POD_NS POD_NODE POD_IP POD_MAC POD_NETNS POD_VETH
  NODE_NAMES=() POD_NAMES=()
  local r n
  for r in "${NODES[@]}"; do
    n=$(field 1 "$r"); NODE_NAMES+=("$n")
    NODE_IP[$n]=$(field 2 "$r"); NODE_SUBNET[$n]=$(field 3 "$r"); NODE_MAC[$n]=$(field 4 "$r"); NODE_BLOCK[$n]=$(field 5 "$r")
  done
  for r in "${PODS[@]}"; do
    n=$(field 1 "$r"); POD_NAMES+=("$n")
    POD_NS[$n]=$(field 2 "$r"); POD_NODE[$n]=$(field 3 "$r"); POD_IP[$n]=$(field 4 "$r"); POD_MAC[$n]=$(field 5 "$r")
    POD_NETNS[$n]=$(pod_netns "${POD_NS[$n]}" "$n"); POD_VETH[$n]=$(cali_name "${POD_NS[$n]}" "$n")
  done
  list_lab_netns
}

# --------------------------------------------------------------------------
# Build (calico's CNI plugin, BIRD, Felix). The underlay and each node's eth0
# are built by capture-lib.sh, exactly as for flannel. Every subnet of these
# labs has a gateway, so there is always a router and a default route.
# --------------------------------------------------------------------------
build_node_base() { # lo, eth0, default route; vxlan: vxlan.calico as Felix creates it
  local n=$1 ns=nlg-$1
  build_node_uplink "$n"
  if [ "$MODE" = vxlan ]; then
    # netlink.Vxlan{VxlanId: 4096, VtepDevIndex: eth0, SrcAddr: node IP, Port: 4789, Learning: false}, MTU 1450
    # (Felix v3.30 vxlan_mgr.go configureVXLANDevice): NewLinkAttrs() sends no queue length, the kernel's 1000.
    nsx "$ns" ip link add vxlan.calico address "$(vtep_mac "$n")" mtu 1450 type vxlan id 4096 local "${NODE_IP[$n]}" dev eth0 dstport 4789 nolearning
    nsx "$ns" ip addr add "$(block_addr "${NODE_BLOCK[$n]}")/32" dev vxlan.calico
    nsx "$ns" ip link set vxlan.calico up
    settle
  fi
  sysctl_w "$ns" net/ipv4/ip_forward 1
}

build_node_routes() { # BIRD (bgp) or Felix (vxlan): the own block, then every other node's
  local n=$1 ns=nlg-$1 r
  if [ "$MODE" = bgp ]; then
    nsx "$ns" ip route add blackhole "${NODE_BLOCK[$n]}" proto bird
  else
    nsx "$ns" ip route add blackhole "${NODE_BLOCK[$n]}" proto 80
  fi
  for r in "${NODE_NAMES[@]}"; do
    [ "$r" = "$n" ] && continue
    if [ "$MODE" = bgp ]; then
      if same_subnet "$n" "$r"; then
        nsx "$ns" ip route add "${NODE_BLOCK[$r]}" via "${NODE_IP[$r]}" dev eth0 proto bird
      else
        # BIRD resolves the BGP next hop recursively: via this node's gateway.
        nsx "$ns" ip route add "${NODE_BLOCK[$r]}" via "${SUBNET_GW[${NODE_SUBNET[$n]}]}" dev eth0 proto bird
      fi
    else
      local tun
      tun=$(block_addr "${NODE_BLOCK[$r]}")
      nsx "$ns" ip neigh replace "$tun" lladdr "$(vtep_mac "$r")" dev vxlan.calico nud permanent
      nsx "$ns" bridge fdb append "$(vtep_mac "$r")" dev vxlan.calico dst "${NODE_IP[$r]}" self permanent
      if same_subnet "$n" "$r"; then
        nsx "$ns" ip route add "${NODE_BLOCK[$r]}" via "${NODE_IP[$r]}" dev eth0 proto 80 onlink
      else
        nsx "$ns" ip route add "${NODE_BLOCK[$r]}" via "$tun" dev vxlan.calico onlink
      fi
    fi
  done
}

build_pods() { # calico's CNI plugin, DoNetworking
  local n=$1 ns=nlg-$1 p pns v
  for p in "${POD_NAMES[@]}"; do
    [ "${POD_NODE[$p]}" = "$n" ] || continue
    pns=${POD_NETNS[$p]} v=${POD_VETH[$p]}
    mk_netns "$pns"
    # One request, sent in the pod's netns (v3.30 dataplane_linux.go DoWorkloadNetnsSetUp), makes
    # eth0 there and its peer, the host end, straight in the node's netns (PeerNamespace: since
    # v3.27 the host end is no longer moved out afterwards), so each end takes the next index of
    # its own netns. Both ends: the config's MTU and num_queues (1 unless configured) TX and RX
    # queues, no queue length (the kernel's 1000). The host end's MAC ee:ee:ee:ee:ee:ee is set
    # right after (LinkSetHardwareAddr), given at creation here: the same address, "set".
    nsx "$pns" ip link add eth0 address "${POD_MAC[$p]}" mtu "$POD_MTU" numtxqueues 1 numrxqueues 1 \
      type veth peer name "$v" address ee:ee:ee:ee:ee:ee mtu "$POD_MTU" numtxqueues 1 numrxqueues 1 netns "$ns"
    # configureSysctls on the host end (rp_filter: Felix), the host end up, then eth0 up.
    sysctl_w "$ns" "net/ipv4/conf/$v/route_localnet" 1
    sysctl_w "$ns" "net/ipv4/neigh/$v/proxy_delay" 0
    sysctl_w "$ns" "net/ipv4/conf/$v/proxy_arp" 1
    sysctl_w "$ns" "net/ipv4/conf/$v/forwarding" 1
    sysctl_w "$ns" "net/ipv6/conf/$v/accept_ra" 0
    sysctl_w "$ns" "net/ipv4/conf/$v/rp_filter" 1
    nsx "$ns" ip link set "$v" up
    nsx "$pns" ip link set eth0 up
    # In the pod: the gateway's link route and the default route, then the address.
    nsx "$pns" ip route add 169.254.1.1 dev eth0 scope link
    nsx "$pns" ip route add default via 169.254.1.1 dev eth0
    nsx "$pns" ip addr add "${POD_IP[$p]}/32" dev eth0
    # SetupRoutes, on the node.
    nsx "$ns" ip route add "${POD_IP[$p]}" dev "$v" scope link
    settle
  done
}

build_lab() {
  local n
  build_underlay
  for n in "${NODE_NAMES[@]}"; do
    build_node_base "$n"
    build_node_routes "$n"
    build_pods "$n"
  done
}

# --------------------------------------------------------------------------
# Capture (the state first, then the probes, which teach neighbour tables)
# --------------------------------------------------------------------------
# State captures go to commands.tsv, the probes to probes.tsv (run_capture's TSV argument).

route_targets() { # calico: also the pods' gateway 169.254.1.1; no lease .0/.1 (no flannel device, no cni0)
  local n p s
  for p in "${POD_NAMES[@]}"; do echo "${POD_IP[$p]}"; done
  for n in "${NODE_NAMES[@]}"; do echo "${NODE_IP[$n]}"; done
  for s in "${SUBNET_NAMES[@]}"; do echo "${SUBNET_GW[$s]}"; done
  echo 169.254.1.1
  echo 8.8.8.8
}

capture_ns() { # capture_ns NETNS LABEL KIND(node|pod)
  local ns=$1 label=$2 kind=$3 dir dev t
  dir=$TMP_OUT/$label
  start_capture_dir "$ns" "$dir"
  # capture.sh's list without "ifconfig -a" and "ip netns list-id" (these
  # labs were taken without them; the goldens and their commands.tsv follow).
  run_captures "$ns" "$dir" \
    "ip route" "ip route show table local" "ip route show table all" "ip rule" "ip addr" "ip link" "ip -d link" \
    "ip neigh" "route -n" "netstat -rn" "ifconfig" "ip -br addr" "ip -br link" "ip -6 route" "ip -o addr" "ip -d route" "arp -n"
  capture_ethtool "$ns" "$dir"
  for t in $(route_targets); do run_capture "$ns" "$dir" "ip route get $t"; done
  run_capture "$ns" "$dir" "sysctl net.ipv4.ip_forward"
  if [ "$kind" = node ]; then
    for dev in $(ns_devices "$ns" | grep '^cali' || true); do
      run_capture "$ns" "$dir" "sysctl net.ipv4.conf.$dev.proxy_arp net.ipv4.conf.$dev.forwarding net.ipv4.conf.$dev.route_localnet"
    done
    run_captures "$ns" "$dir" "bridge fdb show" "ip maddr"
    if [ "$MODE" = vxlan ]; then
      run_captures "$ns" "$dir" "ip neigh show dev vxlan.calico" "bridge fdb show dev vxlan.calico"
    fi
  fi
}

probe_all() { # bounded probes between the lab's own namespaces, listed in probes.tsv (test/golden/calico-probes.test.ts)
  local a=${POD_NETNS[pod-a]} dir=$TMP_OUT/pod-a ndir=$TMP_OUT/node-01 u
  run_capture "$a" "$dir" "ping -c 1 -W 1 ${POD_IP[pod-b]}" probes.tsv
  run_capture "$a" "$dir" "ping -c 1 -W 1 ${POD_IP[pod-c]}" probes.tsv
  run_capture "$a" "$dir" "ping -c 1 -W 1 ${POD_IP[pod-d]}" probes.tsv
  run_capture "$a" "$dir" "ping -c 1 -W 1 ${NODE_IP[node-02]}" probes.tsv
  for u in "${UNUSED[@]}"; do run_capture "$a" "$dir" "ping -c 1 -W 1 $u" probes.tsv; done
  run_capture "$a" "$dir" "traceroute -n -q 1 -w 1 -m 5 ${POD_IP[pod-b]}" probes.tsv
  run_capture "$a" "$dir" "traceroute -n -q 1 -w 1 -m 5 ${POD_IP[pod-c]}" probes.tsv
  run_capture "$a" "$dir" "traceroute -n -q 1 -w 1 -m 5 ${POD_IP[pod-d]}" probes.tsv
  run_capture "$a" "$dir" "ping -c 1 -W 1 -M do -s $((POD_MTU - 28)) ${POD_IP[pod-c]}" probes.tsv
  run_capture "$a" "$dir" "ping -c 1 -W 1 -M do -s $((POD_MTU - 27)) ${POD_IP[pod-c]}" probes.tsv
  run_capture nlg-node-01 "$ndir" "ping -c 1 -W 1 ${POD_IP[pod-a]}" probes.tsv
  run_capture nlg-node-01 "$ndir" "ping -c 1 -W 1 ${POD_IP[pod-c]}" probes.tsv
}

capture_lab() {
  local n p
  for n in "${NODE_NAMES[@]}"; do capture_ns "nlg-$n" "$n" node; done
  for p in "${POD_NAMES[@]}"; do capture_ns "${POD_NETNS[$p]}" "$p" pod; done
  probe_all
  print_netns_tsv >"$TMP_OUT/netns.tsv"
}

# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
[ $# -ge 1 ] || die "usage: $0 <lab> [OUTDIR] | --teardown <lab> | --list"
if [ "$1" = --list ]; then echo "$LABS" | tr ' ' '\n'; exit 0; fi
[ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces)"
if [ "$1" = --teardown ]; then teardown_command "$@"; exit 0; fi

load_lab "$1"
OUT=${2:-$SCRIPT_DIR/$LAB}
check_no_leftovers
require_tools ip bridge ethtool route netstat ifconfig arp ping traceroute sha1sum sha256sum
start_capture "$OUT"

build_lab
capture_lab

install_capture "$OUT"
echo "captured $LAB into $OUT"
