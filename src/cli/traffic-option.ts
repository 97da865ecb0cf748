/**
 * The `--traffic "FROM TO [COUNT]"` option of show and exec, as declared and
 * parsed; walking the packets is traffic.ts's job, loaded only when a command
 * runs (this module stays light for start-up).
 */
import { UsageError } from '../diagnostics/diagnostic.js';

export interface TrafficSpec {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

export const TRAFFIC_HELP =
  'before printing, send COUNT packets FROM TO and their answers (e.g. "pod-a pod-b 3", "pod-a pod-b:80"); repeatable';

export function collectTraffic(value: string, previous: TrafficSpec[] = []): TrafficSpec[] {
  const words = value.trim().split(/\s+/);
  if (words.length < 2 || words.length > 3)
    throw new UsageError(`--traffic takes "FROM TO [COUNT]", not "${value}"`, 'e.g. --traffic "pod-a pod-b 3"');
  const count = words[2] === undefined ? 1 : Number(words[2]);
  if (!Number.isInteger(count) || count < 1 || count > 10_000)
    throw new UsageError(`--traffic count must be 1 to 10000, not "${words[2]}"`);
  return [...previous, { from: words[0]!, to: words[1]!, count }];
}
