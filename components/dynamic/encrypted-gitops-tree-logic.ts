import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type { Artefact, WriteStatus } from "../../gitops/artefact";
import { mergeSopsRulesBlock } from "../../gitops/sops-config-file";
import { decryptText, readRecipients, reencryptIfChanged } from "../../sops/index";
import { firstDriftedFile, readTreeFile, removeTreeFiles, writeTreeFiles } from "./encrypted-gitops-tree-files";
import { ENCRYPTED_GITOPS_TREE, type EncryptedGitopsTreeInputs, normalizedRules } from "./encrypted-gitops-tree-inputs";
import type { Progress } from "./progress";

/** Output fields Pulumi must store as secrets (the plaintext artefacts, kept to diff against). */
export const ENCRYPTED_GITOPS_TREE_SECRET_OUTPUTS = ["artefacts"];

export interface EncryptedGitopsTreeOutputs {
  /** The plaintext artefacts the files were made from. Secret. */
  readonly artefacts: readonly Artefact[];
  readonly recipients: readonly string[];
  readonly outputDir?: string;
  /** Tree path -> exact file content: ciphertext for encrypted artefacts, the content itself for plain ones. */
  readonly files: Readonly<Record<string, string>>;
}

export interface EncryptedGitopsTreeDeps {
  /** Progress lines; never given plaintext. */
  readonly progress: Progress;
  /**
   * The operator's own identities where `pulumi up` runs (sops's sources: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, keys.txt),
   * to decrypt files under talos/ that the cluster identity cannot. Read at run time, never stored in state.
   */
  readonly localIdentities?: () => Promise<string[]>;
}

/** A ciphertext the new one is derived from, so that unchanged values keep their data key and IVs. */
interface Previous {
  readonly text: string;
  readonly source: "disk" | "state";
}

function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split("\n")[0];

async function decryptsWith(encrypted: string, artefact: Artefact, identities: readonly string[]): Promise<boolean> {
  try {
    await decryptText(encrypted, { format: artefact.format, identities: [...identities], env: {} });
    return true;
  } catch {
    return false;
  }
}

function recipientsOf(encrypted: string, artefact: Artefact): string {
  try {
    const recipients = readRecipients(encrypted, artefact.format);
    return recipients.length > 0 ? `one of its recipients (${recipients.join(", ")})` : "one of its recipients";
  } catch {
    return "one of its recipients";
  }
}

/**
 * The file on disk comes first (the Git tree must not churn, even when `render` wrote it), then the ciphertext in
 * state if that artefact was encrypted in the same format before.
 */
async function previousCiphertext(
  artefact: Artefact,
  news: EncryptedGitopsTreeInputs,
  olds: EncryptedGitopsTreeOutputs | undefined,
): Promise<Previous | null> {
  if (news.outputDir !== undefined) {
    const onDisk = await readTreeFile(news.outputDir, artefact.path);
    if (onDisk !== undefined) return { text: onDisk, source: "disk" };
  }
  const old = olds?.artefacts.find((a) => a.path === artefact.path);
  const text = olds?.files[artefact.path];
  if (old === undefined || text === undefined || old.encryption === undefined || old.format !== artefact.format) return null;
  return { text, source: "state" };
}

async function encryptArtefact(
  artefact: Artefact,
  previous: Previous | null,
  inputs: EncryptedGitopsTreeInputs,
  deps: EncryptedGitopsTreeDeps,
  written: string | undefined,
): Promise<string> {
  const reencrypt = async (base: Previous | null) =>
    (
      await reencryptIfChanged(base?.text ?? null, artefact.content, {
        format: artefact.format,
        recipients: [...(artefact.recipients ?? inputs.recipients)],
        rules: artefact.encryption,
        identities: [...inputs.identities],
        // Keys and rules come only from the inputs, never from the user's SOPS_CONFIG or age key sources.
        env: {},
      })
    ).text;
  try {
    return await reencrypt(previous);
  } catch (err) {
    if (previous === null || (await decryptsWith(previous.text, artefact, inputs.identities))) {
      throw new Error(`${ENCRYPTED_GITOPS_TREE}: cannot encrypt ${artefact.path} (${artefact.description}): ${firstLine(err)}`);
    }
    if (previous.source === "disk" && previous.text !== written) {
      throw new Error(
        `${ENCRYPTED_GITOPS_TREE}: ${artefact.path} exists in ${inputs.outputDir} but cannot be decrypted with the given ` +
          `identities (${firstLine(err)}). It is not overwritten: add the identity of ${recipientsOf(previous.text, artefact)} ` +
          `to "identities", or delete the file (or restore it from Git) to have it written anew`,
      );
    }
    deps.progress(
      `${artefact.path}: the previous ciphertext in state cannot be decrypted with the given identities or the local ones; ` +
        "encrypting it with a new data key (an operator identity in SOPS_AGE_KEY_FILE or sops's keys.txt keeps the data key)",
    );
    return reencrypt(null);
  }
}

