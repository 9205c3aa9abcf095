import type { Command } from "commander";
import { lib } from "./library";
import { checkIo, emit, run } from "./io";
import { type IoFlags, addOutputOptions } from "./options";

const recipientList = (s?: string) => (s ? s.split(",").map((x) => x.trim()).filter((x) => x !== "") : undefined);

export function registerRotate(sops: Command): void {
  const cmd = sops.command("rotate").description("generate a new data key and re-encrypt every value with it").argument("<file>", "the encrypted file");
  addOutputOptions(cmd, "output")
    .option("--add-age <recipients>", "comma-separated age recipients to add (to the first key group)")
    .option("--rm-age <recipients>", "comma-separated age recipients to remove")
    .action(async (file: string, flags: IoFlags & { addAge?: string; rmAge?: string }) =>
      run(async () => {
        checkIo(flags, file);
        const out = await lib().rotate(file, { format: flags.inputType, outputFormat: flags.outputType, addAge: recipientList(flags.addAge), rmAge: recipientList(flags.rmAge) });
        await emit(out, flags, file, "encrypted");
      }),
    );
}
