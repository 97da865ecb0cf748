/**
 * Services for real: connections to cluster IPs and node ports in the lab
 * built from netlab's export, against what netlab's walk says of the same
 * connection.
 *
 * In every namespace the model has sockets in (a pod's declared container
 * ports, a node's sshd, kubelet and API server), a small perl server
 * listens on the same ports and answers each connection or datagram with
 * its own name and the peer address and port it saw. A client (perl too:
 * perl-base is on every Debian machine, CI installs it) connects from a pod,
 * a node or the external client, a few times, each from a new ephemeral
 * port (a new conntrack entry, so a new random endpoint choice), and prints
 * what each try got: a reply (who answered, the source it saw, whether the
 * port was translated) or the error (ECONNREFUSED, ENETUNREACH, a timeout).
 *
 * netlab's side walks the same connection once per endpoint the random
 * choices allow (as `netlab trace --all-endpoints`), and the answer back.
 * A check passes when every outcome the kernel produced is one the walk
 * allows; which endpoint a try reaches is the kernel's random choice, so
 * the set reached is compared, never the order, and the tries stop once
 * every allowed endpoint answered.
 */
import type { Dataplane } from '../../src/dataplane/build.js';
import { isLocalAddress } from '../../src/dataplane/fib.js';
import { answerTo, buildProbe, icmpErrorBack, newSession } from '../../src/dataplane/probes.js';
import { branchProbability, forcedChoice } from '../../src/flow/random.js';
import { listenersOfNode, listenersOfPod, type Listener } from '../../src/model/listeners.js';
import type { Packet } from '../../src/flow/packet.js';
import type { WalkSession } from '../../src/dataplane/walk/session.js';
import type { WalkResult } from '../../src/dataplane/walk/walk.js';
import type { Pod } from '../../src/model/types.js';
import { formatIPv4, type IPv4 } from '../../src/net/ipv4.js';
import type { Endpoint } from './plan.js';

/**
 * The server: `perl -e SERVER NAME tcp:PORT udp:PORT ...`. Prints `ready`
 * once every socket is bound; then answers `NAME PEER-IP PEER-PORT`.
 */
export const LISTENER_PROGRAM = String.raw`
use strict; use warnings; use IO::Socket::INET; use IO::Select;
my ($name, @ports) = @ARGV;
my $sel = IO::Select->new; my %udp;
for my $p (@ports) {
  my ($proto, $port) = split /:/, $p;
  my $s = $proto eq 'tcp'
    ? IO::Socket::INET->new(LocalPort => $port, Proto => 'tcp', Listen => 64, ReuseAddr => 1)
    : IO::Socket::INET->new(LocalPort => $port, Proto => 'udp');
  die "$name: cannot listen on $p: $!\n" unless $s;
  $udp{fileno $s} = 1 if $proto eq 'udp';
  $sel->add($s);
}
$| = 1; print "ready\n";
while (1) {
  for my $s ($sel->can_read) {
    if ($udp{fileno $s}) {
      my $peer = $s->recv(my $buf, 512) // next;
      my ($port, $ip) = Socket::sockaddr_in($peer);
      $s->send("$name " . Socket::inet_ntoa($ip) . " $port\n", 0, $peer);
    } else {
      my $c = $s->accept or next;
      print $c "$name " . $c->peerhost . " " . $c->peerport . "\n";
      close $c;
    }
  }
}
`;

/**
 * The client: `perl -e CLIENT tcp|udp IP PORT TRIES WANT WAIT`. Each try is
 * a new socket; it prints `reply NAME SEEN-IP SEEN-PORT OWN-PORT` or
 * `error ERRNO` (`error timeout` when nothing came within WAIT seconds),
 * stops at the first error and once WANT different servers answered. UDP
 * sockets ask for every ICMP error (IP_RECVERR): without it Linux reports
 * only port unreachable on them, where a TCP connect hears them all.
 */
