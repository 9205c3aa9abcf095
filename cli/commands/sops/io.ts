/** How the `sops` verbs read their input, write their output and end: as sops does, with its exit codes. */
import type { StoreFormat } from "../../../sops/index";
import { lib, loadSopsLibrary } from "./library";
import { CliExit } from "../../exit";
import type { IoFlags } from "./options";

/** Loads the SOPS library, then runs a command body, turning sops errors into their exit codes (anything else is sops's generic 1). */
export async function run(body: () => Promise<void>): Promise<void> {
  const { ExitCode, SopsError } = await loadSopsLibrary();
  try {
    await body();
  } catch (e) {
    if (e instanceof CliExit) throw e;
    if (e instanceof SopsError) throw new CliExit(e.exitCode, e.message);
    throw new CliExit(ExitCode.ErrorGeneric, (e as Error).message);
  }
}

export function checkIo(flags: IoFlags, file: string | undefined): void {
  const { ConflictingParametersError } = lib();
  if (flags.inPlace && flags.output) throw new ConflictingParametersError("Error: cannot operate on both --output and --in-place");
  if (file === undefined && flags.inPlace) throw new ConflictingParametersError("Error: cannot use --in-place when reading from stdin");
  if (file === undefined && !flags.filenameOverride && !flags.inputType) {
    throw new ConflictingParametersError("Error: must specify --filename-override (or --input-type) when reading from stdin");
  }
}

/** The file's bytes, or stdin's when no file is given. */
export async function readInput(file: string | undefined): Promise<Buffer> {
  if (file !== undefined) {
    return lib().readInputFile(file);
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function emit(out: Buffer, flags: IoFlags, file: string | undefined, content: "encrypted" | "plaintext"): Promise<void> {
  if (flags.inPlace && file !== undefined) await lib().writeOutputFile({ path: file }, out, content);
  else if (flags.output) await lib().writeOutputFile({ path: flags.output }, out, content);
  else process.stdout.write(out);
}

export function formatsOf(flags: IoFlags, file: string | undefined): { format: StoreFormat; outputFormat: StoreFormat } {
  const name = flags.filenameOverride ?? file;
  const format = flags.inputType ?? (name !== undefined ? lib().formatFromPath(name) : "binary");
  const outputFormat = flags.outputType ?? (name !== undefined ? lib().formatFromPath(name) : format);
  return { format, outputFormat };
}
