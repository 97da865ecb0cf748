# capture-lib.sh: what capture.sh (flannel) and capture-calico.sh build and
# capture the same way. Sourced by both, never run on its own; the caller has
# already set `set -euo pipefail` and LC_ALL=C.
#
# The caller provides:
#   load_lab LAB   fills SUBNETS/NODES/PODS and the derived tables (it calls
#                  load_subnets and list_lab_netns from here), and sets
#                  NODE_NAMES, NODE_SUBNET, NODE_MAC, NODE_IP, POD_NAMES,
#                  POD_NETNS
#   TMP_OUT, BUILD_LOG (set by start_capture)
# Everything a CNI builds differently (the node's overlay device, the pods,
# the routes, which commands are captured where) stays in the scripts.

# Underlay plumbing that the topology does not pin (it is not visible from the
# nodes except as the @ifN peer index): MACs are fixed here so that the
# underlay/router captures are deterministic too.
#   br0 of subnet k (1-based)               02:6e:6c:67:0k:00
#   underlay end of node n's eth0 (1-based) 02:6e:6c:67:0k:<n in hex, 2 digits>
#   underlay end of the router leg          02:6e:6c:67:0k:fd
#   router leg eth<k-1>                     02:6e:6c:67:0k:fe
ul_mac() { printf '02:6e:6c:67:%02x:%02x' "$1" "$2"; }

SETTLE=${SETTLE:-1.5} # seconds; see README ("counters")

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
die() { echo "${0##*/}: $*" >&2; exit 2; }

pod_netns() { # namespace pod -> cni-<uuid> (first 32 hex of sha256, 8-4-4-4-12)
  local h
  h=$(printf '%s' "netns/$1/$2" | sha256sum | cut -c1-32)
  printf 'cni-%s-%s-%s-%s-%s' "${h:0:8}" "${h:8:4}" "${h:12:4}" "${h:16:4}" "${h:20:12}"
}

field() { # field N "space separated record": the Nth word (1-based)
  local words
  read -ra words <<<"$2"
  printf '%s' "${words[$(($1 - 1))]}"
}

load_subnets() { # SUBNETS ("name cidr gateway mtu", gateway "-" = none) -> SUBNET_* and HAS_ROUTER
  declare -gA SUBNET_K SUBNET_CIDR SUBNET_GW SUBNET_MTU
  SUBNET_NAMES=()
  local r k=0 n
  for r in "${SUBNETS[@]}"; do
    n=$(field 1 "$r"); k=$((k + 1))
    SUBNET_NAMES+=("$n"); SUBNET_K[$n]=$k
    SUBNET_CIDR[$n]=$(field 2 "$r"); SUBNET_GW[$n]=$(field 3 "$r"); SUBNET_MTU[$n]=$(field 4 "$r")
  done
  HAS_ROUTER=0
  for n in "${SUBNET_NAMES[@]}"; do [ "${SUBNET_GW[$n]}" != - ] && HAS_ROUTER=1; done
  return 0
}

list_lab_netns() { # LAB_NETNS: every namespace the lab creates, in creation order
  local n
  LAB_NETNS=()
  for n in "${SUBNET_NAMES[@]}"; do LAB_NETNS+=("nlg-ul-$n"); done
  [ "$HAS_ROUTER" = 1 ] && LAB_NETNS+=(nlg-router)
  for n in "${NODE_NAMES[@]}"; do LAB_NETNS+=("nlg-$n"); done
  for n in "${POD_NAMES[@]}"; do LAB_NETNS+=("${POD_NETNS[$n]}"); done
  return 0
}

netns_exists() { [ -e "/run/netns/$1" ]; }

same_subnet() { [ "${NODE_SUBNET[$1]}" = "${NODE_SUBNET[$2]}" ]; }

# --------------------------------------------------------------------------
# Teardown (EXIT trap): only what this run created.
# --------------------------------------------------------------------------
CREATED_NETNS=()
HOLDER_PIDS=() # processes that hold a device open (flannel udp's flanneld stand-in)
teardown() {
  local rc=$? pid ns i
  set +e
  for pid in "${HOLDER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  for ((i = ${#CREATED_NETNS[@]} - 1; i >= 0; i--)); do
    ns=${CREATED_NETNS[$i]}
    netns_exists "$ns" && ip netns del "$ns"
  done
  [ -n "${TMP_OUT:-}" ] && [ -d "$TMP_OUT" ] && rm -rf "$TMP_OUT"
  return $rc
}

