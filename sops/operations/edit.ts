/**
 * `sops edit`: decrypt to a private temp file, run the editor, re-encrypt with the same data key (IVs of unchanged
 * values kept). Nothing is written when the file is unchanged (exit 200) or anything fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { FileUnchangedError } from "../errors";
import { NoEditorError } from "../operation-errors";
import { splitShellWords } from "../shell-words";
import { type StoreFormat, formatFromPath, storeFor } from "../stores/index";
import { encryptTree, type EncryptOptions } from "./encrypt";
import { writeOutputFile } from "./file-io";
import { type DecryptOptions, openEncrypted } from "./open";
import { reencryptOpened } from "./reencrypt-tree";

export interface EditOptions extends DecryptOptions, Omit<EncryptOptions, "format" | "filePath"> {
  format?: StoreFormat;
  /** The editor command line; defaults to $SOPS_EDITOR, $EDITOR, then vim, nano, vi. */
  editor?: string;
}

const NEW_FILE_EXAMPLE: Record<StoreFormat, string> = {
  yaml: "hello: Welcome to SOPS! Edit this file as you please!\nexample_key: example_value\n",
  json: '{\n\t"hello": "Welcome to SOPS! Edit this file as you please!",\n\t"example_key": "example_value"\n}\n',
  dotenv: "hello=Welcome to SOPS! Edit this file as you please!\nexample_key=example_value\n",
  binary: "Welcome to SOPS! Edit this file as you please!\n",
};

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, name)));
}

/** The editor command as sops picks it. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env.SOPS_EDITOR || env.EDITOR;
  if (chosen) return splitShellWords(chosen);
  for (const name of ["vim", "nano", "vi"]) if (onPath(name, env)) return [name];
  throw new NoEditorError("Could not find any editors: set $SOPS_EDITOR or $EDITOR");
}

function runEditor(command: string[], file: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(command[0], [...command.slice(1), file], { stdio: "inherit", env });
  if (r.error) throw new NoEditorError(`Could not run the editor ${command[0]}: ${r.error.message}`);
  // sops exits NoEditorFound whichever way the editor fails (not started, non-zero status, killed).
  if (r.status !== 0) throw new NoEditorError(`Could not run editor: ${command.join(" ")} exited with status ${r.status ?? r.signal}; the file was not changed`);
}

/** Edits `path` (an existing encrypted file, or a new one from an example using the configured keys). */
export async function editFile(path: string, opts: EditOptions = {}): Promise<void> {
  const env = opts.env ?? process.env;
  const format = opts.format ?? formatFromPath(path);
  const store = storeFor(format);
  const exists = existsSync(path);
  const opened = exists ? await openEncrypted(await fs.readFile(path), format, opts) : undefined;
  const original = opened ? store.emitPlain(opened.plain) : Buffer.from(NEW_FILE_EXAMPLE[format], "utf8");
  const command = opts.editor ? splitShellWords(opts.editor) : editorCommand(env);

  const dir = await fs.mkdtemp(join(tmpdir(), "sops-edit-"));
  try {
    const temp = join(dir, basename(path));
    await fs.writeFile(temp, original, { mode: 0o600, flag: "wx" });
    runEditor(command, temp, env);
    const edited = await fs.readFile(temp);
    if (edited.equals(original)) throw new FileUnchangedError();
    const plain = store.parsePlain(edited);
    const out = opened
      ? reencryptOpened(opened, plain, { now: opts.now })
      : await encryptTree(plain, { ...opts, format, filePath: path });
    await writeOutputFile({ path }, out, "encrypted");
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
