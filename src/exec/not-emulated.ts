/** The answer for anything netlab does not emulate: exit 2 and the list of what it does. */
import { supportedCommandLines } from './commands.js';
import { fail, NOT_EMULATED_EXIT, type ExecResult } from './types.js';

/**
 * `why` says what is missing in a few words ("changes state", "-j output");
 * the emulated forms follow, one per line.
 */
export function notEmulated(argv: readonly string[], why?: string): ExecResult {
  const shown = argv.join(' ');
  const head = why ? `netlab: "${shown}" is not emulated (${why}).` : `netlab: "${shown}" is not emulated.`;
  return fail(NOT_EMULATED_EXIT, head, 'Emulated commands:', ...supportedCommandLines());
}

/** Commands that would change the state; netlab's namespaces are views of the topology. */
export const CHANGES_STATE = 'it would change the state; edit the topology or use --set instead';

/**
 * An iproute2 subcommand other than `show`: its help text, a query that
 * only reads (named: `ip neigh get`), or a change of state.
 */
export function notEmulatedSubcommand(argv: readonly string[], object: string, sub: string, queries: readonly string[] = []): ExecResult {
  return notEmulated(argv, sub === 'help' ? 'help text' : queries.includes(sub) ? `${object} ${sub}` : CHANGES_STATE);
}
