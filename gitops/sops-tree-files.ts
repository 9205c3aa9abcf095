/**
 * Every SOPS file under a tree, whatever its store (YAML, JSON, dotenv, binary) and whoever wrote it: a file is one
 * when its store (chosen from its name, as sops does) parses it as encrypted. Other files are skipped.
 */
import { promises as fs } from "node:fs";
import { join, relative, sep } from "node:path";
import { formatFromPath, MetadataNotFoundError, readRecipients, storeFor, type SopsMetadata, type StoreFormat } from "../sops/index";

/** Folders never searched: Git's own data and installed packages. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

export interface TreeSopsFile {
  /** Relative to the tree root, `/`-separated. */
  readonly path: string;
  readonly format: StoreFormat;
  readonly bytes: Buffer;
  readonly metadata: SopsMetadata;
  /** The age recipients of every key group (no key needed). */
  readonly recipients: readonly string[];
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((rel) => !rel.split("/").some((part) => SKIPPED_DIRS.has(part)))
    .sort();
}

function formatOf(path: string): StoreFormat | undefined {
  try {
    return formatFromPath(path);
  } catch {
    return undefined;
  }
}

/** A file that looks SOPS-encrypted (it holds sops values) but that its store cannot read. */
export interface UnreadableSopsFile {
  readonly path: string;
  /** The store's first error line (never file content). */
  readonly reason: string;
}

const SOPS_VALUE_MARK = Buffer.from("ENC[AES256_GCM,");

/** The file as a SOPS file; `undefined` when it is no SOPS file; unreadable when it looks like one but does not parse. */
export function asSopsFile(path: string, bytes: Buffer): TreeSopsFile | UnreadableSopsFile | undefined {
  const format = formatOf(path);
  if (format === undefined) return undefined;
  try {
    const { metadata } = storeFor(format).parseEncrypted(bytes);
    return { path, format, bytes, metadata, recipients: readRecipients(bytes, format) };
  } catch (e) {
    if (e instanceof MetadataNotFoundError || !bytes.includes(SOPS_VALUE_MARK)) return undefined;
    return { path, reason: (e as Error).message.split("\n")[0] ?? "unreadable" };
  }
}

export const isReadable = (f: TreeSopsFile | UnreadableSopsFile): f is TreeSopsFile => "metadata" in f;

/** The SOPS files under `root`, sorted by path: the ones their store reads, and the ones it cannot. */
export async function scanSopsFiles(root: string): Promise<{ files: TreeSopsFile[]; unreadable: UnreadableSopsFile[] }> {
  const files: TreeSopsFile[] = [];
  const unreadable: UnreadableSopsFile[] = [];
  for (const path of await listFiles(root)) {
    if (path.endsWith(".tmp")) continue;
    const file = asSopsFile(path, await fs.readFile(join(root, ...path.split("/"))));
    if (file === undefined) continue;
    if (isReadable(file)) files.push(file);
    else unreadable.push(file);
  }
  return { files, unreadable };
}

/** The SOPS files under `root` their store reads, sorted by path. */
export async function findSopsFiles(root: string): Promise<TreeSopsFile[]> {
  return (await scanSopsFiles(root)).files;
}
