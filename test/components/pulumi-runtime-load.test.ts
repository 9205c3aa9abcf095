import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const sdkFile = (path: string) => readFileSync(join(ROOT, "node_modules/@pulumi/pulumi", path), "utf8");
const { runtimeOptions } = require("../support/pulumi-runner.cjs") as { runtimeOptions(dir: string): Record<string, unknown> };

describe("index.ts under Pulumi's Node.js runtime (Pulumi.yaml: nodejs, typescript: true)", () => {
  it("the SDK's runner still does what test/support/pulumi-runner.cjs mirrors", () => {
    const run = sdkFile("cmd/run/run.js");
    expect(sdkFile("cmd/run/index.js")).toContain('require("source-map-support/register")');
    expect(run).toContain('process.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? defaultTsConfigPath');
    expect(run).toContain("transpileOnly = compilerOptions.noCheck;");
    expect(run).toContain('module: useNodeNext ? "nodenext" : "commonjs"');
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).type).toBeUndefined();
  });

  it("Pulumi.yaml points the runner at tsconfig.pulumi.json: swc, no type-check (npm run typecheck does that)", () => {
    expect(runtimeOptions(ROOT)).toMatchObject({ typescript: true, tsconfig: "tsconfig.pulumi.json" });
    const pulumiTsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.pulumi.json"), "utf8")) as Record<string, unknown>;
    // The runner reads compilerOptions from this file alone (no `extends`), so noCheck must be set here.
    expect(pulumiTsconfig).toMatchObject({ extends: "./tsconfig.json", compilerOptions: { noCheck: true, target: "ES2022", module: "nodenext" }, "ts-node": { swc: true } });
  });

  it("loads through ts-node with swc, registers the whole graph in a preview and serializes working providers", () => {
    const result = spawnSync(process.execPath, [join(__dirname, "fixtures/pulumi-ts-node-load.cjs")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.stderr).not.toMatch(/TSError|FAILED/);
    expect(result.status).toBe(0);
    const loaded = JSON.parse(result.stdout.trim().split("\n").pop() as string) as { resources: number; swc: boolean; transpileOnly: boolean; target: string; applyDiff: unknown };
    // The same emit target the type-check and the tests use (Pulumi's runner defaults to ES2020).
    expect(loaded).toMatchObject({ swc: true, transpileOnly: true, target: "ES2022" });
    // A dynamic provider serialized from swc's output still works in Pulumi's provider process.
    expect(loaded.applyDiff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(loaded.resources).toBeGreaterThanOrEqual(30);
  }, 180_000);
});
