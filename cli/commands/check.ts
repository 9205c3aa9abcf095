import { resolve } from "node:path";
import type { Command } from "commander";
import { CliExit } from "../exit";

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "guard a GitOps tree (for a PR check or pre-commit hook): files matched by .sops.yaml are validly encrypted, " +
        "no other file holds a private key, age secret key or Talos/Kubernetes token, and the sops-age Secret's " +
        "identity is a recipient of the rules",
    )
    .argument("[dir]", "root of the tree, where its .sops.yaml is", ".")
    .action(async (dir: string) => {
      // loaded on use: the checks pull in the Talos and X.509 code, which other commands do not need at start-up
      const { checkGitopsTree, formatFinding } = require("../../gitops/check") as typeof import("../../gitops/check");
      const root = resolve(dir);
      const report = await checkGitopsTree(root, { env: process.env });
      for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
      if (report.findings.length > 0) {
        const lines = report.findings.map((f) => `  - ${formatFinding(f)}`);
        throw new CliExit(1, `talos-homelab check: ${report.findings.length} finding(s) in ${root}:\n${lines.join("\n")}`);
      }
      process.stdout.write(`talos-homelab check: ${report.filesChecked} files in ${root}: no finding\n`);
    });
}
