#!/usr/bin/env node
// The installed entry point: the CLI as esbuild bundled it (scripts/bundle.mjs, run by `npm run build`).
import { main } from '../dist/bundle/netlab.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