/** Whether the old artefact is the same as the new one: content, format, rules and the recipients it was encrypted to. */
function unchanged(artefact: Artefact, inputs: EncryptedGitopsTreeInputs, olds: EncryptedGitopsTreeOutputs | undefined): boolean {
  const old = olds?.artefacts?.find((a) => a.path === artefact.path);
  if (old === undefined || olds === undefined || !sameArtefact(old, artefact)) return false;
  return isDeepStrictEqual(sortedSet(old.recipients ?? olds.recipients ?? []), sortedSet(artefact.recipients ?? inputs.recipients));
}

/** This cluster's block spliced into the `.sops.yaml` on disk (or a new file), keeping every other byte. */
async function sharedSopsConfig(artefact: Artefact, probes: readonly string[], inputs: EncryptedGitopsTreeInputs, deps: EncryptedGitopsTreeDeps): Promise<string> {
  const onDisk = inputs.outputDir === undefined ? undefined : await readTreeFile(inputs.outputDir, artefact.path);
  const merged = mergeSopsRulesBlock(onDisk ?? null, artefact.content, probes);
  for (const note of merged.notes) deps.progress(note);
  return merged.text;
}

async function fileFor(
  artefact: Artefact,
  inputs: EncryptedGitopsTreeInputs,
  olds: EncryptedGitopsTreeOutputs | undefined,
  deps: EncryptedGitopsTreeDeps,
): Promise<string> {
  if (artefact.sopsRulesBlock !== undefined) return sharedSopsConfig(artefact, artefact.sopsRulesBlock.probes, inputs, deps);
  if (artefact.encryption === undefined) return plainContent(artefact, inputs);
  const previous = await previousCiphertext(artefact, inputs, olds);
  const written = olds?.files?.[artefact.path];
  // What this resource wrote, for the same plaintext and recipients: kept as it is, without decrypting it (the
  // cluster identity cannot read talos/ files, and the operator's identity need not be at hand).
  if (previous !== null && previous.text === written && unchanged(artefact, inputs, olds)) return previous.text;
  return encryptArtefact(artefact, previous, inputs, deps, written);
}

async function renderFiles(
  inputs: EncryptedGitopsTreeInputs,
  olds: EncryptedGitopsTreeOutputs | undefined,
  deps: EncryptedGitopsTreeDeps,
): Promise<Record<string, string>> {
  const local = (await deps.localIdentities?.()) ?? [];
  const withLocal: EncryptedGitopsTreeInputs = { ...inputs, identities: [...new Set([...inputs.identities, ...local])] };
  const files: Record<string, string> = {};
  for (const artefact of inputs.artefacts) files[artefact.path] = await fileFor(artefact, withLocal, olds, deps);
  return files;
}

/** A plain artefact's content; one written only when absent (`keepExisting`) keeps the file on disk once it exists. */
async function plainContent(artefact: Artefact, inputs: EncryptedGitopsTreeInputs): Promise<string> {
  if (artefact.keepExisting !== true || inputs.outputDir === undefined) return artefact.content;
  return (await readTreeFile(inputs.outputDir, artefact.path)) ?? artefact.content;
}

async function writeFiles(
  inputs: EncryptedGitopsTreeInputs,
  files: Readonly<Record<string, string>>,
  removed: readonly string[],
  deps: EncryptedGitopsTreeDeps,
): Promise<void> {
  if (inputs.outputDir === undefined) return;
  const counts: Record<WriteStatus, number> = { created: 0, updated: 0, unchanged: 0 };
  const described = new Map(inputs.artefacts.map((a) => [a.path, a.description]));
  await writeTreeFiles(inputs.outputDir, files, (path, status) => {
    counts[status]++;
    if (status !== "unchanged") deps.progress(`${path} (${described.get(path)}): ${status}`);
  });
  const gone = await removeTreeFiles(inputs.outputDir, removed);
  for (const path of gone) deps.progress(`${path}: removed (no longer an artefact; this resource wrote it)`);
  deps.progress(
    `${inputs.outputDir}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${gone.length} removed`,
  );
}

function outputs(inputs: EncryptedGitopsTreeInputs, files: Record<string, string>): EncryptedGitopsTreeOutputs {
  return {
    artefacts: inputs.artefacts,
    recipients: inputs.recipients,
    ...(inputs.outputDir === undefined ? {} : { outputDir: inputs.outputDir }),
    files,
  };
}

