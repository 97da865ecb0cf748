/**
 * What the fuzz tests throw at netlab: topologies mutated from the labs
 * (as text, and as data written back as YAML or JSON), command lines built
 * from netlab's own vocabulary and wrong words, emulated tool lines, and lab
 * files. Every run is one CLI invocation in-process (test/cli/run-cli.ts),
 * judged by `judge`: no internal error (exit 70), no stack trace, an exit
 * code netlab documents, no run over 10 s.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYamlText, stringify } from 'yaml';
import { ROOT } from '../helpers.js';
import { runCli, type CliRun } from '../cli/run-cli.js';

/** The default lab, the one every name above fits, half the time; any lab topology otherwise. */
export const seedTopology = () =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(SEEDS[0]!) }, { weight: 3, arbitrary: fc.constantFrom(...SEEDS) });

/** The topologies of the lab set: the seeds every mutation starts from. */
export const SEEDS: readonly { readonly file: string; readonly text: string }[] = [
  'labs/default.yaml',
  ...readdirSync(join(ROOT, 'labs'))
    .filter((d) => existsSync(join(ROOT, 'labs', d, 'topology.yaml')))
    .sort()
    .map((d) => `labs/${d}/topology.yaml`),
].map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

/** Names the lab topologies have (most of them in most labs). */
const GOOD_NAMES = [
  'master',
  'node-01',
  'node-02',
  'node-03',
  'pod-a',
  'pod-b',
  'pod-c',
  'pod-d',
  'default/pod-a',
  'pod-a:nginx',
  'svc/web',
  'svc/web:80',
  'svc/kube-system/kube-dns:dns',
  'web',
  'web.default.svc.cluster.local',
  'external',
  '10.244.2.2',
  '10.244.1.3',
  '10.96.0.1',
  '10.96.0.10',
  '10.234.2.12',
  'kube-system/coredns-6484dd8989-4pkqf',
];
/** And names close to them, or not names at all. */
const ODD_NAMES = [
  'nope',
  '',
  ':',
  '::',
  'pod-a:',
  '/',
  'svc/',
  'svc/web:99999',
  '999.1.1.1',
  'pod-a:80',
  'svc/nope',
  'node-3',
  'POD-A',
  '0.0.0.0',
  '255.255.255.255',
  '127.0.0.1',
];
const NAMES = [...GOOD_NAMES, ...ODD_NAMES];
const DEVICES = ['eth0', 'lo', 'cni0', 'flannel.1', 'flannel0', 'tunl0', 'vxlan.calico', 'kube-ipvs0', 'docker0', 'nosuch', ''];
const NUMBERS = [
  '0',
  '1',
  '-1',
  '2',
  '80',
  '255',
  '256',
  '1423',
  '65535',
  '65536',
  '9999999999',
  '99999999999999999999',
  '1e3',
  '0x10',
  '1.5',
  'abc',
  '',
  ' 3',
  '+2',
];
const WEIRD = [
  '\n',
  '\t',
  '\u0000',
  '\u001b[2J',
  '\u202e',
  '"',
  "'",
  '[',
  '{',
  ']',
  '}',
  ',',
  ': ',
  '&a ',
  '*a',
  '<<: ',
  '? ',
  '---',
  '#',
  '|',
  '>',
  '!!binary ',
  '~',
  '%YAML 1.2',
  '\ufeff',
  'ä',
  '💥',
  '\\',
  ' ',
  '-',
];
const SET_PATHS = [
  'network.cni.backend',
  'network.cni.plugin',
  'network.cni.mode',
  'network.cni.vni',
  'network.kubeProxy.mode',
  'network.podCIDR',
  'network.serviceCIDR',
  'nodes.node-03.subnet',
  'nodes.node-02.runtime',
  'nodes[+]',
  'pods.pod-a.hostVeth.name',
  'pods.pod-a.node',
  'services.default/web.type',
  'metadata.name',
  'subnets.rack-1.mtu',
  'nope.nope',
  'nodes[99]',
  'network..cni',
  '',
];
const SET_VALUES = [
  'host-gw',
  'udp',
  'vxlan',
  'calico',
  'ipip',
  'bgp',
  'ipvs',
  'nftables',
  'userspace',
  'none',
  'docker',
  'eth0',
  '10.0.0.0/8',
  '1.2.3.4/33',
  '{name: node-04, ip: 10.234.2.14, subnet: rack-1}',
  '{name: a',
  '[a, b]',
  '[[[[[[[[[[]]]]]]]]]]',
  'null',
  'true',
  '-5',
  '70000',
  '&a [*a]',
  '{? [a, b]: 1}',
  '!foo x',
  '',
];

