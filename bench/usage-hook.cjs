// Loaded with --require (CommonJS, so that neither the measured command nor
// the baseline pays for the ES module loader): writes the process's CPU time
// (user + system, all threads, from its start) and peak RSS to
// $NETLAB_BENCH_USAGE when it exits.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.NETLAB_BENCH_USAGE;
  if (!file) return;
  const usage = process.resourceUsage();
  writeFileSync(file, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, rssKiB: usage.maxRSS }));
});