export const CLIENT_PROGRAM = String.raw`
use strict; use warnings; use Socket; use IO::Select; use Errno; use Fcntl;
my ($proto, $ip, $port, $tries, $want, $wait) = @ARGV;
my $to = sockaddr_in($port, inet_aton($ip));
my %seen; $| = 1;
sub errname { my $n = $! + 0; for my $e (sort keys %!) { return $e if $!{$e} } "errno $n" }
for my $try (1 .. $tries) {
  socket(my $s, PF_INET, $proto eq 'tcp' ? SOCK_STREAM : SOCK_DGRAM, 0) or die "socket: $!\n";
  my $sel = IO::Select->new($s);
  if ($proto eq 'tcp') {
    fcntl($s, F_SETFL, fcntl($s, F_GETFL, 0) | O_NONBLOCK);
    if (!connect($s, $to) && !$!{EINPROGRESS}) { print "error ", errname(), "\n"; last }
    if (!$sel->can_write($wait)) { print "error timeout\n"; last }
    my $err = unpack('i', getsockopt($s, SOL_SOCKET, SO_ERROR));
    if ($err) { $! = $err; print "error ", errname(), "\n"; last }
  } else {
    setsockopt($s, 0, 11, 1);   # SOL_IP, IP_RECVERR
    if (!connect($s, $to)) { print "error ", errname(), "\n"; last }
    if (!defined send($s, "?\n", 0)) { print "error ", errname(), "\n"; last }
  }
  if (!$sel->can_read($wait)) { print "error timeout\n"; last }
  my $got = sysread($s, my $line, 512);
  if (!defined $got) { print "error ", errname(), "\n"; last }
  if (!$got) { print "error closed without an answer\n"; last }
  chomp $line;
  my ($own) = sockaddr_in(getsockname($s));
  print "reply $line $own\n";
  $seen{(split / /, $line)[0]} = 1;
  last if keys %seen >= $want;
}
`;

/** Seconds a client waits for a connection, an answer or an error, per try. */
export const PROBE_WAIT_SEC = 1;

/** One namespace's server: the sockets the model has there, answering under the name the checks use. */
export interface ListenerSpec {
  readonly where: Endpoint;
  readonly sockets: readonly Listener[];
}

/** The pod a pod endpoint stands for. */
function podOf(dataplane: Dataplane, e: Endpoint): Pod | undefined {
  return e.kind === 'pod' ? dataplane.cluster.pods.find((p) => !p.hostNetwork && p.ip === e.ip && p.node === e.node) : undefined;
}

/** The sockets netlab's walk delivers to (src/model/listeners.ts), one server per namespace. */
export function listenerSpecs(dataplane: Dataplane, endpoints: readonly Endpoint[]): ListenerSpec[] {
  const specs: ListenerSpec[] = [];
  for (const e of endpoints) {
    let sockets: Listener[] = [];
    if (e.kind === 'node' && e.node) sockets = listenersOfNode(e.node);
    const pod = podOf(dataplane, e);
    if (pod) sockets = listenersOfPod(pod);
    const unique = [...new Map(sockets.map((s) => [`${s.protocol}:${s.port}`, s])).values()];
    if (unique.length > 0) specs.push({ where: e, sockets: unique });
  }
  return specs;
}

export function listenerArgv(spec: ListenerSpec): string[] {
  return ['perl', '-e', LISTENER_PROGRAM, spec.where.label, ...spec.sockets.map((s) => `${s.protocol}:${s.port}`)];
}

export type L4 = 'tcp' | 'udp';

/** One connection the suite makes for real and walks in netlab. */
export interface ServiceProbe {
  readonly from: Endpoint;
  readonly dst: IPv4;
  readonly port: number;
  readonly protocol: L4;
  /** What the destination is, for the test name: `default/web:http cluster IP`, `... node port on node-3`. */
  readonly what: string;
}

/** netlab's side: every outcome the walk allows, each with its probability. */
export interface Prediction {
  readonly outcomes: ReadonlyMap<string, number>;
  /**
   * Some branch ends with another host's "no route" (net or host
   * unreachable from ip_error(), which allows each source host 5 errors,
   * then one a second): the suite spaces such connections out, as it does
   * traceroutes, so the error is always sent.
   */
  readonly drawsRouteError: boolean;
}

/**
 * Who connects: the pods labelled `app: client` (the labs' convention), the
 * first node without one (a host-network client), and the external client.
 */
function clients(dataplane: Dataplane, endpoints: readonly Endpoint[]): { pods: Endpoint[]; node?: Endpoint; external?: Endpoint } {
  const pods = endpoints.filter((e) => podOf(dataplane, e)?.labels['app'] === 'client');
  const node = endpoints.find((e) => e.kind === 'node' && !pods.some((p) => p.node === e.node));
  const external = endpoints.find((e) => e.kind === 'external');
  return { pods, ...(node ? { node } : {}), ...(external ? { external } : {}) };
}

