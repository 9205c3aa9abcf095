#!/usr/bin/env node
"use strict";
// Runs the TypeScript CLI directly: no build step after `npm ci`.
require("tsx/cjs/api").register();
const { main } = require("../cli/main.ts");
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`talos-homelab: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
