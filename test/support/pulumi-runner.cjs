// Prepares this Node.js process the way @pulumi/pulumi's cmd/run does before it requires the program:
// source-map-support first, then (for `typescript: true`) ts-node registered with the tsconfig named by
// Pulumi.yaml's `runtime.options.tsconfig`, whose `noCheck` decides transpile-only. The SDK's own
// tsutils helpers are used, so the options are read exactly as the runner reads them.
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");
const { parse } = require("yaml");

/** The runtime options of a project's Pulumi.yaml. */
function runtimeOptions(projectDir) {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"));
  return (typeof project.runtime === "object" && project.runtime.options) || {};
}

/** Registers what the runner registers; returns the ts-node service (undefined for plain JavaScript). */
function registerLikePulumiRunner(projectDir) {
  require(require.resolve("source-map-support/register", { paths: [require.resolve("@pulumi/pulumi")] }));
  const options = runtimeOptions(projectDir);
  if (options.typescript === false) return undefined;
  const tsutils = require("@pulumi/pulumi/tsutils");
  const tsConfigPath = resolve(projectDir, options.tsconfig ?? "tsconfig.json");
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
  const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
  const transpileOnly = env ? env === "true" : compilerOptions.noCheck;
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  return require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly,
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
  });
}

module.exports = { registerLikePulumiRunner, runtimeOptions };
