/**
 * The bash around the build steps: guards (root, tools, kernel features,
 * leftovers of an earlier build), the helpers the steps call, the error
 * trap that names the failed step and deletes what the run created, and the
 * teardown. Pure: data in, script lines out.
 */
import { QUIET_SYSCTLS, type Step } from './steps.js';
import { heredocDelimiter, shellLine, shellWord } from './shell.js';
import { TUN_HOLDER_PERL } from './tun-holder.js';

export interface ScriptSpec {
  /** First comment lines: what lab, from where. */
  readonly title: readonly string[];
  readonly prefix: string;
  /** Every namespace the build creates, in creation order. */
  readonly netns: readonly string[];
  /** Kernel link kinds to probe for before building (veth, bridge, vxlan, tun, ipip, dummy). */
  readonly linkKinds: readonly string[];
  /** Commands that must be on PATH. */
  readonly tools: readonly string[];
  readonly steps: readonly Step[];
}

const USAGE = [
  'usage: sudo bash $ME [-v] [--rebuild | --teardown]',
  '  (no option)  build the lab; refuses when one of its namespaces already exists',
  '  --teardown   delete every namespace of this lab (and the processes in them)',
  '  --rebuild    --teardown, then build',
  '  -v           print each step as it runs',
  'NETLAB_KEEP=1: on failure, keep what was built (for a look) instead of deleting it',
];

/** Shared by the build and the teardown-only script. */
function common(spec: ScriptSpec): string[] {
  return [
    'set -Eeuo pipefail',
    'export LC_ALL=C',
    'ME=${0##*/}',
    `PREFIX=${shellWord(spec.prefix)}`,
    '# Every namespace of the lab, in creation order (teardown goes backwards).',
    'LAB_NETNS=(',
    ...spec.netns.map((n) => `  ${shellWord(n)}`),
    ')',
    '',
    'die() { printf \'%s: %s\\n\' "$ME" "$*" >&2; exit 2; }',
    'exists() { [ -e "/run/netns/$1" ]; }',
    'need_root() { [ "$(id -u)" = 0 ] || die "must run as root: it creates network namespaces (sudo bash $0)"; }',
    '',
    '# Stops the processes in a namespace (a TUN holder), then deletes it.',
    'delete_netns() {',
    '  local pid i',
    '  for pid in $(ip netns pids "$1" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done',
    '  for ((i = 0; i < 50; i++)); do [ -z "$(ip netns pids "$1" 2>/dev/null)" ] && break; sleep 0.02; done',
    '  ip netns del "$1"',
    '}',
    '',
    'teardown() {',
    '  local i n=0',
    '  for ((i = ${#LAB_NETNS[@]} - 1; i >= 0; i--)); do',
    '    if exists "${LAB_NETNS[$i]}"; then delete_netns "${LAB_NETNS[$i]}"; n=$((n + 1)); fi',
    '  done',
    '  echo "$ME: deleted $n namespace(s) named ${PREFIX}*"',
    '}',
  ];
}

export function teardownScript(spec: ScriptSpec): string[] {
  return [
    '#!/usr/bin/env bash',
    ...spec.title.map((l) => `# ${l}`.trimEnd()),
    '# Deletes every namespace the matching build script creates (and the processes in them).',
    ...common(spec),
    '',
    'need_root',
    'teardown',
  ];
}

