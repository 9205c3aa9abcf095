import type { Command } from "commander";
import { lib } from "./library";
import { run } from "./io";
import { type IoFlags, addTypeOptions } from "./options";
import { indexPath } from "./set";

export function registerUnset(sops: Command): void {
  const cmd = sops
    .command("unset")
    .description(`remove one value: sops unset file.yaml '["key"][0]' (written in place)`)
    .argument("<file>", "the encrypted file")
    .argument("<index>", `the path, e.g. '["key"]["sub"][0]'`)
    .option("--idempotent", "do not fail if the key does not exist");
  addTypeOptions(cmd)
    .option("--ignore-mac", "do not check the Message Authentication Code")
    .action(async (file: string, index: string, flags: IoFlags & { idempotent?: boolean; ignoreMac?: boolean }) =>
      run(async () => {
        const path = indexPath(index, "unset");
        await lib().unsetValue(file, path, { format: flags.inputType, outputFormat: flags.outputType, idempotent: flags.idempotent, ignoreMac: flags.ignoreMac });
      }),
    );
}
