/**
 * The command-line option of each fault kind. A module without imports of
 * its own: the CLI's what-if options read it at start-up, before anything
 * is built (faults.ts re-exports it with the rest of the fault model).
 */
import type { FaultKind } from '../topology/types.js';

export const FAULT_OPTIONS: Readonly<Record<FaultKind, string>> = {
  fail: '--fail',
  linkDown: '--link-down',
  routeDel: '--route-del',
  ruleDel: '--rule-del',
  notReady: '--not-ready',
};
