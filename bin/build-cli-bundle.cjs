#!/usr/bin/env node
"use strict";
// Bundles the CLI into dist/ so that `talos-homelab` starts without compiling TypeScript. Run by `npm ci`/`npm install`
// (the `prepare` script) and by `npm run build`, the one step to run after editing the sources (or set
// TALOS_HOMELAB_FROM_SOURCE=1 to run them through tsx).
//
// dist/cli.cjs holds the command line (cli/ and commander). What the commands load on use is a bundle of its own, so
// that start-up and `--help` read only the small file: the SOPS library (dist/sops.cjs), rendering (config and
// gitops/render, dist/render.cjs), the checks (dist/check.cjs), key rotation (dist/rotate.cjs) and the etcd commands (dist/etcd.cjs). The CLI requires each of them lazily; every class
// it checks with `instanceof` comes from the same unit as the code that throws it. The files are built into a temp
// folder that replaces dist/ as a whole, so an interrupted build never leaves a half-written or mixed dist/.
const { chmodSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync } = require("node:fs");
const { join, relative, resolve } = require("node:path");

const root = join(__dirname, "..");
const dist = join(root, "dist");

/** The lazily loaded units: output file and the source modules it stands for. */
const UNITS = [
  { file: "sops.cjs", modules: ["sops/index.ts"] },
  { file: "render.cjs", modules: ["config/index.ts", "gitops/render.ts"] },
  { file: "check.cjs", modules: ["gitops/check.ts"] },
  { file: "rotate.cjs", modules: ["gitops/rotate.ts"] },
  { file: "etcd.cjs", modules: ["gitops/etcd-commands.ts"] },
];

// `supported`: a lazy `import()` of a unit becomes a `require` (a CommonJS file imported as ESM would lose its named exports).
const common = { absWorkingDir: root, bundle: true, platform: "node", format: "cjs", target: "node22", supported: { "dynamic-import": false }, metafile: true, logLevel: "warning", legalComments: "none" };

/** Resolves an import from cli/ to the unit standing for it: `require("./sops.cjs")`, kept external. */
const unitsPlugin = {
  name: "talos-homelab-units",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(join(root, "cli") + "/")) return undefined;
      const target = relative(root, resolve(args.resolveDir, args.path)).replace(/\.js$/, "");
      const unit = UNITS.find((u) => u.modules.some((m) => m === `${target}.ts` || m === `${target}/index.ts` || m === target));
      return unit === undefined ? undefined : { path: `./${unit.file}`, external: true };
    });
  },
};

async function build() {
  const esbuild = require("esbuild");
  const tmp = mkdtempSync(join(root, ".dist-"));
  try {
    const main = await esbuild.build({ ...common, entryPoints: [join(root, "cli", "main.ts")], outfile: join(tmp, "cli.cjs"), plugins: [unitsPlugin] });
    let files = Object.keys(main.metafile.inputs).length;
    for (const unit of UNITS) {
      const contents = unit.modules.map((m) => `export * from "./${m.replace(/(\/index)?\.ts$/, "")}";`).join("\n");
      const result = await esbuild.build({ ...common, stdin: { contents, resolveDir: root, loader: "ts", sourcefile: `<${unit.file}>` }, outfile: join(tmp, unit.file) });
      files += Object.keys(result.metafile.inputs).length;
    }
    // the Talos API client (etcd.cjs) loads its protos from beside the bundle (talos/api/services.ts: <dir>/proto)
    cpSync(join(root, "talos", "api", "proto"), join(tmp, "proto"), { recursive: true });
    const old = `${dist}.old-${process.pid}`;
    if (existsSync(dist)) renameSync(dist, old);
    chmodSync(tmp, 0o755); // mkdtemp made it private; dist/ holds no secret
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
    return files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

build().then(
  (count) => process.stdout.write(`talos-homelab: CLI bundles in dist/ built (${count} inputs)\n`),
  (err) => {
    // Not fatal for `npm ci`: without a bundle the CLI runs the TypeScript sources through tsx.
    process.stderr.write(`talos-homelab: could not build the CLI bundle (${err instanceof Error ? err.message : String(err)}); the CLI will run from source\n`);
    process.exitCode = process.env.npm_lifecycle_event === "prepare" ? 0 : 1;
  },
);
