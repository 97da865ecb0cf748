/**
 * What every command is handed: the options given before the command name
 * (`-f`, `-o`, `--no-color`, the what-ifs) and the terminal they print to.
 * main.ts builds it once the arguments are parsed; commands import it from
 * here, not from main.ts.
 */
import type { ChalkInstance } from 'chalk';
import type { Io } from './output.js';
import type { WhatIfOptions } from './what-if-options.js';

export interface GlobalOptions extends WhatIfOptions {
  topology?: string;
  output: 'text' | 'json';
  color: boolean;
}

/** Asynchronous: chalk, like everything a command prints with, is loaded when a command runs (not for --help). */
export type CommandContext = () => Promise<{ io: Io; opts: GlobalOptions; chalk: ChalkInstance }>;
