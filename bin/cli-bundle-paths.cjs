"use strict";
const { join } = require("node:path");

/** Where `npm run prepare` puts the CLI bundle, its esbuild metafile and the stats of its input files. */
function bundlePaths(root) {
  const dir = join(root, "node_modules", ".cache", "talos-homelab");
  return { dir, bundle: join(dir, "cli.cjs"), meta: join(dir, "cli.meta.json"), inputs: join(dir, "cli.inputs.json") };
}

module.exports = { bundlePaths };
