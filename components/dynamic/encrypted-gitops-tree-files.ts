/** The EncryptedGitopsTree's files on disk: compared, written (atomic, 0600, only when the bytes differ) and removed. */
import { promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../../sops/index";
import type { WriteStatus } from "../../gitops/artefact";
import { TREE_FILE_MODE } from "../../gitops/write-tree";

/** Tree paths are `/`-separated and relative (validated by the inputs reader). */
export function treeFilePath(root: string, path: string): string {
  return join(root, ...path.split("/"));
}

export async function readTreeFile(root: string, path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(treeFilePath(root, path), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${path} in ${root}: ${(err as Error).message}`);
  }
}

/** The first path whose file is missing, differs from `files`, or is not mode 0600; `undefined` when all match. */
export async function firstDriftedFile(root: string, files: Readonly<Record<string, string>>): Promise<string | undefined> {
  for (const [path, content] of Object.entries(files)) {
    if ((await readTreeFile(root, path)) !== content) return path;
    if (((await fs.stat(treeFilePath(root, path))).mode & 0o777) !== TREE_FILE_MODE) return path;
  }
  return undefined;
}

/** Writes each file whose bytes differ (atomically, 0600); an identical file only gets its mode fixed. */
export async function writeTreeFiles(
  root: string,
  files: Readonly<Record<string, string>>,
  onWritten: (path: string, status: WriteStatus) => void,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = treeFilePath(root, path);
    const existing = await readTreeFile(root, path);
    try {
      if (existing === content) {
        if (((await fs.stat(target)).mode & 0o777) !== TREE_FILE_MODE) await fs.chmod(target, TREE_FILE_MODE);
        onWritten(path, "unchanged");
        continue;
      }
      await fs.mkdir(dirname(target), { recursive: true });
      await writeFileAtomic(target, content, TREE_FILE_MODE);
    } catch (err) {
      throw new Error(`cannot write ${path} in ${root}: ${(err as Error).message}`);
    }
    onWritten(path, existing === undefined ? "created" : "updated");
  }
}

/** Removes the given files if present (never folders). Returns the paths actually removed. */
export async function removeTreeFiles(root: string, paths: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const path of paths) {
    try {
      await fs.unlink(treeFilePath(root, path));
      removed.push(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot remove ${path} in ${root}: ${(err as Error).message}`);
    }
  }
  return removed;
}
