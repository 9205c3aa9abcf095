#!/usr/bin/env node
"use strict";
// Bundles the CLI (cli/main.ts and everything it imports) into one CommonJS file so that `talos-homelab` starts
// without compiling TypeScript. Run by `npm ci`/`npm install` (the `prepare` script). Next to the bundle it writes
// the esbuild metafile and the size and mtime of every input file: bin/talos-homelab.cjs uses the bundle only while
// they are all unchanged.
const { mkdirSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { bundlePaths } = require("./cli-bundle-paths.cjs");

const root = join(__dirname, "..");

function statsOf(metafile) {
  const stats = {};
  for (const input of Object.keys(metafile.inputs)) {
    const st = statSync(join(root, input));
    stats[input] = [st.mtimeMs, st.size];
  }
  return stats;
}

async function build() {
  const esbuild = require("esbuild");
  const paths = bundlePaths(root);
  mkdirSync(paths.dir, { recursive: true });
  const tmp = (file) => `${file}.${process.pid}.tmp`;
  const options = {
    absWorkingDir: root,
    entryPoints: [join(root, "cli", "main.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    metafile: true,
    logLevel: "warning",
    legalComments: "none",
  };
  try {
    // Stats taken before and after the real build bracket the moment esbuild read the files: if they agree, the
    // bundle holds exactly the content those stats describe (an edit during the build would show up as a difference).
    const before = statsOf((await esbuild.build({ ...options, write: false })).metafile);
    const result = await esbuild.build({ ...options, outfile: tmp(paths.bundle) });
    const after = statsOf(result.metafile);
    for (const [input, stat] of Object.entries(after)) {
      if (JSON.stringify(before[input]) !== JSON.stringify(stat)) throw new Error(`${input} changed while the bundle was built; run \`npm run prepare\` again`);
    }
    writeFileSync(tmp(paths.meta), JSON.stringify(result.metafile));
    writeFileSync(tmp(paths.inputs), JSON.stringify(after));
    renameSync(tmp(paths.bundle), paths.bundle);
    renameSync(tmp(paths.meta), paths.meta);
    renameSync(tmp(paths.inputs), paths.inputs);
    return Object.keys(after).length;
  } finally {
    for (const file of [paths.bundle, paths.meta, paths.inputs]) rmSync(tmp(file), { force: true });
  }
}

build().then(
  (count) => process.stdout.write(`talos-homelab: CLI bundle built from ${count} files\n`),
  (err) => {
    // Not fatal: without a fresh bundle the CLI runs the TypeScript sources through tsx.
    process.stderr.write(`talos-homelab: could not build the CLI bundle (${err instanceof Error ? err.message : String(err)}); the CLI will run from source\n`);
  },
);
