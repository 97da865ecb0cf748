/**
 * The emulated command line: `runEmulated(ns, ['ip', 'route', 'show', 'table', 'local'])`
 * parses argv like the real tool and answers with the real tool's output,
 * error text and exit code. Anything else exits 2 with the list of what is
 * emulated (src/exec/commands.ts).
 */
import type { NetNs } from '../kernel/netns.js';
import { runBridge } from './bridge.js';
import { runBrctl } from './brctl.js';
import { runNslookup } from './dns.js';
import { runDig } from './dig.js';
import { runBirdcl, runCalicoctl } from './calico.js';
import { runEthtool } from './ethtool.js';
import { runIp } from './ip.js';
import { runIptables, runIptablesSave } from './iptables.js';
import { runIpset, runIpvsadm } from './ipvs.js';
import { runNft } from './nft.js';
import { runCat, runHostname, runSysctl } from './misc.js';
import { runArp, runIfconfig, runNetstat, runRoute } from './net-tools.js';
import { notEmulated } from './not-emulated.js';
import { runPing, runTraceroute } from './probes.js';
import { runConntrack } from './conntrack.js';
import { runCurl } from './curl.js';
import type { EmulatedTool } from './commands.js';
import type { ExecContext, ExecResult } from './types.js';

type Runner = (ns: NetNs, argv: readonly string[], ctx: ExecContext) => ExecResult;

/** Every tool of src/exec/commands.ts and only those: the type makes a missing or extra runner an error. */
const TOOLS: Readonly<Record<EmulatedTool, Runner>> = {
  ip: runIp,
  bridge: runBridge,
  brctl: runBrctl,
  ethtool: runEthtool,
  ifconfig: runIfconfig,
  route: runRoute,
  netstat: runNetstat,
  arp: runArp,
  iptables: runIptables,
  'iptables-save': runIptablesSave,
  ipvsadm: runIpvsadm,
  ipset: runIpset,
  nft: runNft,
  cat: runCat,
  hostname: runHostname,
  sysctl: runSysctl,
  ping: runPing,
  traceroute: runTraceroute,
  conntrack: runConntrack,
  curl: runCurl,
  nslookup: runNslookup,
  dig: runDig,
  calicoctl: runCalicoctl,
  birdcl: runBirdcl,
};

/** Other names of an emulated tool: on the profile machine these are the same nf_tables binaries. */
const SAME_BINARY: Readonly<Record<string, EmulatedTool>> = {
  'iptables-nft': 'iptables',
  'iptables-nft-save': 'iptables-save',
};

export function runEmulated(ns: NetNs, argv: readonly string[], ctx: ExecContext = {}): ExecResult {
  let words = argv;
  // `sudo ip ...` and `/usr/sbin/ip ...` are the same command here.
  if (words[0] === 'sudo') words = words.slice(1);
  if (words.length === 0) return notEmulated(argv, 'no command given');
  const tool = words[0]!.slice(words[0]!.lastIndexOf('/') + 1);
  // Own keys only: `toString` or `constructor` is not a tool.
  const name = Object.hasOwn(SAME_BINARY, tool) ? SAME_BINARY[tool]! : tool;
  const runner = Object.hasOwn(TOOLS, name) ? TOOLS[name as EmulatedTool] : undefined;
  if (!runner) return notEmulated(argv);
  return runner(ns, [tool, ...words.slice(1)], ctx);
}
