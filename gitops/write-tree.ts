/**
 * Writes the artefacts into the output tree without churn: an encrypted file is rewritten only when its
 * decrypted content or its recipients changed, a plain file only when its bytes changed.
 */
import { promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import { reencryptIfChanged, writeFileAtomic } from "../sops/index";
import type { Artefact, WriteStatus, WrittenArtefact } from "./artefact";
import { mergeSopsRulesBlock } from "./sops-config-file";
import { UndecryptableTreeFileError } from "./undecryptable";

export const TREE_FILE_MODE = 0o600;

export interface WriteTreeOptions {
  /** age recipients of an encrypted artefact that does not name its own. */
  readonly recipients: readonly string[];
  /** `AGE-SECRET-KEY-1…` identities able to decrypt the files already on disk (to compare their content). */
  readonly identities: readonly string[];
  readonly now?: Date;
  /** Called after each file, e.g. to print a progress line. */
  readonly onWritten?: (result: WrittenArtefact) => void;
  /** Notes about a shared file (e.g. the `.sops.yaml` block was moved above a broader rule). */
  readonly onNote?: (line: string) => void;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await fs.readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

async function nextContent(artefact: Artefact, path: string, existing: string | null, opts: WriteTreeOptions): Promise<string> {
  if (artefact.sopsRulesBlock !== undefined) {
    const merged = mergeSopsRulesBlock(existing, artefact.content, artefact.sopsRulesBlock.probes);
    for (const note of merged.notes) opts.onNote?.(note);
    return merged.text;
  }
  if (artefact.encryption === undefined) return artefact.content;
  try {
    const result = await reencryptIfChanged(existing, artefact.content, {
      format: artefact.format,
      recipients: [...(artefact.recipients ?? opts.recipients)],
      rules: artefact.encryption,
      identities: [...opts.identities],
      // Keys and rules come only from the arguments, never from the user's SOPS_CONFIG or age key sources.
      env: {},
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    });
    return result.text;
  } catch (e) {
    if (existing === null) throw e;
    throw new UndecryptableTreeFileError(path, existing, e);
  }
}

async function writeOne(root: string, artefact: Artefact, opts: WriteTreeOptions): Promise<WriteStatus> {
  const path = join(root, ...artefact.path.split("/"));
  const existing = await readIfExists(path);
  const next = existing !== null && artefact.keepExisting === true ? existing : await nextContent(artefact, artefact.path, existing, opts);
  if (existing !== null && existing === next) {
    const mode = (await fs.stat(path)).mode & 0o777;
    if (mode !== TREE_FILE_MODE) await fs.chmod(path, TREE_FILE_MODE);
    return "unchanged";
  }
  await fs.mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, next, TREE_FILE_MODE);
  return existing === null ? "created" : "updated";
}

/** Writes every artefact under `root`, atomically and with mode 0600; returns what happened to each file. */
export async function writeTree(root: string, artefacts: readonly Artefact[], opts: WriteTreeOptions): Promise<WrittenArtefact[]> {
  const results: WrittenArtefact[] = [];
  for (const artefact of artefacts) {
    const status = await writeOne(root, artefact, opts);
    const result: WrittenArtefact = {
      path: artefact.path,
      description: artefact.description,
      encrypted: artefact.encryption !== undefined,
      status,
    };
    opts.onWritten?.(result);
    results.push(result);
  }
  return results;
}