const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);

/** A word netlab knows (mostly), or something close to one, or something hostile. */
const word = fc.oneof(
  { weight: 12, arbitrary: pick(GOOD_NAMES) },
  { weight: 3, arbitrary: pick(ODD_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: pick(WEIRD) },
);
const number = fc.oneof(
  { weight: 4, arbitrary: pick(NUMBERS) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 70_000 }).map(String) },
);

const GOOD_WHAT_IFS: readonly string[][] = [
  ['--set', 'network.cni.backend=host-gw'],
  ['--set', 'network.cni.backend=udp'],
  ['--set', 'network.cni.directRouting=true'],
  ['--set', 'network.kubeProxy.mode=ipvs'],
  ['--set', 'network.kubeProxy.mode=nftables'],
  ['--set', 'network.kubeProxy.mode=userspace'],
  ['--set', 'network.cni={plugin: calico, mode: ipip}'],
  ['--set', 'network.cni={plugin: calico, mode: vxlan, crossSubnet: true}'],
  ['--set', 'subnets.rack-1.mtu=9000'],
  ['--set', 'services.default/web.externalTrafficPolicy=Local'],
  ['--fail', 'node-03'],
  ['--fail', 'node-02'],
  ['--fail', 'master'],
  ['--link-down', 'node-02:eth0'],
  ['--link-down', 'pod-a:eth0'],
  ['--link-down', 'node-02:cni0'],
  ['--link-down', 'node-02:flannel.1'],
  ['--route-del', 'node-02:default'],
  ['--route-del', 'pod-a:default'],
  ['--rule-del', 'node-02:nat:KUBE-SERVICES:1'],
  ['--not-ready', 'pod-b'],
  ['--not-ready', 'kube-system/coredns-6484dd8989-4pkqf'],
];

const whatIf = fc.oneof(
  { weight: 8, arbitrary: pick(GOOD_WHAT_IFS) },
  fc.tuple(pick(SET_PATHS), pick(SET_VALUES)).map(([p, v]) => ['--set', `${p}=${v}`]),
  fc.tuple(pick(['--fail', '--not-ready']), word).map(([o, w]) => [o, w]),
  fc.tuple(word, pick(DEVICES)).map(([t, d]) => ['--link-down', `${t}:${d}`]),
  fc.tuple(word, pick(['10.244.2.0/24', 'default', '1.2.3.4', 'x'])).map(([t, p]) => ['--route-del', `${t}:${p}`]),
  fc
    .tuple(word, pick(['nat', 'filter', 'nta']), pick(['FLANNEL-POSTRTG', 'KUBE-SERVICES', 'FORWARD', 'X']), number)
    .map(([t, a, c, n]) => ['--rule-del', `${t}:${a}:${c}:${n}`]),
);

/** A netlab command and its own arguments (what-if options are added separately). */
export const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.constant<string[]>(['validate']),
  fc.tuple(word, word).map(([a, b]) => ['trace', a, b]),
  fc.tuple(word, word, pick(['--port', '--size', '--ttl', '--sport', '--seed']), number).map(([a, b, o, n]) => ['trace', a, b, o, n]),
  fc
    .tuple(
      word,
      word,
      pick(['--reply', '--all-endpoints', '--no-df', '--format=traceroute', '--format=mermaid', '--format=dot', '--proto=udp']),
    )
    .map(([a, b, o]) => ['trace', a, b, o]),
  fc
    .tuple(pick(['routes', 'links', 'addresses', 'neighbours', 'fdb', 'bridges', 'stats', 'sysctls', 'iptables', 'nope']), word)
    .map(([v, t]) => ['show', v, t]),
  fc.tuple(word, word, pick(GOOD_WHAT_IFS)).map(([a, b, w]) => ['diff', '--pair', a, b, ...w]),
  fc.tuple(word, pick(GOOD_WHAT_IFS)).map(([n, w]) => ['diff', '--node', n, ...w]),
  fc.tuple(number, pick(GOOD_WHAT_IFS)).map(([n, w]) => ['diff', '--max-pods', n, ...w]),
  fc.tuple(pick(GOOD_WHAT_IFS), pick(['--port=80', '--proto=udp', '--port=53', '--proto=tcp'])).map(([w, p]) => ['diff', ...w, p]),
  fc.constant<string[]>(['graph']),
  fc.constant<string[]>(['graph', '--format', 'dot']),
  fc.tuple(pick(['default', 'kube-system', 'nope'])).map(([n]) => ['policy', '-n', n]),
  fc.constant<string[]>(['export', '--format', 'netns']),
);

