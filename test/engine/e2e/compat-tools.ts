import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const REPO_ROOT = resolve(__dirname, "../../..");

export type CompatToolName = "SOPS_BIN" | "TALOS_ORACLE_V1_11" | "TALOS_ORACLE_V1_12" | "TALOS_ORACLE_V1_13" | "TALOS_ORACLE_V1_14";

let compatTools: Record<string, string> | undefined;

/** A tool test/compat/run.sh builds (cached): the real sops, the Talos oracles. */
export function compatTool(name: CompatToolName): string {
  if (compatTools === undefined) {
    const result = spawnSync("bash", ["-c", 'eval "$(bash test/compat/run.sh --print-env)" && env -0'], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`test/compat/run.sh --print-env failed:\n${result.stderr}`);
    compatTools = Object.fromEntries(
      result.stdout
        .split("\0")
        .filter((entry) => entry.includes("="))
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    );
  }
  const path = compatTools[name];
  if (path === undefined || path === "") throw new Error(`test/compat/run.sh --print-env did not export ${name}`);
  return path;
}
