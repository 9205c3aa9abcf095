import type { Command } from "commander";
import { type StoreFormat, fileStatus } from "../../../sops/index";
import { run } from "./io";
import { typeOption } from "./options";

export function registerFileStatus(sops: Command): void {
  sops
    .command("filestatus")
    .description('print {"encrypted":true} if the file carries sops metadata, else {"encrypted":false}')
    .argument("<file>", "the file to check")
    .addOption(typeOption("--input-type", "input"))
    .action(async (file: string, flags: { inputType?: StoreFormat }) =>
      run(async () => {
        const status = await fileStatus(file, flags.inputType);
        process.stdout.write(`${JSON.stringify(status)}\n`);
      }),
    );
}
