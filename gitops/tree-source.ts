/** Where `check` reads a tree from: a folder on disk, or the files staged in Git's index (guard-staged-tree.ts). */
import { promises as fs } from "node:fs";
import { join, relative, sep } from "node:path";

export interface TreeFile {
  /** Relative to the tree root, `/`-separated. */
  readonly path: string;
  readonly size: number;
}

export interface TreeSource {
  /** The folder the tree stands for (where its `.sops.yaml` is); sops rules match paths relative to it. */
  readonly root: string;
  /** Every regular file, sorted by path. */
  list(): Promise<TreeFile[]>;
  read(path: string): Promise<Buffer>;
}

/**
 * A folder on disk. Nothing is skipped because of its name (node_modules, vendor, nested `.git` folders: a leak is a
 * leak wherever it sits) except the root's own `.git` folder, which is Git's database, not the tree: what it would
 * commit is the working tree and the index, which `check` and `check --staged` read. Symbolic links are not followed
 * (Git commits the link, not its target; a target inside the tree is checked as itself).
 */
export function diskTreeSource(root: string): TreeSource {
  return {
    root,
    async list() {
      const entries = await fs.readdir(root, { withFileTypes: true, recursive: true });
      const out: TreeFile[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join("/");
        if (path.startsWith(".git/")) continue;
        out.push({ path, size: (await fs.stat(join(root, path))).size });
      }
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    read: (path) => fs.readFile(join(root, ...path.split("/"))),
  };
}
