import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliExit } from "../exit";

interface CheckFlags {
  readonly staged?: boolean;
  readonly installHook?: boolean;
  readonly force?: boolean;
}

type CheckUnit = typeof import("../../gitops/check");

/** The check bundle (secretlint and its preset, the Talos and X.509 code): loaded on use, never at start-up. */
function loadCheckUnit(): CheckUnit {
  return require("../../gitops/check") as CheckUnit;
}

async function installHook(unit: CheckUnit, root: string, force: boolean): Promise<void> {
  // the hook runs this very command: node and the bin script, by absolute path
  const command = [process.execPath, resolve(process.argv[1] ?? "talos-homelab")];
  try {
    const hook = await unit.installGitHook({ dir: root, command, force });
    const what = hook.replaced === "foreign" ? "replaced a hook that was not talos-homelab's" : hook.replaced === "ours" ? "updated" : "installed";
    process.stdout.write(`talos-homelab check: pre-commit hook ${what} at ${hook.path}: commits are refused while the staged tree under ${root} has a finding\n`);
  } catch (e) {
    throw new CliExit(1, `talos-homelab check: ${(e as Error).message}`);
  }
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "guard a GitOps tree (for a PR check or pre-commit hook): files matched by .sops.yaml are validly encrypted, " +
        "no file holds a plaintext secret (secretlint's recommended rules plus age, Talos, Proxmox and Kubernetes " +
        "Secret rules, also inside base64), and the sops-age Secret's identity is a recipient of the rules",
    )
    .argument("[dir]", "root of the tree, where its .sops.yaml is", ".")
    .option("--staged", "check the files staged in Git's index (what the next commit records) instead of the folder")
    .option("--install-hook", "install a Git pre-commit hook that runs `check --staged` on this tree")
    .option("--force", "with --install-hook: replace a pre-commit hook that talos-homelab did not write")
    .action(async (dir: string, flags: CheckFlags) => {
      const root = resolve(dir);
      if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
        throw new CliExit(1, `talos-homelab check: ${root} is not a folder: give the root of the GitOps tree (where its .sops.yaml is)`);
      }
      const unit = loadCheckUnit();
      if (flags.installHook === true) return installHook(unit, root, flags.force === true);
      let source;
      try {
        source = flags.staged === true ? await unit.stagedTreeSource(root) : undefined;
      } catch (e) {
        throw new CliExit(1, `talos-homelab check: ${(e as Error).message}`);
      }
      const report = await unit.checkGitopsTree(root, { env: process.env, ...(source !== undefined ? { source } : {}) });
      const what = flags.staged === true ? `the staged tree under ${root}` : root;
      for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
      if (report.findings.length > 0) {
        const lines = report.findings.map((f) => `  - ${unit.formatFinding(f)}`);
        throw new CliExit(1, `talos-homelab check: ${report.findings.length} finding(s) in ${what}:\n${lines.join("\n")}`);
      }
      process.stdout.write(`talos-homelab check: ${report.filesChecked} files in ${what}: no finding\n`);
    });
}
