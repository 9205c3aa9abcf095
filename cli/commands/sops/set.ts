import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { TreePath } from "../../../sops/index";
import { lib } from "./library";
import { CliExit } from "../../exit";
import { readInput, run } from "./io";
import { type IoFlags, addTypeOptions } from "./options";

interface SetFlags extends IoFlags {
  valueFile?: boolean;
  valueStdin?: boolean;
  idempotent?: boolean;
  ignoreMac?: boolean;
}

/** `["a"][0]` as given to set/unset; a bad one is sops's ErrorInvalidSetFormat. */
export function indexPath(index: string, verb: "set" | "unset"): TreePath {
  const { InvalidSetFormatError, parseTreePath } = lib();
  try {
    return parseTreePath(index);
  } catch {
    throw new InvalidSetFormatError(`Invalid ${verb} index format`);
  }
}

/** The JSON text of the value: the argument, the file it names (--value-file) or stdin (--value-stdin). */
async function valueText(value: string | undefined, flags: SetFlags): Promise<string> {
  if (flags.valueFile && flags.valueStdin) throw new CliExit(lib().ExitCode.ErrorGeneric, "Error: cannot use both --value-file and --value-stdin");
  if (flags.valueStdin) {
    if (value !== undefined) throw new CliExit(lib().ExitCode.NoFileSpecified, "Error: file specified, or index and value are missing. Need precisely 2 positional arguments since --value-stdin is used.");
    return (await readInput(undefined)).toString("utf8");
  }
  if (value === undefined) throw new CliExit(lib().ExitCode.NoFileSpecified, "Error: no file specified, or index and value are missing. Need precisely 3 positional arguments.");
  return flags.valueFile ? readFileSync(value, "utf8") : value;
}

export function registerSet(sops: Command): void {
  const cmd = sops
    .command("set")
    .description(`set one value, given as JSON: sops set file.yaml '["key"][0]' '"value"' (written in place)`)
    .argument("<file>", "the encrypted file")
    .argument("<index>", `the path, e.g. '["key"]["sub"][0]'`)
    .argument("[value]", "the JSON value (or a file with --value-file, or stdin with --value-stdin)")
    .option("--value-file", "treat value as a file to read the value from")
    .option("--value-stdin", "read the value from stdin")
    .option("--idempotent", "do not write the file if the value is already set");
  addTypeOptions(cmd)
    .option("--ignore-mac", "do not check the Message Authentication Code")
    .action(async (file: string, index: string, value: string | undefined, flags: SetFlags) =>
      run(async () => {
        const json = await valueText(value, flags);
        await lib().setValue(file, indexPath(index, "set"), lib().valueFromJson(json), {
          format: flags.inputType,
          outputFormat: flags.outputType,
          idempotent: flags.idempotent,
          ignoreMac: flags.ignoreMac,
        });
      }),
    );
}
