import type { Command } from "commander";
import { lib } from "./library";
import { run } from "./io";
import { type IoFlags, type RuleFlags, addKeyAndRuleOptions, configOf, recipientsFrom, rulesFrom, thresholdFrom, typeOption } from "./options";

export function registerEdit(sops: Command): void {
  addKeyAndRuleOptions(
    sops
      .command("edit")
      .description("edit a file in $SOPS_EDITOR / $EDITOR (decrypted to a private temp file), then re-encrypt it")
      .argument("<file>", "the encrypted file (created from an example if it does not exist)")
      .addOption(typeOption("--input-type", "input"))
      .option("--ignore-mac", "do not check the Message Authentication Code"),
  ).action(async (file: string, flags: IoFlags & RuleFlags & { ignoreMac?: boolean }, cmd: Command) =>
    run(async () => {
      await lib().editFile(file, {
        format: flags.inputType,
        ignoreMac: flags.ignoreMac,
        recipients: recipientsFrom(flags),
        shamirThreshold: thresholdFrom(flags),
        rules: rulesFrom(flags),
        configPath: configOf(cmd),
        configSearchFrom: process.cwd(),
      });
    }),
  );
}
