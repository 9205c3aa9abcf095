#!/usr/bin/env node
"use strict";
// Runs the CLI from the bundle `npm ci` builds (bin/build-cli-bundle.cjs) while every file it was built from is
// unchanged, else straight from the TypeScript sources through tsx: no separate build step, and never stale code.
const { readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join } = require("node:path");
const vm = require("node:vm");
const { bundlePaths } = require("./cli-bundle-paths.cjs");

function freshBundle() {
  if (process.env.TALOS_HOMELAB_FROM_SOURCE) return undefined;
  const root = join(__dirname, "..");
  const paths = bundlePaths(root);
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(paths.inputs, "utf8"));
  } catch {
    return undefined;
  }
  for (const [input, [mtimeMs, size]] of Object.entries(inputs)) {
    const st = statSync(join(root, input), { throwIfNoEntry: false });
    if (st === undefined || st.mtimeMs !== mtimeMs || st.size !== size) return undefined;
  }
  return paths.bundle;
}

/**
 * Loads the bundle like `require`, with V8's code cache kept beside it (what Node 22's module.enableCompileCache
 * does): compiling the 2 MB bundle is a good part of the start-up time. Returns a function that saves the cache once
 * the CLI has run, so that it also holds the functions compiled lazily.
 */
function requireWithCodeCache(file) {
  const cacheFile = `${file}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  const saveCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      // a read-only install just starts a little slower
    }
  };
  return { exports: mod.exports, saveCache };
}

function loadMain() {
  const bundle = freshBundle();
  if (bundle !== undefined) {
    const { exports, saveCache } = requireWithCodeCache(bundle);
    return (argv) => exports.main(argv).finally(saveCache);
  }
  require("tsx/cjs/api").register();
  return require("../cli/main.ts").main;
}

loadMain()(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`talos-homelab: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
