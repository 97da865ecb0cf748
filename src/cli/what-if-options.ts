/**
 * The what-if options every command takes: `--set PATH=VALUE` and the
 * fault options, repeatable, collected in order. `netlab diff` applies them
 * to its variant only; every other command builds with them.
 */
import { Option, type Command } from 'commander';
import type { FaultKind } from '../topology/types.js';
import { FAULT_OPTIONS } from '../whatif/fault-options.js';
import type { FaultRequest } from '../whatif/faults.js';
import type { WhatIf } from '../whatif/variant.js';

/** As commander gives them: absent when the option was not used. */
export interface WhatIfOptions {
  readonly set?: readonly string[];
  readonly fail?: readonly string[];
  readonly linkDown?: readonly string[];
  readonly routeDel?: readonly string[];
  readonly ruleDel?: readonly string[];
  readonly notReady?: readonly string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addWhatIfOptions(program: Command): void {
  program
    .addOption(
      new Option(
        '--set <path=value>',
        'what-if: change the topology before the build (repeatable), e.g. --set network.cni.backend=host-gw',
      ).argParser(collect),
    )
    .addOption(new Option('--fail <node>', 'fault: the node is powered off (repeatable)').argParser(collect))
    .addOption(new Option('--link-down <target:dev>', 'fault: ip link set DEV down in a node or pod, e.g. node-02:eth0').argParser(collect))
    .addOption(
      new Option(
        '--route-del <target:prefix>',
        'fault: ip route del PREFIX[:TABLE] in a node or pod, e.g. node-02:10.244.2.0/24',
      ).argParser(collect),
    )
    .addOption(
      new Option('--rule-del <target:table:chain:n>', 'fault: iptables -t TABLE -D CHAIN N, e.g. node-02:nat:FLANNEL-POSTRTG:5').argParser(
        collect,
      ),
    )
    .addOption(new Option('--not-ready <pod>', 'fault: the pod fails its readiness probe and leaves its services').argParser(collect));
}

const KEYS: readonly [keyof Omit<WhatIfOptions, 'set'>, FaultKind][] = [
  ['fail', 'fail'],
  ['linkDown', 'linkDown'],
  ['routeDel', 'routeDel'],
  ['ruleDel', 'ruleDel'],
  ['notReady', 'notReady'],
];

export function whatIfOf(options: WhatIfOptions): WhatIf {
  const faults: FaultRequest[] = [];
  for (const [key, kind] of KEYS) {
    for (const value of options[key] ?? []) faults.push({ kind, value, origin: { flag: FAULT_OPTIONS[kind] } });
  }
  return { sets: options.set ?? [], faults };
}

export function hasWhatIf(whatIf: WhatIf): boolean {
  return whatIf.sets.length > 0 || whatIf.faults.length > 0;
}

/** The what-if options as they were given, option and value (`--set`, `a=b`, `--fail`, `node-03`): for a generated file's header. */
export function whatIfArgv(whatIf: WhatIf): string[] {
  return [
    ...whatIf.sets.flatMap((s) => ['--set', typeof s === 'string' ? s : s.text]),
    ...whatIf.faults.flatMap((f) => [FAULT_OPTIONS[f.kind], f.value]),
  ];
}
