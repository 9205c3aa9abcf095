import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { withoutPins } from "../gitops/sandbox";
import { CI_COMMANDS, docBlocks } from "./doc-commands";

const ROOT = resolve(__dirname, "../..");
const blocks = docBlocks(ROOT);
const ciScript = readFileSync(join(ROOT, ".ci/run"), "utf8");

/** A throw-away working copy: sources linked, stack files copied, its own HOME and XDG config. */
function sandbox(): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = mkdtempSync(join(tmpdir(), "docs-test-"));
  for (const entry of readdirSync(ROOT)) {
    if ([".git", "rendered"].includes(entry)) continue;
    // stack files are copied without render's pins: the sandbox renders a new cluster, whatever the checkout rendered
    if (/^Pulumi\..*\.yaml$/.test(entry)) writeFileSync(join(cwd, entry), withoutPins(readFileSync(join(ROOT, entry), "utf8")));
    else if (entry === "Pulumi.yaml") cpSync(join(ROOT, entry), join(cwd, entry));
    else symlinkSync(join(ROOT, entry), join(cwd, entry));
  }
  const home = mkdtempSync(join(tmpdir(), "docs-home-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), CI: "true" };
  delete env.SOPS_AGE_KEY;
  delete env.SOPS_AGE_KEY_FILE;
  delete env.SOPS_AGE_RECIPIENTS;
  return { cwd, env };
}

describe("documented shell commands", () => {
  it("every shell block says whether it runs offline", () => {
    const untagged = blocks.filter((b) => b.tag === undefined).map((b) => `${b.file}: ${b.commands.join("; ")}`);
    expect(untagged).toEqual([]);
  });

  it("the README opens with the render and the test command", () => {
    const first = blocks.filter((b) => b.file === "README.md").slice(0, 2).map((b) => b.commands.join(" && "));
    expect(first).toEqual(["npm ci && npx talos-homelab render", "npm test"]);
  });

  it("commands that only CI runs are in .ci/run", () => {
    const ciOnly = blocks.filter((b) => b.tag === "offline").flatMap((b) => b.commands).filter((c) => CI_COMMANDS.includes(c));
    for (const command of ciOnly) expect(ciScript).toContain(command);
  });

  it("every offline command succeeds, in reading order", () => {
    const { cwd, env } = sandbox();
    const commands = blocks.filter((b) => b.tag === "offline").flatMap((b) => b.commands.map((c) => ({ file: b.file, c })));
    const run = commands.filter(({ c }) => !CI_COMMANDS.includes(c));
    expect(run.length).toBeGreaterThan(5);
    for (const { file, c } of run) {
      const result = spawnSync("bash", ["-euo", "pipefail", "-c", c], { cwd, env, encoding: "utf8", timeout: 120_000 });
      expect({ file, command: c, status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({
        file,
        command: c,
        status: 0,
        stderr: "",
      });
    }
  }, 600_000);
});
