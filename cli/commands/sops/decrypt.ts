import type { Command } from "commander";
import { lib } from "./library";
import { checkIo, emit, formatsOf, readInput, run } from "./io";
import { type IoFlags, addOutputOptions } from "./options";

export function registerDecrypt(sops: Command): void {
  const cmd = sops
    .command("decrypt")
    .description("decrypt a file and print the plaintext (or write it with -i / --output)")
    .argument("[file]", "the encrypted file (stdin when omitted)");
  addOutputOptions(cmd, "plaintext")
    .option("--extract <path>", `print only this value, e.g. '["data"]["password"]'`)
    .option("--ignore-mac", "do not check the Message Authentication Code")
    .option("--filename-override <path>", "use this path for format detection")
    .action(async (file: string | undefined, flags: IoFlags & { extract?: string; ignoreMac?: boolean }) =>
      run(async () => {
        checkIo(flags, file);
        const input = await readInput(file);
        const out = await lib().decryptBytes(input, {
          ...formatsOf(flags, file),
          ignoreMac: flags.ignoreMac,
          extract: flags.extract !== undefined ? lib().parseTreePath(flags.extract) : undefined,
        });
        await emit(out, flags, file, "plaintext");
      }),
    );
}
