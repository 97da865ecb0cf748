/**
 * The command line as a user sees it: every command with its arguments,
 * options and help text, and nothing they run. Each action imports its
 * command's module (commands/*.ts) when it runs, so `netlab --help` and a
 * command's start-up load commander and this file, not the whole core; what
 * the help prints comes from modules without heavy imports of their own.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_SEED } from '../flow/random.js';
import { supportedCommandLines } from '../exec/commands.js';
import { CNI_CHOICES, parseCidrOption, parseMtu, parseSubnetOption, type SubnetOption } from '../import/options.js';
import { VIEW_NAMES } from '../views/view-names.js';
import { DEFAULT_MAX_PODS } from '../whatif/diff/endpoints.js';
import type { CommandContext } from './context.js';
import { collectTraffic, TRAFFIC_HELP, type TrafficSpec } from './traffic-option.js';
import type { DiffOptions } from './commands/diff.js';
import type { ExportOptions } from './commands/export.js';
import type { ImportFlags } from './commands/import.js';
import type { PolicyOptions } from './commands/policy.js';
import type { TraceOptions } from './commands/trace.js';

export function declareCommands(program: Command, context: CommandContext): void {
  program
    .command('validate')
    .description('check a topology file and print a summary of the cluster it describes')
    .action(async () => (await import('./commands/validate.js')).runValidate(context));

  program
    .command('show')
    .description(`friendly views of a node's or pod's state: ${VIEW_NAMES.join(', ')}`)
    .argument('<what>', `the view: ${VIEW_NAMES.join(', ')}`)
    .argument('<target>', 'a node (node-02) or pod (pod-a, default/pod-a)')
    .option('-t, --table <table>', 'iptables: only this table (filter, nat, mangle, raw)')
    .option('--traffic <flow>', TRAFFIC_HELP, collectTraffic, [])
    .action(async (what: string, target: string, options: { table?: string; traffic: TrafficSpec[] }) =>
      (await import('./commands/show.js')).runShow(context, what, target, options),
    );

  program
    .command('exec')
    .description("run a real tool's command in a node's or pod's namespace, emulated: same syntax, same output")
    .argument('<target>', 'a node (node-02) or pod (pod-a, default/pod-a, pod-a:nginx)')
    .argument('<command...>', 'the command after --, e.g. -- ip route show table local')
    .option('--traffic <flow>', TRAFFIC_HELP, collectTraffic, [])
    .addHelpText('after', () => ['', 'Emulated commands:', ...supportedCommandLines()].join('\n'))
    .action(async (target: string, argv: string[], options: { traffic: TrafficSpec[] }) =>
      (await import('./commands/exec.js')).runExec(context, target, argv, options),
    );

  program
    .command('trace')
    .description('walk a packet hop by hop: routes, iptables, bridges, tunnels, ARP, TTL, and where and why it ends')
    .argument('<from>', 'source: a pod (pod-a, default/pod-a, pod-a:nginx), a node, or external (a client outside the cluster)')
    .argument(
      '<to>',
      'destination: a pod, a node, external, a service (svc/web, svc/web:80, svc/kube-system/kube-dns:dns), a DNS name as the source pod resolves it (web, web.default.svc.cluster.local) or an IP, optionally with :port',
    )
    .addOption(
      new Option('--proto <protocol>', "icmp echo (default), tcp when a port is given, the service port's protocol for a service").choices([
        'icmp',
        'tcp',
        'udp',
      ]),
    )
    .option('--port <port>', 'destination port (implies tcp unless --proto says udp)')
    .option('--sport <port>', 'source port')
    .option('--size <bytes>', 'payload size (like ping -s; default 56 for icmp)')
    .option('--df', "set Don't Fragment (default for icmp, as ping does)", true)
    .option('--no-df', "clear Don't Fragment: oversize packets are fragmented instead of dropped")
    .option('--ttl <n>', 'initial TTL (default 64)')
    .option('--reply', 'walk the answer back too (echo reply, SYN-ACK)')
    .option('--seed <n>', `seed for kube-proxy's random endpoint choice (default ${DEFAULT_SEED}): the same seed, the same endpoint`)
    .option('--all-endpoints', 'walk every endpoint the random choices allow, each with its probability')
    .addOption(
      new Option(
        '--format <format>',
        'table (default); traceroute: what `traceroute -n` prints from the source; mermaid or dot: the walk as a diagram',
      )
        .choices(['table', 'traceroute', 'mermaid', 'dot'])
        .default('table'),
    )
    .action(async (from: string, to: string, options: TraceOptions) =>
      (await import('./commands/trace.js')).runTrace(context, from, to, options),
    );

  program
    .command('export')
    .description('write the topology as something else: --format netns is a bash script that builds it for real in network namespaces')
    .addOption(
      new Option('--format <format>', 'netns: the build script; netns-teardown: the script that deletes it')
        .choices(['netns', 'netns-teardown'])
        .makeOptionMandatory(),
    )
    .option('--prefix <prefix>', 'namespace name prefix, so two labs can coexist (default: nl-<metadata.name>-)')
    .option('--teardown', 'with --format netns: print the teardown script instead (same as --format netns-teardown)')
    .action(async (options: ExportOptions) => (await import('./commands/export.js')).runExport(context, options));

  program
    .command('diff')
    .description(
      'what-if: compare a baseline with a variant (the same topology with --set/faults, or two files): reachability, one flow, a node',
    )
    .argument('[files...]', 'two topology files, baseline and variant (default: -f or the default lab, with --set/faults for the variant)')
    .option('--pair <from-to...>', 'compare one flow FROM TO hop by hop, side by side')
    .option('--node <target>', 'unified diff of what the real tools print on a node or pod (ip route, iptables-save, ...)')
    .option('--max-pods <n>', `pods in the reachability matrix (default ${DEFAULT_MAX_PODS}; bigger clusters are sampled)`)
    .option('--port <port>', 'probe a TCP port (with --proto udp, a UDP port) instead of ICMP echo')
    .addOption(new Option('--proto <protocol>', 'icmp (default), tcp or udp').choices(['icmp', 'tcp', 'udp']))
    .addHelpText(
      'after',
      `
Examples:
  netlab diff --set network.cni.backend=host-gw        the file with and without the change
  netlab diff --fail node-03 --pair pod-a pod-b         one flow, before and after
  netlab diff --set network.cni.backend=host-gw --node node-02
  netlab diff before.yaml after.yaml                    two files (--set/faults apply to the second)

Exit code: 0 when reachability is unchanged, 1 when a flow was lost or gained
(with --node: when the outputs differ), 2 for bad input.`,
    )
    .action(async (files: string[], options: DiffOptions) => (await import('./commands/diff.js')).runDiff(context, files, options));

  const lab = program.command('lab').description('scripted exercises: a topology, steps and expected outcomes (docs/labs.md)');
  lab
    .command('run')
    .description('run labs (files or directories; default labs/) and check their expectations; exit 1 when one fails')
    .argument('[paths...]', 'lab files, or directories searched for lab.yaml and *.lab.yaml')
    .option('--junit <file>', 'also write a JUnit XML report (one testcase per step)')
    .option('--allow-outside', 'let labs read files outside their own folder (absolute paths, ../ out of it): only for labs you trust')
    .action(async (paths: string[], options: { junit?: string; allowOutside?: boolean }) =>
      (await import('./commands/lab.js')).runLabs(context, paths, options),
    );
  lab
    .command('list')
    .description('list labs with their titles (default: labs/)')
    .argument('[paths...]', 'lab files, or directories searched for lab.yaml and *.lab.yaml')
    .action(async (paths: string[]) => (await import('./commands/lab.js')).listLabs(context, paths));

  program
    .command('graph')
    .description('the topology as a diagram: subnets, router, nodes, bridges, tunnels, pods (Mermaid or Graphviz DOT)')
    .addOption(
      new Option('--format <format>', 'mermaid (default; GitHub renders it) or dot (dot -Tsvg)')
        .choices(['mermaid', 'dot'])
        .default('mermaid'),
    )
    .action(async (options: { format: 'mermaid' | 'dot' }) => (await import('./commands/graph.js')).runGraph(context, options));

  program
    .command('policy')
    .description('who can reach whom under the NetworkPolicies: a matrix of pods, with the reason for every denied cell')
    .option(
      '-n, --namespace <ns>',
      'only pods of this namespace (repeat for several)',
      (value: string, list: string[]) => [...list, value],
      [] as string[],
    )
    .option('--port <port>', "check this port instead of each destination's container ports")
    .addOption(new Option('--proto <protocol>', 'protocol of --port').choices(['tcp', 'udp', 'sctp']).default('tcp'))
    .action(async (options: PolicyOptions) => (await import('./commands/policy.js')).runPolicy(context, options));

  program
    .command('import')
    .description(
      'mirror a real cluster: read what `kubectl get nodes,pods,services,endpointslices,networkpolicies -A -o json` prints (or manifests) and write a topology with everything pinned',
    )
    .argument('<inputs...>', 'a kubectl List (JSON or YAML), a multi-document YAML, a directory of manifests, or - for stdin')
    .option('-w, --out <file>', 'write the topology to FILE (whole or not at all) instead of stdout')
    .addOption(
      new Option(
        '--subnet <name=cidr[,gw=ip][,mtu=n]>',
        'an underlay subnet the nodes are on (repeatable); nodes go on the first that holds their address',
      ).argParser((v, prev: SubnetOption[] = []) => [...prev, parseSubnetOption(v)]),
    )
    .addOption(new Option('--mtu <n>', "MTU of the nodes' interfaces (default 1500)").argParser((v) => parseMtu(v)))
    .addOption(
      new Option('--proxy-mode <mode>', "kube-proxy's mode when its ConfigMap is not in the input").choices([
        'iptables',
        'ipvs',
        'nftables',
        'userspace',
        'none',
      ]),
    )
    .addOption(
      new Option('--pod-cidr <cidr>', 'the pod network, when no configuration in the input says it').argParser((v) =>
        parseCidrOption(v, '--pod-cidr'),
      ),
    )
    .addOption(
      new Option(
        '--service-cidr <cidr>',
        'the service network (kube-apiserver --service-cluster-ip-range), when kubeadm-config is not in the input',
      ).argParser((v) => parseCidrOption(v, '--service-cidr')),
    )
    .addOption(new Option('--cni <cni>', 'the CNI, when the input does not show it or netlab does not model it').choices([...CNI_CHOICES]))
    .option('--name <name>', "the topology's metadata.name (default: the kind cluster's name, else imported)")
    .option('--nodes <n>', 'manifests without Node objects: how many workers (besides one control-plane node; default 2)')
    .action(async (paths: string[], flags: ImportFlags) => (await import('./commands/import.js')).runImport(context, paths, flags));
}
