#!/usr/bin/env node
"use strict";
// Bundles the CLI (cli/main.ts and everything it imports) into one CommonJS file so that `talos-homelab` starts
// without compiling TypeScript. Run by `npm ci`/`npm install` (the `prepare` script). Next to the bundle it writes
// the size and mtime of every input file: bin/talos-homelab.cjs uses the bundle only while they are all unchanged.
const { mkdirSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { join, relative } = require("node:path");
const { bundlePaths } = require("./cli-bundle-paths.cjs");

async function build() {
  const esbuild = require("esbuild");
  const root = join(__dirname, "..");
  const paths = bundlePaths(root);
  mkdirSync(paths.dir, { recursive: true });
  const tmpBundle = `${paths.bundle}.${process.pid}.tmp`;
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(root, "cli", "main.ts")],
      outfile: tmpBundle,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      metafile: true,
      logLevel: "warning",
      legalComments: "none",
      sourcemap: false,
    });
    const inputs = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      const file = join(root, input);
      const st = statSync(file);
      inputs[relative(root, file)] = [st.mtimeMs, st.size];
    }
    // the bundle's own manifest: what it was built from, for the freshness check and for `esbuild --analyze`-style use
    writeFileSync(paths.meta, JSON.stringify(result.metafile));
    renameSync(tmpBundle, paths.bundle);
    writeFileSync(`${paths.inputs}.${process.pid}.tmp`, JSON.stringify({ bundleMtimeMs: statSync(paths.bundle).mtimeMs, inputs }));
    renameSync(`${paths.inputs}.${process.pid}.tmp`, paths.inputs);
    return Object.keys(inputs).length;
  } finally {
    rmSync(tmpBundle, { force: true });
  }
}

build().then(
  (count) => process.stdout.write(`talos-homelab: CLI bundle built from ${count} files\n`),
  (err) => {
    // Not fatal: without a bundle the CLI runs the TypeScript sources through tsx.
    process.stderr.write(`talos-homelab: could not build the CLI bundle (${err instanceof Error ? err.message : String(err)}); the CLI will run from source\n`);
  },
);