/** A full command line on the default lab: a command, what-ifs, maybe JSON output. */
export const commandLine: fc.Arbitrary<string[]> = fc
  .tuple(
    command,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<string[][]>([]) },
      { weight: 2, arbitrary: fc.array(whatIf, { minLength: 1, maxLength: 2 }) },
    ),
    fc.boolean(),
  )
  .map(([c, w, json]) => [...c, ...w.flat(), ...(json ? ['-o', 'json'] : [])]);

const TOOL_LINES: readonly (readonly string[])[] = [
  ['ip', 'route'],
  ['ip', 'route', 'get'],
  ['ip', '-d', 'link'],
  ['ip', 'addr', 'show', 'dev'],
  ['ip', 'neigh'],
  ['ip', 'rule'],
  ['ip', 'maddr'],
  ['ip', 'route', 'show', 'table'],
  ['bridge', 'fdb', 'show', 'dev'],
  ['bridge', 'link'],
  ['brctl', 'show'],
  ['brctl', 'showmacs'],
  ['ethtool', '-S'],
  ['ethtool', '-i'],
  ['ifconfig'],
  ['route', '-n'],
  ['netstat', '-rn'],
  ['arp', '-n'],
  ['iptables', '-t', 'nat', '-L'],
  ['iptables', '-S'],
  ['iptables-save', '-t'],
  ['ipvsadm', '-Ln'],
  ['ipset', 'list'],
  ['nft', 'list', 'ruleset'],
  ['nft', 'list', 'chain', 'ip'],
  ['cat'],
  ['hostname'],
  ['sysctl', '-n'],
  ['ping', '-c'],
  ['ping', '-c', '2', '-s'],
  ['ping', '-t'],
  ['ping', '-W'],
  ['curl', '-m'],
  ['curl'],
  ['conntrack', '-L', '-p'],
  ['traceroute', '-m'],
  ['traceroute', '-q'],
  ['traceroute', '-n', '-w'],
  ['nslookup'],
  ['dig'],
  ['dig', '+short', '-x'],
  ['calicoctl', 'node', 'status'],
  ['birdcl', 'show', 'protocols'],
  ['tc', 'qdisc'],
];
const toolArg = fc.oneof(
  pick(GOOD_NAMES),
  pick(DEVICES),
  pick(NUMBERS),
  pick([
    'nat',
    'filter',
    'main',
    'local',
    'all',
    '10.244.2.2',
    'http://web',
    'http://10.96.0.1:99999/',
    'web.default.svc.cluster.local',
    '/run/flannel/subnet.env',
    '/etc/shadow',
    'net.ipv4.ip_forward',
    '-4',
    '-s',
    '-x',
    'tcp',
    'icmp',
    '@10.96.0.10',
    '+search',
    'SRV',
    'PTR',
  ]),
  word,
);

/** `exec TARGET [--traffic ...] -- TOOL ARGS...`. */
export const execLine: fc.Arbitrary<string[]> = fc
  .tuple(
    pick(['master', 'node-02', 'node-03', 'pod-a', 'pod-b', 'pod-c', 'kube-system/coredns-6484dd8989-4pkqf', 'nope']),
    pick(TOOL_LINES),
    fc.array(toolArg, { maxLength: 3 }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(pick(GOOD_NAMES), pick(GOOD_NAMES), pick(['1', '3', '10'])) },
    ),
  )
  .map(([target, tool, args, traffic]) => ['exec', target, ...(traffic ? ['--traffic', traffic.join(' ')] : []), '--', ...tool, ...args]);

// ---------------------------------------------------------------- topologies