export function buildScript(spec: ScriptSpec): string[] {
  const usesTun = spec.linkKinds.includes('tun');
  const lines: string[] = [
    '#!/usr/bin/env bash',
    ...spec.title.map((l) => `# ${l}`.trimEnd()),
    '#',
    ...USAGE.map((l) => `# ${l.replace('$ME', 'build.sh')}`),
    '#',
    '# Nothing is added to the root namespace: every link is created inside the',
    "# lab's namespaces. On failure the script names the step that failed and",
    '# deletes what the run created.',
    ...common(spec),
    '',
    `LINK_KINDS=(${spec.linkKinds.map(shellWord).join(' ')})`,
    `TOOLS=(${spec.tools.map(shellWord).join(' ')})`,
    'VERBOSE=0',
    "STEP='start'",
    'CREATED=()',
    '',
    'usage() {',
    // The usage text holds no quote, backquote or dollar but $ME.
    ...USAGE.map((l) => `  echo "${l}"`),
    '}',
    '',
    'step() {',
    '  STEP=$1',
    '  if [ "$VERBOSE" = 1 ]; then printf \'%s: %s\\n\' "$ME" "$1" >&2; fi',
    '}',
    '',
    '# nsysctl NETNS path=value...: writes /proc/sys inside NETNS (paths keep dotted device names whole).',
    'nsysctl() {',
    '  local ns=$1',
    '  shift',
    '  ip netns exec "$ns" sh -c \'for kv; do',
    '    p=/proc/sys/${kv%%=*}',
    '    if [ ! -e "$p" ] && [ "${p#/proc/sys/net/bridge/}" != "$p" ]; then',
    '      echo "warning: $p does not exist (br_netfilter is not loaded): not set" >&2; continue',
    '    fi',
    '    printf "%s\\n" "${kv#*=}" > "$p"',
    '  done\' nsysctl "$@"',
    '}',
    '',
    '# mkns NETNS: a new namespace, quiet and deterministic before any device exists, lo up.',
    'mkns() {',
    '  ip netns add "$1"',
    '  CREATED+=("$1")',
    `  nsysctl "$1" ${QUIET_SYSCTLS.map(([p, v]) => `${p}=${v}`).join(' ')}`,
    '  ip -n "$1" link set lo up',
    '}',
    '',
    'ipt_restore() { ip netns exec "$1" iptables-restore --noflush; }',
  ];
  if (usesTun) {
    const eof = heredocDelimiter(TUN_HOLDER_PERL, 'NETLAB_PERL');
    lines.push(
      '',
      "# The TUN holder (and flannel udp's flanneld stand-in): see netlab's src/export/tun-holder.ts.",
      `TUN_HOLDER=$(cat <<'${eof}'`,
      ...TUN_HOLDER_PERL,
      eof,
      ')',
      '',
      '# tun_hold NETNS DEV FLAGS PORT TUN_IP BUFLEN [ROUTE...]: start the holder in NETNS, wait for DEV.',
      'tun_hold() {',
      '  local ns=$1 dev=$2 i log',
      '  log=$(mktemp)',
      '  ip netns exec "$ns" setsid perl -e "$TUN_HOLDER" -- "${@:2}" </dev/null >/dev/null 2>"$log" &',
      '  for ((i = 0; i < 200; i++)); do',
      '    if ip -n "$ns" link show "$dev" >/dev/null 2>&1; then rm -f "$log"; return 0; fi',
      '    sleep 0.025',
      '  done',
      '  echo "$ME: $dev did not appear in $ns: $(cat "$log")" >&2',
      '  rm -f "$log"',
      '  return 1',
      '}',
    );
  }
  lines.push(
    '',
    'probe_kind() { # probe_kind NETNS KIND: can this kernel create such a device?',
    '  case $2 in',
    '    veth) ip -n "$1" link add nlprobe0 type veth peer name nlprobe1 ;;',
    '    vxlan) ip -n "$1" link add nlprobe0 type vxlan id 1 dstport 4789 ;;',
    '    tun) [ -c /dev/net/tun ] || { echo "no /dev/net/tun"; return 1; }; return 0 ;;',
    '    *) ip -n "$1" link add nlprobe0 type "$2" ;;',
    '  esac',
    '  ip -n "$1" link del nlprobe0',
    '}',
    '',
    'preflight() {',
    '  local t kind err probe="${PREFIX}.probe"',
    '  need_root',
    '  for t in "${TOOLS[@]}"; do command -v "$t" >/dev/null || die "missing tool: $t"; done',
    '  if exists "$probe"; then ip netns del "$probe"; fi',
    '  ip netns add "$probe" || die "cannot create a network namespace"',
    '  for kind in "${LINK_KINDS[@]}"; do',
    '    if ! err=$(probe_kind "$probe" "$kind" 2>&1); then',
    '      ip netns del "$probe"',
    '      die "this kernel cannot create $kind devices, which the lab needs ($err)"',
    '    fi',
    '  done',
    '  ip netns del "$probe"',
    '}',
    '',
    'cleanup_created() {',
    '  local i',
    '  for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do',
    '    if exists "${CREATED[$i]}"; then delete_netns "${CREATED[$i]}" || true; fi',
    '  done',
    '}',
    '',
    'on_error() {',
    '  trap - ERR INT TERM',
    '  printf \'%s: failed at step: %s\\n  command: %s\\n  exit status: %s\\n\' "$ME" "$STEP" "$2" "$1" >&2',
    '  if [ "${NETLAB_KEEP:-0}" = 1 ]; then',
    '    echo "$ME: NETLAB_KEEP=1: what was built is left in place; delete it with: bash $0 --teardown" >&2',
    '  else',
    '    cleanup_created',
    '    echo "$ME: deleted the ${#CREATED[@]} namespace(s) this run created" >&2',
    '  fi',
    '  exit 1',
    '}',
    '',
    'rebuild=0',
    'while [ $# -gt 0 ]; do',
    '  case $1 in',
    '    -v) VERBOSE=1 ;;',
    '    --rebuild) rebuild=1 ;;',
    '    --teardown) need_root; teardown; exit 0 ;;',
    '    -h | --help) usage; exit 0 ;;',
    '    *) usage >&2; exit 2 ;;',
    '  esac',
    '  shift',
    'done',
    'preflight',
    'if [ "$rebuild" = 1 ]; then teardown >/dev/null; fi',
    'left=()',
    'for ns in "${LAB_NETNS[@]}"; do if exists "$ns"; then left+=("$ns"); fi; done',
    'if [ ${#left[@]} -gt 0 ]; then',
    '  die "${#left[@]} namespace(s) of this lab already exist (${left[*]}): a previous build? Run: bash $0 --teardown (or --rebuild)"',
    'fi',
    '',
    'trap \'on_error $? "$BASH_COMMAND"\' ERR',
    'trap \'on_error 130 "interrupted"\' INT TERM',
  );
  for (const step of spec.steps) {
    lines.push('', shellLine(['step', step.what]), ...step.commands);
  }
  lines.push(
    '',
    'trap - ERR INT TERM',
    'echo "$ME: built ${#LAB_NETNS[@]} namespaces named ${PREFIX}*; look inside with: ip netns exec NAME ip route; delete with: bash $0 --teardown"',
  );
  return lines;
}
