/**
 * `sops edit`: decrypt to a private temp file, run the editor, re-encrypt with the same data key (IVs of unchanged
 * values kept). Nothing is written when the file is unchanged (exit 200) or anything fails.
 */
import { spawn } from "node:child_process";
import { existsSync, promises as fs, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { FileUnchangedError, InvalidInputError, SopsError } from "../errors";
import { onInterrupt } from "../interrupt-cleanup";
import { NoEditorError } from "../operation-errors";
import { splitShellWords } from "../shell-words";
import { type StoreFormat, formatFromPath, storeFor } from "../stores/index";
import type { Tree } from "../tree";
import { encryptTree, type EncryptOptions } from "./encrypt";
import { writeOutputFile } from "./file-io";
import { type DecryptOptions, openEncrypted } from "./open";
import { reencryptOpened } from "./reencrypt-tree";

export interface EditOptions extends DecryptOptions, Omit<EncryptOptions, "format" | "filePath"> {
  format?: StoreFormat;
  /** The editor command line; defaults to $SOPS_EDITOR, $EDITOR, then vim, nano, vi. */
  editor?: string;
  /**
   * Asked when the edited text does not parse: true returns to the editor on the same text (as sops does), false
   * gives up. Default: print the message and wait for Enter on stdin (end of input gives up).
   */
  reopen?: (message: string) => Promise<boolean>;
}

const INVALID_SYNTAX = "Could not load tree, probably due to invalid syntax. Press a key to return to the editor, or Ctrl+C to exit.";

/** sops's prompt: one line on stderr, then any input on stdin returns to the editor. */
function waitForKey(message: string): Promise<boolean> {
  process.stderr.write(`${message}\n`);
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const done = (answer: boolean): void => {
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.pause();
      resolve(answer);
    };
    const onData = (): void => done(true);
    const onEnd = (): void => done(false);
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
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

/** Runs the editor (asynchronously, so that an interruption can stop it and remove the plaintext at once). */
function runEditor(command: string[], file: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), file], { stdio: "inherit", env });
    const forget = onInterrupt(() => child.kill("SIGTERM"));
    child.on("error", (e) => {
      forget();
      reject(new NoEditorError(`Could not run the editor ${command[0]}: ${e.message}`));
    });
    child.on("exit", (status, signal) => {
      forget();
      if (status === 0) resolve();
      // sops exits NoEditorFound whichever way the editor fails (not started, non-zero status, killed).
      else reject(new NoEditorError(`Could not run editor: ${command.join(" ")} exited with status ${status ?? signal}; the file was not changed`));
    });
  });
}

/** Runs the editor until its text parses (reopening it as sops does), or the user gives up. */
async function editUntilValid(command: string[], temp: string, original: Buffer, parse: (b: Buffer) => Tree, opts: EditOptions, env: NodeJS.ProcessEnv): Promise<Tree> {
  for (;;) {
    await runEditor(command, temp, env);
    const edited = await fs.readFile(temp);
    if (edited.equals(original)) throw new FileUnchangedError();
    try {
      return parse(edited);
    } catch (e) {
      if (!(e instanceof SopsError) || e instanceof FileUnchangedError) throw e;
      const again = await (opts.reopen ?? waitForKey)(`${INVALID_SYNTAX}\n${e.message.split("\n")[0]}`);
      if (!again) throw new InvalidInputError(`Could not load tree, probably due to invalid syntax: ${e.message.split("\n")[0]}; the file was not changed`);
    }
  }
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
  const forget = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const temp = join(dir, basename(path));
    await fs.writeFile(temp, original, { mode: 0o600, flag: "wx" });
    const plain = await editUntilValid(command, temp, original, (b) => store.parsePlain(b), opts, env);
    const out = opened
      ? reencryptOpened(opened, plain, { now: opts.now })
      : await encryptTree(plain, { ...opts, format, filePath: path });
    await writeOutputFile({ path }, out, "encrypted");
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    forget();
  }
}