/** Text mutations: cut, repeat, insert hostile bits, swap a token. */
const textMutation = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 200 })).map(
    ([at, n]) =>
      (t: string) =>
        t.slice(0, at % (t.length + 1)) + t.slice((at % (t.length + 1)) + n),
  ),
  fc.tuple(fc.nat(), pick(WEIRD)).map(
    ([at, s]) =>
      (t: string) =>
        t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1)),
  ),
  fc.nat().map((at) => (t: string) => {
    const lines = t.split('\n');
    const i = at % lines.length;
    return [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)].join('\n');
  }),
  fc.tuple(fc.nat(), fc.oneof(pick(NAMES), pick(NUMBERS), pick(DEVICES), pick(SET_VALUES))).map(([at, s]) => (t: string) => {
    const tokens = [...t.matchAll(/[\w./-]+/g)];
    if (tokens.length === 0) return t;
    const m = tokens[at % tokens.length]!;
    return t.slice(0, m.index) + s + t.slice(m.index! + m[0].length);
  }),
);

/** Settings worth swapping, with values they take and a few they do not. */
const SWAPS: Readonly<Record<string, readonly string[]>> = {
  backend: ['vxlan', 'host-gw', 'udp', 'vxlam'],
  mode: ['iptables', 'ipvs', 'nftables', 'userspace', 'none', 'bgp', 'ipip', 'vxlan'],
  plugin: ['flannel', 'calico'],
  subnet: ['rack-1', 'rack-2', 'rack-9'],
  node: ['master', 'node-01', 'node-02', 'node-03'],
  mtu: ['1500', '9000', '1280', '68', '65536'],
  type: ['ClusterIP', 'NodePort', 'LoadBalancer'],
  externalTrafficPolicy: ['Cluster', 'Local'],
  runtime: ['containerd', 'docker'],
  directRouting: ['true', 'false'],
  crossSubnet: ['true', 'false'],
  hostNetwork: ['true', 'false'],
};
const SWAPPABLE = new RegExp(`\\b(${Object.keys(SWAPS).join('|')}): ([\\w.-]+)`, 'g');

const VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 32,
  1e300,
  '',
  'eth0',
  'x'.repeat(300),
  [],
  {},
  [[[[[]]]]],
  { name: 'x' },
  ['a'],
  '10.0.0.0/8',
  'node-02',
  99999,
  'cni0',
  '__proto__',
];

/** A data mutation: set a random path (of the parsed document) to an interesting value. */
function setAt(doc: unknown, picks: readonly number[], value: unknown): unknown {
  if (picks.length === 0 || doc === null || typeof doc !== 'object') return value;
  const keys = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  if (keys.length === 0) return value;
  const key = keys[picks[0]! % keys.length]!;
  const copy = (Array.isArray(doc) ? [...doc] : { ...(doc as Record<string, unknown>) }) as Record<string | number, unknown>;
  copy[key] = setAt((doc as Record<string | number, unknown>)[key], picks.slice(1), value);
  return copy;
}

/** A topology: a lab topology mutated as text, or as data and written back as YAML or JSON. */
export const topology: fc.Arbitrary<{ name: string; text: string }> = fc.oneof(
  fc
    .tuple(pick(SEEDS), fc.array(textMutation, { minLength: 1, maxLength: 3 }))
    .map(([seed, ms]) => ({ name: 'mutated.yaml', text: ms.reduce((t, m) => m(t), seed.text) })),
  // A light touch, so that many still build and the commands go deep: one setting swapped for another value it takes (or nearly).
  {
    weight: 3,
    arbitrary: fc.tuple(pick(SEEDS), fc.nat(), fc.nat()).map(([seed, at, choice]) => {
      const tokens = [...seed.text.matchAll(SWAPPABLE)];
      if (tokens.length === 0) return { name: 'swapped.yaml', text: seed.text };
      const m = tokens[at % tokens.length]!;
      const values = SWAPS[m[1]!]!;
      return {
        name: 'swapped.yaml',
        text:
          seed.text.slice(0, m.index! + m[0].length - m[2]!.length) +
          values[choice % values.length] +
          seed.text.slice(m.index! + m[0].length),
      };
    }),
  },
  fc
    .tuple(
      pick(SEEDS),
      fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), pick(VALUES)), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
    )
    .map(([seed, edits, json]) => {
      // The seeds parse: the yaml package reads them as plain data.
      let doc: unknown = JSON.parse(JSON.stringify(parseSeed(seed.text)));
      for (const [path, value] of edits) doc = setAt(doc, path, value);
      return json ? { name: 'mutated.json', text: JSON.stringify(doc) } : { name: 'mutated.yaml', text: stringify(doc) };
    }),
);

function parseSeed(text: string): unknown {
  return parseYamlText(text, { merge: true });
}

