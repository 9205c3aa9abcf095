#!/usr/bin/env node
"use strict";
// Runs the CLI from dist/cli.cjs, the bundle `npm ci` builds (`prepare`; after editing the sources: `npm run build`),
// with Node's on-disk compile cache (module.enableCompileCache; NODE_COMPILE_CACHE moves it, NODE_DISABLE_COMPILE_CACHE
// turns it off). Without the bundle, or with TALOS_HOMELAB_FROM_SOURCE set, it runs the TypeScript sources through tsx.
const { existsSync } = require("node:fs");
const { enableCompileCache } = require("node:module");
const { join } = require("node:path");

function loadMain() {
  const bundle = join(__dirname, "..", "dist", "cli.cjs");
  if (!process.env.TALOS_HOMELAB_FROM_SOURCE && existsSync(bundle)) {
    enableCompileCache();
    return require(bundle).main;
  }
  // both hooks: the commands load their libraries with import() (a `require` in the bundle)
  require("tsx/esm/api").register();
  require("tsx/cjs/api").register();
  return require("../cli/main.ts").main;
}

loadMain()(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`talos-homelab: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