teardown_command() { # teardown_command --teardown LAB: delete the namespaces a killed run of LAB left
  [ $# -eq 2 ] || die "usage: $0 --teardown <lab>"
  load_lab "$2"
  local ns pid
  for ns in "${LAB_NETNS[@]}"; do
    if netns_exists "$ns"; then
      # a flanneld stand-in may still hold the namespace
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
      ip netns del "$ns" && echo "deleted $ns"
    fi
  done
  return 0
}

# --------------------------------------------------------------------------
# Build. Every command is logged to build-commands.txt as "<netns>: <cmd>".
# --------------------------------------------------------------------------
log() { printf '%s\n' "$*" >>"$BUILD_LOG"; }

nsx() { # nsx NETNS cmd... : run in NETNS, log it
  local ns=$1; shift
  log "$ns: $*"
  ip netns exec "$ns" "$@"
}

sysctl_w() { # sysctl_w NETNS key value  (key with '/' separators, as under /proc/sys)
  log "$1: sysctl -w $(echo "$2" | tr / .)=$3"
  ip netns exec "$1" sh -c "echo $3 > /proc/sys/$2"
}

mk_netns() {
  local ns=$1
  log "root: ip netns add $ns"
  ip netns add "$ns"
  CREATED_NETNS+=("$ns")
  # Before any link exists: no DAD (no 'tentative'), no router solicitations
  # (they would repeat for ever and move the counters).
  sysctl_w "$ns" net/ipv6/conf/all/accept_dad 0
  sysctl_w "$ns" net/ipv6/conf/default/accept_dad 0
  sysctl_w "$ns" net/ipv6/conf/all/router_solicitations 0
  sysctl_w "$ns" net/ipv6/conf/default/router_solicitations 0
  nsx "$ns" ip link set lo up
}

settle() { log "# settle ${SETTLE}s"; sleep "$SETTLE"; }

build_underlay() { # a bridge per subnet, then a router with a leg on each subnet that has a gateway
  local s k gw pfx
  for s in "${SUBNET_NAMES[@]}"; do
    k=${SUBNET_K[$s]}
    mk_netns "nlg-ul-$s"
    nsx "nlg-ul-$s" ip link add br0 address "$(ul_mac "$k" 0)" mtu "${SUBNET_MTU[$s]}" type bridge
    nsx "nlg-ul-$s" ip link set br0 up
  done
  settle
  [ "$HAS_ROUTER" = 1 ] || return 0
  mk_netns nlg-router
  sysctl_w nlg-router net/ipv4/ip_forward 1
  for s in "${SUBNET_NAMES[@]}"; do
    gw=${SUBNET_GW[$s]}; [ "$gw" = - ] && continue
    k=${SUBNET_K[$s]}; pfx=${SUBNET_CIDR[$s]#*/}
    nsx nlg-router ip link add "eth$((k - 1))" address "$(ul_mac "$k" 254)" mtu "${SUBNET_MTU[$s]}" \
      type veth peer name to-router address "$(ul_mac "$k" 253)" mtu "${SUBNET_MTU[$s]}" netns "nlg-ul-$s"
    nsx "nlg-ul-$s" ip link set to-router master br0
    nsx "nlg-ul-$s" ip link set to-router up
    nsx nlg-router ip addr add "$gw/$pfx" brd + dev "eth$((k - 1))"
    nsx nlg-router ip link set "eth$((k - 1))" up
  done
  settle
}

build_node_uplink() { # the node's netns, lo, eth0 on its subnet's br0, the default route
  local n=$1 ns=nlg-$1 s k idx pfx m
  s=${NODE_SUBNET[$n]}; k=${SUBNET_K[$s]}; pfx=${SUBNET_CIDR[$s]#*/}
  mk_netns "$ns"
  idx=0; for m in "${NODE_NAMES[@]}"; do idx=$((idx + 1)); [ "$m" = "$n" ] && break; done
  nsx "$ns" ip link add eth0 address "${NODE_MAC[$n]}" mtu "${SUBNET_MTU[$s]}" \
    type veth peer name "to-$n" address "$(ul_mac "$k" "$idx")" mtu "${SUBNET_MTU[$s]}" netns "nlg-ul-$s"
  nsx "nlg-ul-$s" ip link set "to-$n" master br0
  nsx "nlg-ul-$s" ip link set "to-$n" up
  nsx "$ns" ip addr add "${NODE_IP[$n]}/$pfx" brd + dev eth0
  nsx "$ns" ip link set eth0 up
  if [ "${SUBNET_GW[$s]}" != - ]; then
    nsx "$ns" ip route add default via "${SUBNET_GW[$s]}" dev eth0
  fi
  settle
}

# --------------------------------------------------------------------------
# Capture
# --------------------------------------------------------------------------
cmd_file() { # command -> file stem: spaces -> '_', slashes removed
  printf '%s' "$1" | tr ' ' '_' | tr -d '/'
}

# Masks for values the kernel does not reproduce (see README).
mask_file() {
  local stem=$1 f=$2
  case "$stem" in
    iptables-save*)
      sed -i -E -e 's/^(# Generated by .* on ).*$/\1DATE/' -e 's/^(# Completed on ).*$/\1DATE/' "$f" ;;
    brctl_showmacs_*)
      # learned entries (is local? = no): the ageing timer runs
      sed -i -E 's/^(.*[[:space:]]no[[:space:]]+)[ 0-9]{3}[0-9]\.[0-9]{2}$/\1####.##/' "$f" ;;
    ip_-d_link*)
      sed -i -E 's/gc_timer [ 0-9]{3}[0-9]\.[0-9]{2}/gc_timer ####.##/' "$f" ;;
  esac
  return 0
}

