/**
 * The bash around the build steps: guards (root, tools, kernel features
 * probed in a nameless namespace, a prefix already taken), the record of
 * what the build creates (/run/netlab/<prefix>/netns: each namespace's name
 * and identity, rewritten whole as it goes), the helpers the steps call,
 * the error trap that names the failed step and deletes what the run
 * created, and the teardown, which deletes only recorded namespaces that
 * still have their recorded identity. See docs/export.md "Safety".
 * Pure: data in, script lines out.
 */
import { stableHex } from '../net/digest.js';
import { QUIET_SYSCTLS, type Step } from './steps.js';
import { heredocDelimiter, shellComment, shellLine, shellWord } from './shell.js';
import { TUN_HOLDER_PERL } from './tun-holder.js';

export interface ScriptSpec {
  /** First comment lines: what lab, from where (free text: shellComment keeps each on its line). */
  readonly title: readonly string[];
  readonly prefix: string;
  /** Every namespace the build creates, in creation order. */
  readonly netns: readonly string[];
  /** Kernel link kinds to probe for before building (veth, bridge, vxlan, tun, ipip, dummy). */
  readonly linkKinds: readonly string[];
  /** Commands that must be on PATH. */
  readonly tools: readonly string[];
  readonly steps: readonly Step[];
  /** Where the state directories live (default STATE_ROOT; tests that run the script with stub tools move it). */
  readonly stateRoot?: string;
}

/** Where a build records what it created (one directory per prefix; /run is emptied at boot, as namespaces are). */
export const STATE_ROOT = '/run/netlab';
/** The state file's first line: format version and the lab's id. */
const STATE_MAGIC = 'netlab-netns-state 1';

/** Which lab a state file belongs to: a hash of the prefix and the namespace names, so another lab's script with the same prefix is told apart. */
export function labId(spec: Pick<ScriptSpec, 'prefix' | 'netns'>): string {
  return stableHex(['netlab netns lab', spec.prefix, ...spec.netns].join('\n'), 16);
}

const USAGE = [
  'usage: sudo bash $ME [-v] [--rebuild | --teardown]',
  '  (no option)  build the lab; refuses when its prefix is taken (a recorded build, or namespaces with its names)',
  '  --teardown   delete the namespaces this build created (and the processes in them), never others',
  '  --rebuild    --teardown, then build',
  '  -v           print each step as it runs',
  'NETLAB_KEEP=1: on failure, keep what was built (for a look) instead of deleting it',
];