/** A lab file (with its topology next to it or inline, or a path that leads out), as text. */
export const labFile: fc.Arbitrary<string> = fc
  .tuple(
    pick(['../default.yaml', 'topology.yaml', '/etc/passwd', '../../etc/passwd', 'nope.yaml', '.', 'INLINE']),
    fc.array(
      fc.oneof(
        fc
          .tuple(word, word, fc.option(pick(['DELIVERED', 'NO_ROUTE', 'DELIVERD'])))
          .map(([a, b, d]) => `  - {name: t, trace: {from: "${esc(a)}", to: "${esc(b)}"}, expect: {disposition: ${d ?? 'DELIVERED'}}}`),
        fc
          .tuple(word, pick(TOOL_LINES), fc.array(toolArg, { maxLength: 2 }))
          .map(
            ([on, tool, args]) =>
              `  - {name: e, exec: {on: "${esc(on)}", command: "${esc([...tool, ...args].join(' '))}"}, expect: {contains: [x]}}`,
          ),
        fc
          .tuple(pick(['routes', 'links', 'nope']), word)
          .map(([v, on]) => `  - {name: s, show: {view: ${v}, on: "${esc(on)}"}, expect: {contains: [x]}}`),
        fc
          .tuple(pick(SET_PATHS), pick(SET_VALUES), word)
          .map(
            ([p, v, f]) =>
              `  - {name: d, diff: {set: ["${esc(`${p}=${v}`)}"], faults: [{fail: "${esc(f)}"}]}, expect: {reachability: changed}}`,
          ),
        fc.string({ maxLength: 40 }).map((s) => `  - ${s}`),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([topo, steps]) => {
    const topology = topo === 'INLINE' ? `topology:\n${SEEDS[0]!.text.replace(/^/gm, '  ')}` : `topology: ${topo}`;
    return `apiVersion: netlab/v1\nkind: Lab\nmetadata: {name: fuzz, title: Fuzz}\n${topology}\nsteps:\n${steps.join('\n')}\n`;
  });

function esc(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

// ---------------------------------------------------------------- running and judging

export const TIME_LIMIT_MS = 10_000;

export interface Judged {
  readonly run: CliRun;
  readonly ms: number;
}

/** Runs the CLI in-process and checks the promises netlab makes about any input; throws with the evidence when one is broken. */
export async function judge(args: string[], options: { cwd?: string; exec?: boolean } = {}): Promise<Judged> {
  const started = performance.now();
  const run = await runCli(args, options.cwd !== undefined ? { cwd: options.cwd } : {});
  const ms = performance.now() - started;
  const problems: string[] = [];
  if (run.code === 70 || run.stderr.includes('internal error')) problems.push('internal error (exit 70)');
  if (/^\s+at .+[:(].*\d+:\d+\)?$/m.test(run.stderr)) problems.push('a stack trace on stderr');
  // netlab's codes: 0, 1, 2; exec passes on the emulated tool's own exit status.
  if (options.exec ? !(Number.isInteger(run.code) && run.code >= 0 && run.code <= 255) : ![0, 1, 2].includes(run.code))
    problems.push(`exit code ${run.code}`);
  if (ms > TIME_LIMIT_MS) problems.push(`took ${Math.round(ms)} ms`);
  if (problems.length > 0) {
    throw new Error(
      `${problems.join(', ')} for netlab ${JSON.stringify(args)}\n--- stderr (first 2000 characters) ---\n${run.stderr.slice(0, 2000)}`,
    );
  }
  return { run, ms };
}

/** A scratch directory per fuzz run, under one per process. */
const scratchRoot = mkdtempSync(join(tmpdir(), 'netlab-fuzz-'));
let scratchCount = 0;
export function scratch(): string {
  const dir = join(scratchRoot, String(scratchCount++));
  mkdirSync(dir);
  return dir;
}

export function writeTopology(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** How many runs and which seed: small and fixed in CI; `npm run fuzz -- --runs N --seed S` for long runs. */
export function budget(defaultRuns: number): { numRuns: number; seed: number; endOnFailure: true } {
  const runs = Number(process.env['NETLAB_FUZZ_RUNS'] || 'NaN');
  const seed = Number(process.env['NETLAB_FUZZ_SEED'] || 'NaN');
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? Math.ceil(runs / 4) : defaultRuns,
    seed: Number.isInteger(seed) ? seed : 1207,
    endOnFailure: true,
  };
}
