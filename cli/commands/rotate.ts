import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliExit } from "../exit";

interface RotateFlags {
  stack: string;
  dir?: string;
  clusterIdentity?: string;
  age?: string;
  apply?: boolean;
}

export function registerRotateCommand(program: Command): void {
  program
    .command("rotate")
    .description(
      "rotate keys: a new cluster identity and/or operator set, and a fresh data key for every SOPS file under the tree " +
        "(the project's and your own, any format), each to the recipients of its .sops.yaml rule. Dry run unless --apply",
    )
    .option("-s, --stack <name>", "stack whose Pulumi.<name>.yaml (in the working directory) describes the tree", "homelab")
    .option("-d, --dir <dir>", "root of the tree, where its .sops.yaml is (default: the stack's outputDir, else ./rendered/<stack>)")
    .option("--cluster-identity <file>", "the NEW cluster identity, e.g. from `talos-homelab age keygen -o cluster-new.agekey`")
    .option("-a, --age <recipients>", "the NEW operator recipients, comma-separated, replacing the stack's ageRecipients")
    .option("--apply", "write: .sops.yaml, the stack file's pin and ageRecipients, then every file (atomically, resumable)")
    .addHelpText(
      "after",
      "\nIdentities to open the tree: SOPS_AGE_KEY_FILE / SOPS_AGE_KEY / the default sops keys.txt, TALOS_HOMELAB_AGE_IDENTITY,\n" +
        "and the identities in the tree's sops-age Secret. Interrupted? Run the same command again: it finishes the rotation.\n" +
        "The runbook, with the overlap window Flux needs: docs/operations.md, \"Rotating keys\".",
    )
    .action(async (flags: RotateFlags) => {
      const stackFile = resolve(`Pulumi.${flags.stack}.yaml`);
      if (!existsSync(stackFile)) {
        throw new CliExit(2, `talos-homelab rotate: ${stackFile} does not exist: run it in the folder of the stack file, or pass --stack <name> for Pulumi.<name>.yaml`);
      }
      // loaded on use, as render: the config schema and SOPS code are not needed at start-up
      const { ConfigError, RotationBlockedError, rotateGitopsTree } = require("../../gitops/rotate") as typeof import("../../gitops/rotate");
      let result: Awaited<ReturnType<typeof rotateGitopsTree>>;
      try {
        result = await rotateGitopsTree({
          stackFile,
          ...(flags.dir !== undefined ? { dir: flags.dir } : {}),
          ...(flags.clusterIdentity !== undefined ? { clusterIdentityFile: flags.clusterIdentity } : {}),
          ...(flags.age !== undefined ? { age: flags.age } : {}),
          apply: flags.apply === true,
          log: (line) => process.stdout.write(`${line}\n`),
        });
      } catch (e) {
        if (e instanceof ConfigError) throw new CliExit(2, e.message);
        if (e instanceof RotationBlockedError) throw new CliExit(1, e.message);
        throw new CliExit(1, `talos-homelab rotate: ${(e as Error).message}`);
      }
      if (result.plan.files.some((f) => f.problem !== undefined) || result.plan.unreadable.length > 0) throw new CliExit(1, "talos-homelab rotate: some files cannot be rotated (see PROBLEM above)");
    });
}
