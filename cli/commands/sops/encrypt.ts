import { resolve } from "node:path";
import type { Command } from "commander";
import { lib } from "./library";
import { checkIo, emit, formatsOf, readInput, run } from "./io";
import { type IoFlags, type RuleFlags, addKeyAndRuleOptions, addOutputOptions, configOf, recipientsFrom, rulesFrom, thresholdFrom } from "./options";

export function registerEncrypt(sops: Command): void {
  const cmd = sops
    .command("encrypt")
    .description("encrypt a file and print the result (or write it with -i / --output)")
    .argument("[file]", "the plaintext file (stdin when omitted)");
  addKeyAndRuleOptions(
    addOutputOptions(cmd, "output").option("--filename-override <path>", "use this path for format detection and .sops.yaml rule matching"),
  ).action(async (file: string | undefined, flags: IoFlags & RuleFlags, cmd: Command) =>
    run(async () => {
      checkIo(flags, file);
      const input = await readInput(file);
      const out = await lib().encryptBytes(input, {
        ...formatsOf(flags, file),
        recipients: recipientsFrom(flags),
        shamirThreshold: thresholdFrom(flags),
        rules: rulesFrom(flags),
        filePath: resolve(flags.filenameOverride ?? file ?? "stdin"),
        configPath: configOf(cmd),
        configSearchFrom: process.cwd(),
      });
      await emit(out, flags, file, "encrypted");
    }),
  );
}
