/**
 * What `talos-homelab rotate` will do to a tree, computed without writing anything: the `.sops.yaml` recipient edit,
 * and for every SOPS file under the tree (any store, the project's and the user's own) its recipients before and
 * after (from the first matching creation rule of the edited `.sops.yaml`, as sops chooses them), and whether it can
 * be opened with the identities at hand. Plaintext stays in memory; the plan's printable parts hold no key material.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  creationRuleFor,
  decryptBytes,
  NoMatchingCreationRuleError,
  parseSopsConfig,
  recipientOf,
  type SopsConfig,
} from "../sops/index";
import { clusterKeyRingFile, parseClusterKeyRing, SOPS_AGE_SECRET_KEY } from "../kubernetes";
import { secretValue } from "./existing-tree";
import { changeRecipients, editSopsConfigRecipients, type RecipientChange } from "./rotate-recipients";
import { scanSopsFiles, type TreeSopsFile } from "./sops-tree-files";

export const SOPS_CONFIG_PATH = ".sops.yaml";

export interface RotateRequest {
  /** The tree root: where `.sops.yaml` is. */
  readonly root: string;
  readonly change: RecipientChange;
  /** The new cluster identity (`AGE-SECRET-KEY-1…`), when the cluster identity changes. */
  readonly newClusterIdentity?: string;
  /** Identities that can open the files (old cluster identities, operators). */
  readonly identities: readonly string[];
}

export interface FilePlan {
  readonly path: string;
  readonly file: TreeSopsFile;
  readonly before: readonly string[];
  /** Key groups after the rotation. */
  readonly after: readonly (readonly string[])[];
  readonly shamirThreshold?: number;
  /** Where `after` comes from. */
  readonly source: "rule" | "own recipients (no creation rule matches)";
  /** The plaintext, opened in memory; `undefined` when `problem` is set. */
  readonly plaintext?: Buffer;
  /** The sops-age Secret of the rotated cluster: its age.agekey gets the new identity first. */
  readonly keyRing?: "new identity added";
  readonly problem?: string;
}

export interface RotatePlan {
  readonly root: string;
  /** Files holding sops values that their store cannot read (too large, damaged): they block `--apply`. */
  readonly unreadable: readonly { readonly path: string; readonly reason: string }[];
  readonly sopsConfig: { readonly before: string; readonly after: string; readonly rulesChanged: number };
  readonly files: readonly FilePlan[];
  readonly change: RecipientChange;
}

function ruleGroups(config: SopsConfig, root: string, file: TreeSopsFile, change: RecipientChange): Pick<FilePlan, "after" | "shamirThreshold" | "source"> {
  try {
    const rule = creationRuleFor(config, join(root, ...file.path.split("/")));
    if (rule !== undefined) return { after: rule.keyGroups, source: "rule", ...(rule.shamirThreshold !== undefined ? { shamirThreshold: rule.shamirThreshold } : {}) };
  } catch (e) {
    if (!(e instanceof NoMatchingCreationRuleError)) throw e;
  }
  const groups = file.metadata.keyGroups.map((g) => changeRecipients(g.age.map((a) => a.recipient), change));
  return { after: groups, source: "own recipients (no creation rule matches)", ...(file.metadata.shamirThreshold !== undefined ? { shamirThreshold: file.metadata.shamirThreshold } : {}) };
}

interface SecretDoc {
  kind?: unknown;
  metadata?: { name?: unknown };
}

/** The plaintext with the new identity put first in a sops-age Secret of the rotated cluster; as is otherwise. */
async function withNewIdentity(plain: string, file: TreeSopsFile, request: RotateRequest): Promise<{ text: string; changed: boolean }> {
  const cluster = request.change.cluster;
  if (request.newClusterIdentity === undefined || cluster === undefined || file.format !== "yaml") return { text: plain, changed: false };
  let doc: SecretDoc | null;
  try {
    doc = parseYaml(plain) as SecretDoc | null;
  } catch {
    return { text: plain, changed: false };
  }
  if (doc?.kind !== "Secret" || doc.metadata?.name !== "sops-age") return { text: plain, changed: false };
  const stored = secretValue(plain, SOPS_AGE_SECRET_KEY);
  if (stored === undefined) return { text: plain, changed: false };
  const ring = parseClusterKeyRing(stored, `${file.path} ${SOPS_AGE_SECRET_KEY}`);
  const members = [ring.current, ...ring.previous];
  const recipients = await Promise.all(members.map((m) => recipientOf(m)));
  if (!recipients.includes(cluster.from) && !recipients.includes(cluster.to)) return { text: plain, changed: false };
  const ringText = clusterKeyRingFile(request.newClusterIdentity, members);
  const encoded = Buffer.from(ringText).toString("base64");
  const oldEncoded = Buffer.from(stored).toString("base64");
  if (!plain.includes(oldEncoded)) throw new Error(`${file.path}: the sops-age Secret keeps ${SOPS_AGE_SECRET_KEY} in a form rotate cannot update (use data: with base64)`);
  return { text: plain.replace(oldEncoded, encoded), changed: encoded !== oldEncoded };
}

async function planFile(file: TreeSopsFile, config: SopsConfig, request: RotateRequest): Promise<FilePlan> {
  const base = { path: file.path, file, before: file.recipients, ...ruleGroups(config, request.root, file, request.change) };
  if (file.metadata.keyGroups.some((g) => g.other.length > 0)) {
    return { ...base, problem: "also has non-age master keys (pgp, kms, …), which this implementation cannot re-wrap: rotate it with the real sops" };
  }
  if (base.after.length === 0 || base.after.some((g) => g.length === 0)) {
    return { ...base, problem: "its creation rule gives no age recipient: add one to .sops.yaml" };
  }
  let plain: Buffer;
  try {
    plain = await decryptBytes(file.bytes, { format: file.format, identities: [...request.identities], env: {} });
  } catch (e) {
    const reason = (e as Error).message.split("\n")[0];
    return { ...base, problem: `cannot be opened with the available identities (${reason}): make the identity of one of ${file.recipients.join(", ")} available (SOPS_AGE_KEY_FILE)` };
  }
  const updated = await withNewIdentity(plain.toString("utf8"), file, request);
  return { ...base, plaintext: updated.changed ? Buffer.from(updated.text) : plain, ...(updated.changed ? { keyRing: "new identity added" as const } : {}) };
}

/** The plan for `request.root`; reads only. Files with a `problem` block `--apply`. */
export async function planRotation(request: RotateRequest): Promise<RotatePlan> {
  const configPath = join(request.root, SOPS_CONFIG_PATH);
  let before: string;
  try {
    before = readFileSync(configPath, "utf8");
  } catch {
    throw new Error(`${configPath} does not exist: rotate re-encrypts each file to its .sops.yaml creation rule; run \`talos-homelab render\` first, or pass --dir <tree root>`);
  }
  const edited = editSopsConfigRecipients(before, request.change);
  const config = parseSopsConfig(configPath, edited.text);
  const files: FilePlan[] = [];
  const scan = await scanSopsFiles(request.root);
  for (const file of scan.files) files.push(await planFile(file, config, request));
  return { root: request.root, unreadable: scan.unreadable, sopsConfig: { before, after: edited.text, rulesChanged: edited.rulesChanged }, files, change: request.change };
}
