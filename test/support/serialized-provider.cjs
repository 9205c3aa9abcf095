// Runs one operation of a serialized dynamic provider (the text pulumi.runtime.serializeFunction made) in a
// fresh `node` process, as Pulumi's dynamic-provider host does: require-from-string, then handler().
const { spawnSync } = require("node:child_process");
const { mkdtempSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

/** `operation` is a statement body with `provider` in scope, e.g. `return provider.diff(...)`; returns its JSON result. */
function runSerializedProvider(text, operation, cwd) {
  const file = join(mkdtempSync(join(tmpdir(), "provider-")), "provider.js");
  writeFileSync(file, text);
  const requireFromString = require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] });
  const script = `
    const text = require("fs").readFileSync(${JSON.stringify(file)}, "utf8");
    const provider = require(${JSON.stringify(requireFromString)})(text).handler();
    (async () => { ${operation} })().then(
      (result) => { process.stdout.write(JSON.stringify(result)); },
      (err) => { process.stderr.write(String(err && err.stack || err)); process.exit(3); });`;
  const run = spawnSync(process.execPath, ["-e", script], { cwd, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  if (run.status !== 0) throw new Error(`provider process failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

module.exports = { runSerializedProvider };