/**
 * The connections to make: every cluster IP port from each client pod and
 * the node client; every node port on every node from each client pod and
 * from the external client; and UDP to a cluster IP port served on TCP only
 * (not DNATed: it leaves by the default route like any other address).
 */
export function planServiceProbes(dataplane: Dataplane, endpoints: readonly Endpoint[]): ServiceProbe[] {
  const who = clients(dataplane, endpoints);
  const inside = [...who.pods, ...(who.node ? [who.node] : [])];
  const probes: ServiceProbe[] = [];
  let unserved: ServiceProbe | undefined;
  for (const service of dataplane.cluster.services) {
    if (service.headless || service.clusterIP === undefined) continue;
    for (const port of service.ports) {
      if (port.protocol === 'SCTP') continue;
      const protocol = port.protocol.toLowerCase() as L4;
      const name = `${service.key}${port.name ? `:${port.name}` : ''}`;
      for (const from of inside) probes.push({ from, dst: service.clusterIP, port: port.port, protocol, what: `${name} cluster IP` });
      if (port.nodePort !== undefined) {
        for (const node of dataplane.cluster.nodes) {
          for (const from of [...who.pods, ...(who.external ? [who.external] : [])]) {
            probes.push({ from, dst: node.ip, port: port.nodePort, protocol, what: `${name} node port on ${node.name}` });
          }
        }
      }
      const udpServed = service.ports.some((p) => p.protocol === 'UDP' && p.port === port.port);
      if (!unserved && protocol === 'tcp' && !udpServed && who.pods[0] && service.builtIn === undefined) {
        unserved = {
          from: who.pods[0],
          dst: service.clusterIP,
          port: port.port,
          protocol: 'udp',
          what: `${name} cluster IP, udp where only tcp is served`,
        };
      }
    }
  }
  if (unserved) probes.push(unserved);
  return probes;
}

/** How many tries: enough that every allowed endpoint most likely answers (the tries stop once all have), bounded. */
export function probeTries(prediction: Prediction): { tries: number; want: number } {
  const answering = new Set([...prediction.outcomes.keys()].filter((o) => o.startsWith('reply from ')).map((o) => o.split(' ')[2]));
  const want = Math.max(1, answering.size);
  return { tries: want === 1 ? 2 : Math.min(8 * want, 24), want };
}

export function clientArgv(probe: ServiceProbe, prediction: Prediction): string[] {
  const { tries, want } = probeTries(prediction);
  return [
    'perl',
    '-e',
    CLIENT_PROGRAM,
    probe.protocol,
    formatIPv4(probe.dst),
    String(probe.port),
    String(tries),
    String(want),
    String(PROBE_WAIT_SEC),
  ];
}

/** The command as a person would read it in a test name or a diff. */
export function probeCommand(probe: ServiceProbe): string {
  return `connect ${probe.protocol} ${formatIPv4(probe.dst)}:${probe.port} (${probe.what})`;
}

function replyOutcome(endpoint: string, seen: string, portChanged: boolean): string {
  return `reply from ${endpoint}, source seen ${seen}, port ${portChanged ? 'translated' : 'kept'}`;
}

/** What a connecting socket learns from an ICMP destination unreachable code (the kernel's icmp_err_convert). */
const UNREACH_ERRNO = [
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOPROTOOPT',
  'ECONNREFUSED',
  'EMSGSIZE',
  'EOPNOTSUPP',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENONET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
] as const;

/** What a connecting socket hears after an iptables REJECT, by its --reject-with (the ICMP code it sends, or a RST). */
const REJECT_ERRNO: Readonly<Record<string, string>> = {
  'icmp-net-unreachable': 'ENETUNREACH',
  'icmp-host-unreachable': 'EHOSTUNREACH',
  'icmp-port-unreachable': 'ECONNREFUSED',
  'icmp-proto-unreachable': 'ENOPROTOOPT',
  'icmp-net-prohibited': 'ENETUNREACH',
  'icmp-host-prohibited': 'EHOSTUNREACH',
  'icmp-admin-prohibited': 'EHOSTUNREACH',
  'tcp-reset': 'ECONNREFUSED',
};

/** The verdict of the walk's last netfilter step (what ended it, when a rule did). */
function lastVerdict(walk: WalkResult): string | undefined {
  const steps = walk.hops.flatMap((h) => h.steps);
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.kind === 'netfilter') return step.verdict;
  }
  return undefined;
}

