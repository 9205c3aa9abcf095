/** Atomic file replacement: write a temp file in the target's folder, fsync it, then rename it over the target. */
import { randomBytes } from "node:crypto";
import { promises as fs, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { onInterrupt } from "./interrupt-cleanup";

/**
 * Writes `data` to `path` so that readers see either the old file or the complete new one. The temp file is
 * created with `mode` (0600 by default) and removed again if anything fails, so a failed write leaves nothing.
 */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o600): Promise<void> {
  await publishSyncedTemp(path, data, mode, (temp) => fs.rename(temp, path));
}

/**
 * Creates `path` with `data` only if it does not exist yet, complete or not at all: the data is written and synced to
 * a temp file that is then hard-linked to `path` (link fails with EEXIST when another writer got there first, so two
 * concurrent creators never both "win"). Returns false when the file already existed; the temp file is always removed.
 */
export async function createFileExclusive(path: string, data: Buffer | string, mode = 0o600): Promise<boolean> {
  try {
    await publishSyncedTemp(path, data, mode, (temp) => fs.link(temp, path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/**
 * Writes `data` with `mode` to a fresh temp file beside `path`, syncs it, then hands it to `publish` (rename or link
 * into place). The temp file never outlives the call: it is removed afterwards, on failure and on SIGINT/SIGTERM.
 */
async function publishSyncedTemp(path: string, data: Buffer | string, mode: number, publish: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempPathFor(path);
  const forget = onInterrupt(() => rmSync(temp, { force: true }));
  try {
    const handle = await fs.open(temp, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    await handle.close();
    await publish(temp);
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    forget();
  }
}

/** `.<name>.<random>.tmp` beside the target: the tree's .gitignore covers `.*.tmp`. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/** The mode to keep when replacing `path`: its current permission bits, or `fallback` if it does not exist. */
export async function existingModeOr(path: string, fallback: number): Promise<number> {
  try {
    return (await fs.stat(path)).mode & 0o777;
  } catch {
    return fallback;
  }
}
