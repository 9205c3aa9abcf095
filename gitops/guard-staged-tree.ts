/**
 * The tree as Git's index holds it: what `git commit` is about to record, read without writing any of it to disk
 * (a staged leak never lands in a temp file). Used by `check --staged`, which the pre-commit hook runs.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type { TreeFile, TreeSource } from "./tree-source";

const run = promisify(execFile);
const MAX_GIT_OUTPUT = 256 * 1024 * 1024;

async function git(cwd: string, args: readonly string[], input?: string): Promise<Buffer> {
  if (input === undefined) {
    const { stdout } = await run("git", [...args], { cwd, encoding: "buffer", maxBuffer: MAX_GIT_OUTPUT });
    return stdout;
  }
  return new Promise((done, fail) => {
    const child = execFile("git", [...args], { cwd, encoding: "buffer", maxBuffer: MAX_GIT_OUTPUT }, (err, stdout) => (err ? fail(err) : done(stdout)));
    child.stdin?.end(input);
  });
}

interface IndexEntry {
  readonly path: string;
  readonly blob: string;
}

/** Regular files of the index under `prefix` (symbolic links and submodules are not file content). */
function indexEntries(lsFiles: Buffer, prefix: string): IndexEntry[] {
  const out = new Map<string, IndexEntry>();
  for (const record of lsFiles.toString("utf8").split("\0")) {
    const match = /^(\d{6}) ([0-9a-f]+) \d\t(.*)$/s.exec(record);
    if (match === null || !match[1].startsWith("100") || !match[3].startsWith(prefix)) continue;
    out.set(match[3], { path: match[3].slice(prefix.length), blob: match[2] });
  }
  return [...out.values()];
}

/** The files staged under `dir` (a folder inside a Git work tree), relative to `dir`. */
export async function stagedTreeSource(dir: string): Promise<TreeSource> {
  const root = resolve(dir);
  let prefix: string;
  try {
    prefix = (await git(root, ["rev-parse", "--show-prefix"])).toString("utf8").trim();
  } catch (e) {
    throw new Error(`--staged: ${root} is not inside a Git work tree (${(e as Error).message.split("\n")[0]}): run it in the repository, or check a folder without --staged`);
  }
  const entries = indexEntries(await git(root, ["ls-files", "--stage", "-z", "--full-name", "--", "."]), prefix);
  const sizes = (await git(root, ["cat-file", "--batch-check=%(objectname) %(objectsize)"], entries.map((e) => `${e.blob}\n`).join("")))
    .toString("utf8")
    .trim()
    .split("\n");
  const sizeOf = new Map(sizes.map((line) => [line.split(" ")[0], Number(line.split(" ")[1])]));
  const blobOf = new Map(entries.map((e) => [e.path, e.blob]));
  const files: TreeFile[] = entries.map((e) => ({ path: e.path, size: sizeOf.get(e.blob) ?? 0 })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let batch: Promise<Map<string, Buffer>> | undefined;
  return {
    root,
    list: async () => files,
    read: async (path) => {
      const blob = blobOf.get(path);
      if (blob === undefined) throw new Error(`${path} is not staged`);
      batch ??= readBlobs(root, files.filter((f) => f.size <= BATCH_FILE_BYTES).map((f) => blobOf.get(f.path) as string));
      return (await batch).get(blob) ?? git(root, ["cat-file", "blob", blob]);
    },
  };
}

/** Files up to this size are read together, in one `git cat-file --batch` (one process per commit, not per file). */
const BATCH_FILE_BYTES = 1024 * 1024;

/** The blobs' contents by object name, from one `git cat-file --batch` (`<name> blob <size>\n<bytes>\n` each). */
async function readBlobs(root: string, blobs: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (blobs.length === 0) return out;
  const stream = await git(root, ["cat-file", "--batch"], [...new Set(blobs)].map((b) => `${b}\n`).join(""));
  let at = 0;
  while (at < stream.length) {
    const eol = stream.indexOf(0x0a, at);
    const [name, type, size] = stream.subarray(at, eol).toString("utf8").split(" ");
    if (type !== "blob") throw new Error(`git cat-file --batch: unexpected ${type ?? "output"} for ${name ?? "?"}`);
    const length = Number(size);
    out.set(name as string, stream.subarray(eol + 1, eol + 1 + length));
    at = eol + 1 + length + 1;
  }
  return out;
}
