/** Reading inputs and writing outputs the way the sops commands do, with atomic writes and sops's exit codes. */
import { promises as fs } from "node:fs";
import { resolve } from "node:path";
import { existingModeOr, writeFileAtomic } from "../atomic-write";
import { FileNotFoundError } from "../errors";
import { CouldNotReadInputError, CouldNotWriteOutputError } from "../operation-errors";

/** Where a command writes: a path (replaced atomically). */
export interface OutputTarget {
  path: string;
}

/** Reads a file; a missing file is sops's exit 100. */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FileNotFoundError(JSON.stringify(resolve(path)));
    throw new CouldNotReadInputError(path, (e as Error).message);
  }
}

/**
 * Writes atomically, keeping an existing file's permissions; a new file is 0644 when encrypted and 0600 when it
 * holds plaintext.
 */
export async function writeOutputFile(target: OutputTarget, data: Buffer, content: "encrypted" | "plaintext"): Promise<void> {
  const mode = await existingModeOr(target.path, content === "encrypted" ? 0o644 : 0o600);
  try {
    await writeFileAtomic(target.path, data, content === "plaintext" ? mode & 0o600 : mode);
  } catch (e) {
    throw new CouldNotWriteOutputError(target.path, (e as Error).message);
  }
}
