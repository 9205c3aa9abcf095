import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const SDK = join(ROOT, "node_modules/@pulumi/pulumi");
/** A file of the installed SDK with its whitespace collapsed, so that only the code is compared. */
const sdkCode = (file: string): string => readFileSync(join(SDK, file), "utf8").replace(/\s+/g, " ");
const runnerCode = readFileSync(join(ROOT, "test/support/pulumi-runner.cjs"), "utf8").replace(/\s+/g, " ");

// test/support/pulumi-runner.cjs (used by the runtime-load test and the program bench) repeats what the SDK's
// cmd/run does before it requires the program. These checks fail when an SDK update changes those lines.
describe(`test/support/pulumi-runner.cjs mirrors @pulumi/pulumi's cmd/run`, () => {
  it("source-map-support is registered first, as cmd/run/index.js does", () => {
    expect(sdkCode("cmd/run/index.js")).toContain('require("source-map-support/register");');
    expect(runnerCode).toContain('require.resolve("source-map-support/register"');
  });

  it("transpile-only comes from PULUMI_NODEJS_TRANSPILE_ONLY, else the tsconfig's noCheck", () => {
    const run = sdkCode("cmd/run/run.js");
    expect(run).toContain('const transpileOnlyEnv = process.env["PULUMI_NODEJS_TRANSPILE_ONLY"]; if (transpileOnlyEnv) { transpileOnly = transpileOnlyEnv === "true"; }');
    expect(run).toContain("transpileOnly = compilerOptions.noCheck;");
    expect(runnerCode).toContain('const transpileOnly = env ? env === "true" : compilerOptions.noCheck;');
  });

  it("a CommonJS project gets ts-node registered with these options (the ESM mode needs \"type\": \"module\", which this project does not set)", () => {
    const run = sdkCode("cmd/run/run.js");
    expect(run).toContain('const isModule = packageObject["type"] === "module";');
    expect((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { type?: string }).type).toBeUndefined();
    expect(run).toContain("compiler: typescriptRequire, transpileOnly, // PULUMI_NODEJS_TSCONFIG_PATH");
    expect(run).toContain("project: tsConfigPath, skipProject: skipProject,");
    expect(run).toContain(
      'options.compilerOptions = { target: "ES2020", module: useNodeNext ? "nodenext" : "commonjs", moduleResolution: useNodeNext ? "nodenext" : "node", sourceMap: "true", ...compilerOptions, }; tsn.register(options);',
    );
    // TypeScript >= 4.7 here, so useNodeNext holds
    expect(runnerCode).toContain('compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },');
  });
});
