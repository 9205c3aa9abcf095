import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliExit } from "../exit";

interface RenderFlags {
  stack: string;
  out?: string;
  age?: string;
  newCluster?: boolean;
  adoptTree?: boolean;
}

export function registerRenderCommand(program: Command): void {
  program
    .command("render")
    .description(
      "render the SOPS-encrypted GitOps tree offline from the stack file (no Pulumi, Proxmox or network needed); " +
        "existing machine secrets in the tree are decrypted and reused",
    )
    .option("-s, --stack <name>", "stack whose Pulumi.<name>.yaml (in the working directory) is rendered", "homelab")
    .option("-o, --out <dir>", "output folder (default: the stack's outputDir, else ./rendered/<stack>)")
    .option(
      "-a, --age <recipients>",
      "comma-separated operator recipients replacing the configured ones (also SOPS_AGE_RECIPIENTS): talos/<cluster>/ is encrypted to them only, clusters/<cluster>/ to them and the cluster identity",
    )
    .option("--new-cluster", "ignore the tree's cluster identity and machine secrets: generate new ones (a NEW cluster) and re-pin them in the stack file")
    .option("--adopt-tree", "reuse an existing tree the stack file does not pin yet (after checking it is yours), and pin it")
    .addHelpText(
      "after",
      "\nReuse of an existing tree is anchored to talos-homelab:clusterAgeRecipient and machineSecretsFingerprint in the\n" +
        "stack file (written by the first render); see docs/operations.md.\n" +
        "\nWith no recipient configured, the identity at sops's default location ($XDG_CONFIG_HOME/sops/age/keys.txt,\n" +
        "else ~/.config/sops/age/keys.txt) is used, and created (0600) if absent: back it up. An operator recipient other than\n" +
        "the cluster identity is required (talos-homelab:allowClusterIdentityOnly: true opts out; see docs/operations.md).\n" +
        ".sops.yaml is shared: only this cluster's marked block (# BEGIN/END talos-homelab cluster <name>) is rewritten.\n" +
        "Secrets from the environment: TALOS_HOMELAB_AGE_IDENTITY (cluster identity), TALOS_HOMELAB_GIT_TOKEN / TALOS_HOMELAB_GIT_SSH_KEY.",
    )
    .action(async (flags: RenderFlags) => {
      const stackFile = resolve(`Pulumi.${flags.stack}.yaml`);
      if (!existsSync(stackFile)) {
        throw new CliExit(2, `talos-homelab render: ${stackFile} does not exist: run it in the folder of the stack file, or pass --stack <name> for Pulumi.<name>.yaml`);
      }
      // loaded on use: rendering pulls in the config schema, Talos and X.509 code, which other commands do not need at start-up
      const { ConfigError } = require("../../config") as typeof import("../../config");
      const { renderGitopsTree } = require("../../gitops/render") as typeof import("../../gitops/render");
      try {
        await renderGitopsTree({
          stackFile,
          ...(flags.out !== undefined ? { outDir: flags.out } : {}),
          ...(flags.age !== undefined ? { recipients: flags.age } : {}),
          ...(flags.newCluster === true ? { newCluster: true } : {}),
          ...(flags.adoptTree === true ? { adoptTree: true } : {}),
          log: (line) => process.stdout.write(`${line}\n`),
        });
      } catch (e) {
        if (e instanceof ConfigError) throw new CliExit(2, e.message);
        throw new CliExit(1, `talos-homelab render: ${(e as Error).message}`);
      }
    });
}