/** Encrypts the artefacts (reusing a decryptable file already on disk) and writes the tree when `outputDir` is set. */
export async function createEncryptedGitopsTree(
  inputs: EncryptedGitopsTreeInputs,
  deps: EncryptedGitopsTreeDeps,
): Promise<{ id: string; outs: EncryptedGitopsTreeOutputs }> {
  const files = await renderFiles(inputs, undefined, deps);
  await writeFiles(inputs, files, [], deps);
  return { id: randomUUID(), outs: outputs(inputs, files) };
}

function sameArtefact(a: Artefact, b: Artefact): boolean {
  return (
    a.content === b.content &&
    a.format === b.format &&
    isDeepStrictEqual(normalizedRules(a.encryption, a.path), normalizedRules(b.encryption, b.path)) &&
    isDeepStrictEqual(sortedSet(a.recipients ?? []), sortedSet(b.recipients ?? [])) &&
    isDeepStrictEqual(a.sopsRulesBlock?.probes ?? null, b.sopsRulesBlock?.probes ?? null)
  );
}

function sameArtefacts(olds: readonly Artefact[], news: readonly Artefact[]): boolean {
  const byPath = new Map(olds.map((a) => [a.path, a]));
  return olds.length === news.length && news.every((a) => byPath.has(a.path) && sameArtefact(byPath.get(a.path) as Artefact, a));
}

/**
 * The files to compare with the disk, where a shared `.sops.yaml` counts as unchanged while splicing the old block in
 * changes nothing: another stack's block or the owner's rules changing is not drift of this resource.
 */
async function withSharedFilesAsOnDisk(root: string, olds: EncryptedGitopsTreeOutputs): Promise<Record<string, string>> {
  const files = { ...(olds.files ?? {}) };
  for (const artefact of olds.artefacts ?? []) {
    const onDisk = artefact.sopsRulesBlock === undefined ? undefined : await readTreeFile(root, artefact.path);
    if (onDisk === undefined || artefact.sopsRulesBlock === undefined || files[artefact.path] === undefined) continue;
    try {
      if (mergeSopsRulesBlock(onDisk, artefact.content, artefact.sopsRulesBlock.probes).text === onDisk) files[artefact.path] = onDisk;
    } catch {
      // a damaged file is drift: the update names the problem
    }
  }
  return files;
}

/**
 * An update (never a replacement) when an artefact's content, format or rules changed, an artefact was added or
 * removed, the recipients or the output folder changed, or a file on disk is missing, differs or is not 0600.
 * Changed identities alone change nothing: they only decrypt.
 */
export async function diffEncryptedGitopsTree(
  olds: EncryptedGitopsTreeOutputs,
  news: EncryptedGitopsTreeInputs,
  deps: EncryptedGitopsTreeDeps,
): Promise<pulumi.dynamic.DiffResult> {
  const changed: string[] = [];
  const oldFiles = olds.files ?? {};
  if (!sameArtefacts(olds.artefacts ?? [], news.artefacts) || news.artefacts.some((a) => oldFiles[a.path] === undefined)) {
    changed.push("artefacts");
  }
  if (!isDeepStrictEqual(sortedSet(olds.recipients ?? []), sortedSet(news.recipients))) changed.push("recipients");
  if ((olds.outputDir ?? "") !== (news.outputDir ?? "")) changed.push("outputDir");
  else if (news.outputDir !== undefined) {
    const drifted = await firstDriftedFile(news.outputDir, await withSharedFilesAsOnDisk(news.outputDir, olds));
    if (drifted !== undefined) {
      deps.progress(`${drifted} in ${news.outputDir} is missing, differs from the state or is not mode 0600: the tree will be rewritten`);
      changed.push("files");
    }
  }
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/**
 * Re-encrypts each artefact from its previous ciphertext (unchanged values keep their data key and IVs, unchanged
 * files their bytes), writes the tree, and removes the files of artefacts that are gone, but only files this
 * resource wrote (in the previous `files`) in the same output folder.
 */
export async function updateEncryptedGitopsTree(
  olds: EncryptedGitopsTreeOutputs,
  news: EncryptedGitopsTreeInputs,
  deps: EncryptedGitopsTreeDeps,
): Promise<{ outs: EncryptedGitopsTreeOutputs }> {
  const files = await renderFiles(news, olds, deps);
  const sameFolder = olds.outputDir !== undefined && olds.outputDir === news.outputDir;
  const removed = sameFolder ? Object.keys(olds.files ?? {}).filter((path) => files[path] === undefined) : [];
  if (olds.outputDir !== undefined && olds.outputDir !== news.outputDir) {
    deps.progress(`the output folder changed: the files in ${olds.outputDir} are left in place`);
  }
  await writeFiles(news, files, removed, deps);
  return { outs: outputs(news, files) };
}
