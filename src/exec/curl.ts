/**
 * `curl [-s] [-S] [-m SECONDS] http://HOST[:PORT][/PATH]` in a pod or node:
 * the name resolved as the pod would (its resolv.conf), a TCP connection
 * walked through the dataplane (kube-proxy's DNAT included), and the answer.
 * netlab's containers answer HTTP with their pod's name, as the tutorials'
 * `agnhost serve-hostname` does, so the output shows which backend answered.
 * Errors are curl 7.88's; as on a terminal, no progress meter is printed.
 */
import type { NetNs } from '../kernel/netns.js';
import { tracePacket } from '../dataplane/probes.js';
import { notEmulated } from './not-emulated.js';
import { resolveHost } from './resolve-host.js';
import { fail, ok, type ExecContext, type ExecResult } from './types.js';

/** Linux gives up a connection whose SYNs go unanswered after tcp_syn_retries=6: 1+2+4+...+64 s. */
const KERNEL_CONNECT_TIMEOUT_MS = 127_000;
/** ARP gives up after 3 probes a second apart (mcast_solicit=3, retrans_time=1 s). */
const ARP_FAILURE_MS = 3_000;

interface CurlArgs {
  readonly url: string;
  readonly silent: boolean;
  readonly showError: boolean;
  readonly maxTimeMs?: number;
}

function parseArgs(argv: readonly string[]): CurlArgs | string {
  let url: string | undefined;
  let silent = false;
  let showError = false;
  let maxTimeMs: number | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-s' || arg === '--silent') silent = true;
    else if (arg === '-S' || arg === '--show-error') showError = true;
    else if (arg === '-sS' || arg === '-Ss') silent = showError = true;
    else if (arg === '-m' || arg === '--max-time' || arg === '--connect-timeout') maxTimeMs = Number(argv[++i]) * 1000;
    else if (arg.startsWith('-')) return `curl option ${arg} is not emulated (-s, -S, -m, --connect-timeout)`;
    else url = arg;
  }
  if (url === undefined) return 'curl needs a URL';
  return { url, silent, showError, ...(maxTimeMs !== undefined ? { maxTimeMs } : {}) };
}

function parseUrl(url: string): { host: string; port: number } | undefined {
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(?:\/.*)?$/.exec(url);
  if (!m) return undefined;
  return { host: m[1]!, port: m[2] !== undefined ? Number(m[2]) : 80 };
}

export function runCurl(ns: NetNs, argv: readonly string[], ctx: ExecContext): ExecResult {
  if (!ctx.dataplane) return notEmulated(argv, 'curl needs the dataplane; run it through netlab exec');
  const dataplane = ctx.dataplane;
  const args = parseArgs(argv);
  if (typeof args === 'string') return notEmulated(argv, args);
  const target = parseUrl(args.url);
  if (!target) return fail(3, `curl: (3) URL using bad/illegal format or missing URL`);
  const error = (code: number, message: string): ExecResult =>
    fail(code, ...(args.silent && !args.showError ? [] : [`curl: (${code}) ${message}`]));

  const resolved = resolveHost(dataplane.cluster, ns, target.host);
  if (!resolved) return error(6, `Could not resolve host: ${target.host}`);
  const from = { label: ns.displayName, ip: 0, ns };
  const to = { label: target.host, ip: resolved.ip, port: target.port, protocol: 'tcp' as const };
  const run = tracePacket(dataplane, from, to, { protocol: 'tcp', dport: target.port }, true);
  const request = run.request;
  const where = `Failed to connect to ${target.host} port ${target.port} after`;
  if (request.disposition === 'DELIVERED' && run.reply?.disposition === 'DELIVERED') {
    // The process that answered: the pod that owns the socket the SYN reached.
    const answeredBy = /\(pod ([^/]+)\/([^)]+)\)/.exec(request.summary);
    return ok([answeredBy ? answeredBy[2]! : request.summary]);
  }
  // Accepted, then closed without a byte (kube-proxy's userspace mode for a service without endpoints).
  if (request.notice.kind === 'tcp-fin') return error(52, 'Empty reply from server');
  if (request.notice.kind === 'tcp-rst' || request.notice.kind === 'icmp' || request.notice.kind === 'local-error') {
    // A host unreachable after failed ARP arrives once the neighbour entry fails, about 3 s later.
    const afterMs = request.notice.kind === 'icmp' && request.notice.type === 3 && request.notice.code === 1 ? ARP_FAILURE_MS : 0;
    if (args.maxTimeMs !== undefined && args.maxTimeMs < afterMs)
      return error(28, `Connection timed out after ${args.maxTimeMs} milliseconds`);
    return error(7, `${where} ${afterMs} ms: Couldn't connect to server`);
  }
  if (args.maxTimeMs !== undefined) return error(28, `Connection timed out after ${args.maxTimeMs} milliseconds`);
  return error(7, `${where} ${KERNEL_CONNECT_TIMEOUT_MS} ms: Couldn't connect to server`);
}
