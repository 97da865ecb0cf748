#!/usr/bin/env node
// The installed entry point: the bundled CLI (scripts/bundle.mjs, run by `npm run build`),
// loaded with its code cache by load-bundle.js. CommonJS, as bin/package.json says (see load-bundle.js).
'use strict';
const { loadCli } = require('./load-bundle.js');

loadCli()
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