/** Shared by the build and the teardown-only script: the lab's names, its state file, and deleting what it owns. */
function common(spec: ScriptSpec): string[] {
  const stateDir = `${spec.stateRoot ?? STATE_ROOT}/${spec.prefix}`;
  return [
    'set -Eeuo pipefail',
    'export LC_ALL=C',
    'ME=${0##*/}',
    `PREFIX=${shellWord(spec.prefix)}`,
    '# Every namespace the build creates, in creation order: it refuses to start when one exists.',
    'LAB_NETNS=(',
    ...spec.netns.map((n) => `  ${shellWord(n)}`),
    ')',
    '# What the build created, recorded as it goes: a first line naming the lab, then one line per',
    '# namespace: its name and its identity (netns_id). Only what is recorded there, and still has',
    '# the identity recorded, is ever deleted.',
    `STATE_DIR=${shellWord(stateDir)}`,
    'STATE=$STATE_DIR/netns',
    `STATE_HEADER=${shellWord(`${STATE_MAGIC} ${labId(spec)}`)}`,
    'OWNED=()',
    'OWNED_ID=()',
    '',
    'die() { printf \'%s: %s\\n\' "$ME" "$*" >&2; exit 2; }',
    'exists() { [ -e "/run/netns/$1" ]; }',
    'need_root() { [ "$(id -u)" = 0 ] || die "must run as root: it creates network namespaces (sudo bash $0)"; }',
    '',
    '# netns_id NAME: which namespace has the name now: the inode number of its nsfs file and the time',
    '# that inode was made (when the namespace got its name), in UTC whatever TZ says. One deleted and',
    '# made again differs.',
    'netns_id() { TZ=UTC0 stat -L -c \'%i %z\' -- "/run/netns/$1"; }',
    '',
    'is_lab_netns() {',
    '  local n',
    '  for n in "${LAB_NETNS[@]}"; do if [ "$n" = "$1" ]; then return 0; fi; done',
    '  return 1',
    '}',
    '',
    '# save_state: OWNED, written whole (a temporary file in the same directory, then a rename).',
    'save_state() {',
    '  local tmp i',
    '  tmp=$(mktemp "$STATE_DIR/.netns.XXXXXX") || return 1',
    '  {',
    '    printf \'%s\\n\' "$STATE_HEADER"',
    '    for ((i = 0; i < ${#OWNED[@]}; i++)); do printf \'%s %s\\n\' "${OWNED[$i]}" "${OWNED_ID[$i]}"; done',
    '  } >"$tmp" && mv -f -- "$tmp" "$STATE"',
    '}',
    '',
    '# load_state: OWNED from $STATE; fails when the file is not a record of this lab.',
    'load_state() {',
    '  local header="" name id',
    '  OWNED=()',
    '  OWNED_ID=()',
    '  {',
    '    IFS= read -r header || true',
    '    while read -r name id; do OWNED+=("$name"); OWNED_ID+=("$id"); done',
    '  } <"$STATE"',
    '  [ "$header" = "$STATE_HEADER" ]',
    '}',
    '',
    '# forget_state: the record is no longer needed (everything it named is gone).',
    'forget_state() {',
    '  rm -f -- "$STATE" "$STATE_DIR"/.netns.*',
    '  rmdir -- "$STATE_DIR" 2>/dev/null || true',
    '}',
    '',
    '# Stops the processes in a namespace (a TUN holder), then deletes it.',
    'delete_netns() {',
    '  local pid i',
    '  for pid in $(ip netns pids "$1" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done',
    '  for ((i = 0; i < 50; i++)); do if [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; then break; fi; sleep 0.02; done',
    '  ip netns del "$1"',
    '}',
    '',
    '# delete_owned: deletes, newest first, each recorded namespace that still has its recorded identity.',
    '# Sets DELETED; REFUSED: names now held by another namespace (ours is gone; that one is left alone);',
    '# OWNED keeps only what could not be deleted.',
    'delete_owned() {',
    '  local i name keep=() keep_id=()',
    '  DELETED=0',
    '  REFUSED=()',
    '  for ((i = ${#OWNED[@]} - 1; i >= 0; i--)); do',
    '    name=${OWNED[$i]}',
    '    if ! exists "$name"; then continue; fi',
    '    if ! is_lab_netns "$name" || [ "$(netns_id "$name" 2>/dev/null)" != "${OWNED_ID[$i]}" ]; then',
    '      REFUSED+=("$name")',
    '    elif delete_netns "$name"; then',
    '      DELETED=$((DELETED + 1))',
    '    else',
    '      keep=("$name" ${keep[@]+"${keep[@]}"})',
    '      keep_id=("${OWNED_ID[$i]}" ${keep_id[@]+"${keep_id[@]}"})',
    '    fi',
    '  done',
    '  OWNED=(${keep[@]+"${keep[@]}"})',
    '  OWNED_ID=(${keep_id[@]+"${keep_id[@]}"})',
    '}',
    '',
    '# teardown: deletes what the recorded build created, and nothing else; fails when something is left.',
    'teardown() {',
    '  local name present=()',
    '  if [ ! -e "$STATE" ]; then',
    '    for name in "${LAB_NETNS[@]}"; do if exists "$name"; then present+=("$name"); fi; done',
    '    forget_state',
    '    if [ ${#present[@]} -eq 0 ]; then',
    '      echo "$ME: nothing to delete: no build of this lab is recorded and none of its namespaces exists"',
    '      return 0',
    '    fi',
    '    echo "$ME: refusing to delete ${#present[@]} namespace(s) with the names of this lab (${present[*]}): no build is recorded in $STATE, so nothing shows that this script created them. If they are yours, delete them with: ip netns del NAME" >&2',
    '    return 1',
    '  fi',
    '  if ! load_state; then',
    '    echo "$ME: refusing to tear down: $STATE records a build of another lab with the prefix $PREFIX (tear it down with that lab\'s script)" >&2',
    '    return 1',
    '  fi',
    '  delete_owned',
    '  echo "$ME: deleted $DELETED namespace(s) named ${PREFIX}*"',
    '  if [ ${#REFUSED[@]} -gt 0 ]; then',
    '    echo "$ME: refusing to delete ${#REFUSED[@]} namespace(s) that this build did not create: the one it created under that name is gone, and another has the name now: ${REFUSED[*]}" >&2',
    '  fi',
    '  if [ ${#OWNED[@]} -gt 0 ]; then',
    '    save_state || true',
    '    echo "$ME: could not delete ${#OWNED[@]} namespace(s): ${OWNED[*]} (still recorded in $STATE)" >&2',
    '    return 1',
    '  fi',
    '  forget_state',
    '  [ ${#REFUSED[@]} -eq 0 ]',
    '}',
  ];
}