run_capture() { # run_capture NETNS DIR "command" [TSV]: stdout, stderr if any, a row in TSV (commands.tsv)
  local ns=$1 dir=$2 cmd=$3 tsv=${4:-commands.tsv} stem rc=0
  stem=$(cmd_file "$cmd")
  ip netns exec "$ns" bash -c "$cmd" >"$dir/$stem.txt" 2>"$dir/$stem.stderr" || rc=$?
  [ -s "$dir/$stem.stderr" ] || rm -f "$dir/$stem.stderr"
  mask_file "$stem" "$dir/$stem.txt"
  [ -e "$dir/$tsv" ] || printf 'file\texit\tcommand\n' >"$dir/$tsv"
  printf '%s\t%s\t%s\n' "$stem.txt" "$rc" "$cmd" >>"$dir/$tsv"
}

run_captures() { # run_captures NETNS DIR "command"...: each in order
  local ns=$1 dir=$2 cmd
  shift 2
  for cmd in "$@"; do run_capture "$ns" "$dir" "$cmd"; done
}

ns_devices() { # the device names of NETNS in ifindex order, without the @peer suffix
  ip netns exec "$1" ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//'
}

capture_ethtool() { # ethtool -S and -i of every device of NETNS but lo
  local ns=$1 dir=$2 dev
  for dev in $(ns_devices "$ns"); do
    [ "$dev" = lo ] && continue
    run_capture "$ns" "$dir" "ethtool -S $dev"
    run_capture "$ns" "$dir" "ethtool -i $dev"
  done
}

start_capture_dir() { # start_capture_dir NETNS DIR: DIR with its commands.tsv, counters first
  mkdir -p "$2"
  printf 'file\texit\tcommand\n' >"$2/commands.tsv"
  # Counters first, before anything else runs.
  run_capture "$1" "$2" "ip -s link"
}

print_netns_tsv() { # header, then the nodes and the pods (the caller may append more rows)
  local n p
  printf 'label\tnetns\tkind\n'
  for n in "${NODE_NAMES[@]}"; do printf '%s\tnlg-%s\tnode\n' "$n" "$n"; done
  for p in "${POD_NAMES[@]}"; do printf '%s\t%s\tpod\n' "$p" "${POD_NETNS[$p]}"; done
}

# --------------------------------------------------------------------------
# Main steps
# --------------------------------------------------------------------------
check_no_leftovers() { # refuse to run if any namespace of the lab exists
  local ns
  for ns in "${LAB_NETNS[@]}"; do
    netns_exists "$ns" && die "netns $ns already exists (leftover? run: $0 --teardown $LAB)"
  done
  return 0
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
  done
}

start_capture() { # start_capture OUT: a scratch dir inside OUT, the EXIT trap, an empty build log
  mkdir -p "$1"
  TMP_OUT=$(mktemp -d "$1/.capture.XXXXXX")
  trap teardown EXIT
  trap 'exit 130' INT TERM
  BUILD_LOG=$TMP_OUT/build-commands.txt
  : >"$BUILD_LOG"
}

install_capture() { # install_capture OUT: replace what a previous capture wrote (only our own outputs)
  local out=$1 d f
  for d in "$TMP_OUT"/*/; do
    d=$(basename "$d"); rm -rf "${out:?}/$d"; mv "$TMP_OUT/$d" "$out/$d"
  done
  for f in build-commands.txt netns.tsv; do mv "$TMP_OUT/$f" "$out/$f"; done
}
