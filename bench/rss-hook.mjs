// Loaded with --import: writes the process's peak RSS (KiB) to $NETLAB_BENCH_RSS at exit.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.NETLAB_BENCH_RSS) writeFileSync(process.env.NETLAB_BENCH_RSS, String(process.resourceUsage().maxRSS));
});
