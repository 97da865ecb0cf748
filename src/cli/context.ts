/**
 * What every command is handed: the options given before the command name
 * (`-f`, `-o`, `--no-color`, the what-ifs) and the terminal they print to.
 * main.ts builds it once the arguments are parsed; commands import it from
 * here, not from main.ts.
 */
import type { Io, makeChalk } from './output.js';
import type { WhatIfOptions } from './what-if-options.js';

export interface GlobalOptions extends WhatIfOptions {
  topology?: string;
  output: 'text' | 'json';
  color: boolean;
}

export type CommandContext = () => { io: Io; opts: GlobalOptions; chalk: ReturnType<typeof makeChalk> };
