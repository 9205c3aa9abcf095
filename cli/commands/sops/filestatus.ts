import type { Command } from "commander";
import type { StoreFormat } from "../../../sops/index";
import { lib } from "./library";
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
        const status = await lib().fileStatus(file, flags.inputType);
        process.stdout.write(`${JSON.stringify(status)}\n`);
      }),
    );
}
