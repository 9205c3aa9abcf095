import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

describe("index.ts under Pulumi's Node.js runtime (Pulumi.yaml: nodejs, typescript: true)", () => {
  it("the SDK's runner still registers ts-node with module nodenext for a CommonJS project", () => {
    const run = readFileSync(join(ROOT, "node_modules/@pulumi/pulumi/cmd/run/run.js"), "utf8");
    expect(run).toContain('module: useNodeNext ? "nodenext" : "commonjs"');
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).type).toBeUndefined();
  });

  it("loads and type-checks through ts-node and registers the whole graph in a preview", () => {
    const result = spawnSync(process.execPath, [join(__dirname, "fixtures/pulumi-ts-node-load.cjs")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 240_000,
    });
    expect(result.stderr).not.toMatch(/TSError|FAILED/);
    expect(result.status).toBe(0);
    const { resources } = JSON.parse(result.stdout.trim().split("\n").pop() as string) as { resources: number };
    expect(resources).toBeGreaterThanOrEqual(30);
  }, 300_000);
});
