#!/usr/bin/env node
"use strict";
// Bundles the CLI (cli/main.ts and everything it imports) into dist/cli.cjs so that `talos-homelab` starts without
// compiling TypeScript. Run by `npm ci`/`npm install` (the `prepare` script) and by `npm run build`, which is the one
// step to run after editing the sources (or set TALOS_HOMELAB_FROM_SOURCE=1 to run them through tsx). The bundle is
// written to a temp file and renamed into place, so an interrupted build never leaves a half-written bundle.
const { mkdirSync, renameSync, rmSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const bundle = join(root, "dist", "cli.cjs");

async function build() {
  const esbuild = require("esbuild");
  mkdirSync(join(root, "dist"), { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(root, "cli", "main.ts")],
      outfile: tmp,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node22",
      metafile: true,
      logLevel: "warning",
      legalComments: "none",
    });
    renameSync(tmp, bundle);
    return Object.keys(result.metafile.inputs).length;
  } finally {
    rmSync(tmp, { force: true });
  }
}

build().then(
  (count) => process.stdout.write(`talos-homelab: CLI bundle dist/cli.cjs built from ${count} files\n`),
  (err) => {
    // Not fatal for `npm ci`: without a bundle the CLI runs the TypeScript sources through tsx.
    process.stderr.write(`talos-homelab: could not build the CLI bundle (${err instanceof Error ? err.message : String(err)}); the CLI will run from source\n`);
    process.exitCode = process.env.npm_lifecycle_event === "prepare" ? 0 : 1;
  },
);
