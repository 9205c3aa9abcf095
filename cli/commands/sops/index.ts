/** `talos-homelab sops`: one file per verb, with sops's flags and exit codes (sops/exit-codes.ts). */
import type { Command } from "commander";
import { registerDecrypt } from "./decrypt";
import { registerEdit } from "./edit";
import { registerEncrypt } from "./encrypt";
import { registerFileStatus } from "./filestatus";
import { registerRotate } from "./rotate";
import { registerSet } from "./set";
import { registerUnset } from "./unset";
import { registerUpdateKeys } from "./updatekeys";

export function registerSops(program: Command): void {
  const sops = program
    .command("sops")
    .description("SOPS-compatible encryption with age keys (same file format, flags and exit codes as sops 3.11)")
    .option("--config <path>", "path to .sops.yaml (also SOPS_CONFIG); default: searched from the working directory upwards")
    .addHelpText(
      "after",
      "\nDecryption keys are read as sops does: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD and\n" +
        "$XDG_CONFIG_HOME/sops/age/keys.txt (else ~/.config/sops/age/keys.txt), all combined.",
    );
  for (const register of [registerEncrypt, registerDecrypt, registerEdit, registerSet, registerUnset, registerUpdateKeys, registerRotate, registerFileStatus]) {
    register(sops);
  }
}
