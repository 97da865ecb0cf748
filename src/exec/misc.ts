/** `cat`, `hostname`, `sysctl` over the files and kernel parameters a netns holds. */
import type { NetNs } from '../kernel/netns.js';
import { renderFile, renderHostname, renderSysctlAll, sysctlKey, sysctlLine } from '../render/files.js';
import type { Lines } from '../render/types.js';
import { CHANGES_STATE, notEmulated } from './not-emulated.js';
import { ok, result, type ExecResult } from './types.js';

/** A file's content: what components wrote, /proc/sys/* from the sysctls, /etc/hostname. */
function readFile(ns: NetNs, path: string): string | undefined {
  const written = ns.files.get(path);
  if (written !== undefined) return written;
  if (path.startsWith('/proc/sys/')) {
    const value = ns.sysctls.get(sysctlKey(path.slice('/proc/sys/'.length)));
    return value === undefined ? undefined : `${value}\n`;
  }
  if (path === '/etc/hostname') return `${ns.hostname}\n`;
  return undefined;
}

export function runCat(ns: NetNs, argv: readonly string[]): ExecResult {
  const paths = argv.slice(1);
  if (paths.length === 0 || paths.some((p) => p.startsWith('-'))) return notEmulated(argv, 'cat reads named files only');
  const contents: string[] = [];
  const errors: string[] = [];
  for (const path of paths) {
    const content = readFile(ns, path);
    if (content === undefined) errors.push(`cat: ${path}: No such file or directory`);
    else contents.push(content);
  }
  const lines = function* (): Lines {
    for (const content of contents) yield* renderFile(content);
  };
  return result(lines(), errors, errors.length > 0 ? 1 : 0);
}

export function runHostname(ns: NetNs, argv: readonly string[]): ExecResult {
  if (argv.length > 1) return notEmulated(argv, argv[1]!.startsWith('-') ? `hostname ${argv[1]}` : CHANGES_STATE);
  return ok(renderHostname(ns));
}

export function runSysctl(ns: NetNs, argv: readonly string[]): ExecResult {
  let valueOnly = false;
  let all = false;
  const names: string[] = [];
  for (const arg of argv.slice(1)) {
    if (arg === '-n') valueOnly = true;
    else if (arg === '-a' || arg === '-A' || arg === '-X') all = true;
    else if (arg.startsWith('-') || arg.includes('='))
      return notEmulated(argv, arg === '-w' || arg.includes('=') ? CHANGES_STATE : `sysctl ${arg}`);
    else names.push(arg);
  }
  if (all) return ok(renderSysctlAll(ns, valueOnly));
  if (names.length === 0) return notEmulated(argv, 'give a parameter name or -a');
  const lines: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const key = sysctlKey(name);
    const value = ns.sysctls.get(key);
    if (value === undefined) errors.push(`sysctl: cannot stat /proc/sys/${key.replaceAll('.', '/')}: No such file or directory`);
    else lines.push(sysctlLine(key, value, valueOnly));
  }
  return errors.length > 0 ? result(lines, errors, 1) : ok(lines);
}