export function teardownScript(spec: ScriptSpec): string[] {
  return [
    '#!/usr/bin/env bash',
    ...spec.title.map(shellComment),
    '# Deletes the namespaces the matching build script created (and the processes in them), and',
    '# nothing else: only those recorded in its state file that are still the ones it created.',
    ...common(spec),
    '',
    'need_root',
    'teardown || exit 1',
  ];
}

export function buildScript(spec: ScriptSpec): string[] {
  const stateRoot = spec.stateRoot ?? STATE_ROOT;
  const usesTun = spec.linkKinds.includes('tun');
  const lines: string[] = [
    '#!/usr/bin/env bash',
    ...spec.title.map(shellComment),
    '#',
    ...USAGE.map((l) => `# ${l.replace('$ME', 'build.sh')}`),
    '#',
    '# Nothing is added to the root namespace: every link is created inside the',
    "# lab's namespaces. The build records each namespace it creates (name and",
    `# identity) in ${stateRoot}/<prefix>/netns; the teardown deletes only those.`,
    '# On failure the script names the step that failed and deletes what the run',
    '# created.',
    ...common(spec),
    '',
    `LINK_KINDS=(${spec.linkKinds.map(shellWord).join(' ')})`,
    `TOOLS=(${spec.tools.map(shellWord).join(' ')})`,
    'VERBOSE=0',
    "STEP='start'",
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
    '# nsysctl NETNS PATH VALUE [PATH VALUE]...: writes /proc/sys/PATH inside NETNS. Paths, not',
    '# sysctl(8) names: a device name keeps its dots (flannel.1) and may hold any character but /.',
    'nsysctl() {',
    '  local ns=$1',
    '  shift',
    '  ip netns exec "$ns" sh -c \'while [ $# -ge 2 ]; do',
    '    p=/proc/sys/$1',
    '    if [ ! -e "$p" ] && [ "${1#net/bridge/}" != "$1" ]; then',
    '      echo "warning: $p does not exist (br_netfilter is not loaded): not set" >&2',
    '    else',
    '      printf "%s\\n" "$2" >"$p"',
    '    fi',
    '    shift 2',
    '  done\' nsysctl "$@"',
    '}',
    '',
    '# mkns NETNS: a new namespace (ip netns add refuses a name in use), recorded at once as this',
    "# build's, then quiet and deterministic before any device exists, lo up.",
    'mkns() {',
    '  local id',
    '  ip netns add "$1"',
    '  id=$(netns_id "$1")',
    '  OWNED+=("$1")',
    '  OWNED_ID+=("$id")',
    '  save_state',
    `  nsysctl "$1" ${shellLine(QUIET_SYSCTLS.flat())}`,
    '  ip -n "$1" link set dev lo up',
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
      '    if ip -n "$ns" link show dev "$dev" >/dev/null 2>&1; then rm -f "$log"; return 0; fi',
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
    '# probe_kinds KIND...: can this kernel create such devices? Run in a namespace of its own',
    '# without a name (unshare --net): it vanishes with the probe, and no namespace is touched.',
    'probe_kinds() {',
    '  local kind err',
    '  for kind; do',
    '    case $kind in',
    '      veth) err=$(ip link add nlprobe0 type veth peer name nlprobe1 2>&1) ;;',
    '      vxlan) err=$(ip link add nlprobe0 type vxlan id 1 dstport 4789 2>&1) ;;',
    '      tun) if [ -c /dev/net/tun ]; then continue; else err="no /dev/net/tun"; false; fi ;;',
    '      *) err=$(ip link add nlprobe0 type "$kind" 2>&1) ;;',
    '    esac || { echo "$kind devices ($err)"; return 1; }',
    '    ip link del nlprobe0',
    '  done',
    '}',
    '',
    'preflight() {',
    '  local t err',
    '  need_root',
    '  for t in "${TOOLS[@]}"; do command -v "$t" >/dev/null || die "missing tool: $t"; done',
    '  export -f probe_kinds',
    '  err=$(unshare --net -- bash -c \'probe_kinds "$@"\' probe_kinds "${LINK_KINDS[@]}" 2>&1) ||',
    '    die "this kernel cannot create ${err:-a network namespace}, which the lab needs"',
    '}',
    '',
    "# claim: refuses when the prefix is taken (a recorded build, or namespaces with the lab's names),",
    '# then records an empty build. mkdir is atomic: of two builds started at once, one gets the prefix.',
    'claim() {',
    '  local ns left=()',
    '  if [ -e "$STATE_DIR" ]; then',
    '    die "a build with the prefix $PREFIX is recorded in $STATE_DIR: tear it down first (bash $0 --teardown, or --rebuild), or export the lab with another --prefix"',
    '  fi',
    '  for ns in "${LAB_NETNS[@]}"; do if exists "$ns"; then left+=("$ns"); fi; done',
    '  if [ ${#left[@]} -gt 0 ]; then',
    '    die "${#left[@]} namespace(s) of this lab already exist, and no build of it is recorded (${left[*]}): delete them (ip netns del NAME) or export the lab with another --prefix"',
    '  fi',
    `  mkdir -p -m 0755 ${shellWord(stateRoot)}`,
    `  if [ -L ${shellWord(stateRoot)} ] || [ ! -d ${shellWord(stateRoot)} ]; then die ${shellWord(`${stateRoot} is not a directory`)}; fi`,
    '  mkdir -m 0700 -- "$STATE_DIR" 2>/dev/null || die "cannot record the build in $STATE_DIR (another build with the prefix $PREFIX started at the same time?)"',
    '  save_state || { forget_state; die "cannot write $STATE"; }',
    '}',
    '',
    'on_error() {',
    '  set +e',
    '  trap - ERR INT TERM',
    '  printf \'%s: failed at step: %s\\n  command: %s\\n  exit status: %s\\n\' "$ME" "$STEP" "$2" "$1" >&2',
    '  if [ "${NETLAB_KEEP:-0}" = 1 ]; then',
    '    echo "$ME: NETLAB_KEEP=1: what was built is left in place (recorded in $STATE); delete it with: bash $0 --teardown" >&2',
    '    exit 1',
    '  fi',
    '  delete_owned',
    '  echo "$ME: deleted the $DELETED namespace(s) this run created" >&2',
    '  if [ ${#REFUSED[@]} -gt 0 ]; then echo "$ME: left alone, not created by this run: ${REFUSED[*]}" >&2; fi',
    '  if [ ${#OWNED[@]} -gt 0 ]; then',
    '    save_state',
    '    echo "$ME: could not delete ${#OWNED[@]} namespace(s): ${OWNED[*]} (recorded in $STATE: bash $0 --teardown)" >&2',
    '  else',
    '    forget_state',
    '  fi',
    '  exit 1',
    '}',
    '',
    'rebuild=0',
    'while [ $# -gt 0 ]; do',
    '  case $1 in',
    '    -v) VERBOSE=1 ;;',
    '    --rebuild) rebuild=1 ;;',
    '    --teardown) need_root; teardown || exit 1; exit 0 ;;',
    '    -h | --help) usage; exit 0 ;;',
    '    *) usage >&2; exit 2 ;;',
    '  esac',
    '  shift',
    'done',
    'preflight',
    'if [ "$rebuild" = 1 ]; then teardown >/dev/null || die "--rebuild: the teardown did not finish (see above): nothing was built"; fi',
    'claim',
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
