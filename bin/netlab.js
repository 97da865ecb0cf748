#!/usr/bin/env node
// The installed entry point: everything lives in the compiled CLI.
import { main } from '../dist/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