/** The outcome of one walked connection: the answer back to the client, or what the client hears instead. */
function outcomeOf(session: WalkSession, from: Endpoint, sent: Packet, walk: WalkResult, label: (nsId: string) => string): string {
  if (walk.disposition === 'DELIVERED' && walk.delivered) {
    const answer = answerTo(walk.delivered);
    const back = answer && session.send(session.netnsById(walk.where), answer);
    if (!back || back.disposition !== 'DELIVERED' || back.where !== from.ns.id) return 'timeout';
    return replyOutcome(label(walk.where), formatIPv4(walk.delivered.src), walk.delivered.sport !== sent.sport);
  }
  const notice = walk.notice;
  switch (notice.kind) {
    case 'none':
      return 'timeout';
    case 'local-error': {
      // A TCP connect() ignores its SYN's transmit error (tcp_connect): a DROP in OUTPUT leaves it
      // retrying until its time runs out, and after a REJECT there it hears the ICMP error the
      // REJECT sends. UDP's send() reports the EPERM itself.
      if (sent.protocol !== 'tcp' || notice.errno !== 'EPERM') return `error ${notice.errno}`;
      const rejectWith = lastVerdict(walk)?.match(/^REJECT(?: --reject-with (\S+))?/);
      return rejectWith ? `error ${REJECT_ERRNO[rejectWith[1] ?? 'icmp-port-unreachable'] ?? rejectWith[1]}` : 'timeout';
    }
    case 'tcp-rst':
      return 'error ECONNREFUSED';
    case 'icmp': {
      // An error from the sender's own kernel needs no walk back (as ping decides).
      const heard = notice.from === 0 || isLocalAddress(from.ns, notice.from) || icmpErrorBack(session, from.ns, walk) !== undefined;
      if (!heard) return 'timeout';
      if (notice.type === 11) return 'error EHOSTUNREACH';
      if (notice.type === 3) return `error ${UNREACH_ERRNO[notice.code] ?? `ICMP code ${notice.code}`}`;
      return `error ICMP type ${notice.type} code ${notice.code}`;
    }
    default:
      // A notice kind this suite does not know yet: shown as it is, so the check fails visibly.
      return `netlab notice ${(notice as { kind: string }).kind}`;
  }
}

/**
 * Every outcome the random choices allow, as `netlab trace --all-endpoints`
 * enumerates them: the first endpoint of each random chain, then the
 * second, ... with the probability of each branch.
 */
export function predict(dataplane: Dataplane, probe: ServiceProbe, endpoints: readonly Endpoint[]): Prediction {
  const label = (nsId: string) => endpoints.find((e) => e.ns.id === nsId)?.label ?? nsId;
  const outcomes = new Map<string, number>();
  let drawsRouteError = false;
  for (let skip = 0; skip < 1024; skip++) {
    const choice = forcedChoice(skip);
    const session = newSession(dataplane, choice.decide);
    const packet = buildProbe(probe.dst, { protocol: probe.protocol, dport: probe.port });
    const walk = session.send(probe.from.ns, packet);
    const probability = branchProbability(choice.decisions);
    const outcome = outcomeOf(session, probe.from, packet, walk, label);
    if (probability > 0) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + probability);
    const notice = walk.notice;
    if (probability > 0 && notice.kind === 'icmp' && notice.type === 3 && notice.code <= 1 && walk.icmpFrom?.ns !== probe.from.ns)
      drawsRouteError = true;
    if (choice.decisions.length <= skip) break;
  }
  return { outcomes, drawsRouteError };
}

/** The kernel's side: the outcomes the client printed, one per try. */
export function realOutcomes(stdout: string): string[] {
  const outcomes: string[] = [];
  for (const line of stdout.split('\n')) {
    const reply = /^reply (\S+) (\S+) (\d+) (\d+)$/.exec(line);
    if (reply) outcomes.push(replyOutcome(reply[1]!, reply[2]!, reply[3] !== reply[4]));
    else if (line === 'error timeout' || line === 'error ETIMEDOUT') outcomes.push('timeout');
    else if (line.startsWith('error ')) outcomes.push(line);
    else if (line !== '') outcomes.push(`unexpected output: ${line}`);
  }
  return outcomes;
}

/** How long a server lives at most (the lab's teardown stops it sooner): the probes take seconds. */
export const SERVER_LIFE_SEC = 120;
