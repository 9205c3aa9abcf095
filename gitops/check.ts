/**
 * The guard a PR check or pre-commit hook runs on a GitOps tree: files matched by a `.sops.yaml` creation rule
 * are validly encrypted, other files hold no secret, and the `sops-age` Secret is an identity of the rules.
 */
import { join } from "node:path";
import { decryptText, loadAgeIdentities, MAX_DOCUMENT_BYTES, parseBoundedYaml, recipientOf, MetadataNotFoundError, NoKeyCouldDecryptError, NoMatchingCreationRuleError, type SopsMetadata, type Tree, formatFromPath, storeFor, creationRuleFor, parseSopsConfig, type CreationRule, type SopsConfig } from "../sops/index";
import { ENC_VALUE, unencryptedLeaves } from "./encrypted-leaves";
import { secretValue } from "./existing-tree";
import { uncoveredSopsFileProblem } from "./sops-rule-coverage";
import type { SecretMatch } from "./secret-patterns";
import { scanForSecrets } from "./secret-scan";
import { sopsDocumentMetadataProblems } from "./sops-document-metadata";
import { diskTreeSource, type TreeSource } from "./tree-source";

// the guards run by `check --install-hook` and `check --staged`, in the same lazily loaded unit as the check
export { ForeignHookError, installGitHook } from "./guard-hook";
export { stagedTreeSource } from "./guard-staged-tree";

export interface CheckFinding {
  /** Relative to the checked folder, `/`-separated. */
  readonly file: string;
  readonly problem: string;
}

export interface CheckReport {
  readonly findings: CheckFinding[];
  /** Checks that could not run (e.g. no identity to decrypt the sops-age Secret). */
  readonly notes: string[];
  readonly filesChecked: number;
}

export interface CheckOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Where the files come from (default: the folder `dir` on disk; `check --staged`: the Git index). */
  readonly source?: TreeSource;
}

/**
 * The largest file scanned. A larger one is a finding: a secret could hide in what is not read. The one exception is a
 * SOPS binary-store file a rule covers whose whole payload is one encrypted value (`{"data": "ENC[...]", "sops": ...}`,
 * e.g. an etcd snapshot): it has no plaintext to scan. It is read up to the 64 MiB every sops parse is bounded by.
 */
export const MAX_SCANNED_BYTES = 16 * 1024 * 1024;

function tooLargeProblem(size: number): string {
  return `is too large to scan (${size} bytes, more than ${MAX_SCANNED_BYTES}): a secret could hide in it. Keep large files out of the GitOps tree (Git LFS, an OCI artifact)`;
}

/** Whether a file over the scan limit may still be checked: a ruled binary-store file that sops's parse bound admits. */
function mayBeWholeCiphertext(rel: string, size: number, rule: CreationRule | undefined): boolean {
  return rule !== undefined && size <= MAX_DOCUMENT_BYTES && formatFromPath(rel) === "binary";
}

/** The encrypted value that is the binary store's whole payload (`data`, nothing beside it), if the tree is one. */
function wholePayloadCiphertext(tree: Tree): string | undefined {
  const doc = tree.documents.length === 1 ? tree.documents[0] : undefined;
  const item = doc?.items.length === 1 ? doc.items[0] : undefined;
  if (item === undefined || !("key" in item) || item.key !== "data" || item.value.kind !== "str") return undefined;
  return ENC_VALUE.test(item.value.value) ? item.value.value : undefined;
}

function ruleLabel(rule: CreationRule): string {
  return rule.pathRegex === undefined ? "the catch-all .sops.yaml creation rule" : `the .sops.yaml creation rule with path_regex ${JSON.stringify(rule.pathRegex)}`;
}

function ruleRecipients(rule: CreationRule): string[] {
  return [...new Set(rule.keyGroups.flat())];
}

/** The creation rule sops would use for `path`, `undefined` when none matches. */
function ruleFor(config: SopsConfig | undefined, path: string): CreationRule | undefined {
  if (config === undefined) return undefined;
  try {
    return creationRuleFor(config, path);
  } catch (e) {
    if (e instanceof NoMatchingCreationRuleError) return undefined;
    throw e;
  }
}

interface EncryptedFileCheck {
  readonly findings: string[];
  /** The file has a readable sops structure (it may still have findings, e.g. a missing recipient). */
  readonly parsed: boolean;
  readonly tree?: Tree;
}

function checkEncryptedFile(rel: string, bytes: Buffer, rule: CreationRule): EncryptedFileCheck {
  let document: { tree: Tree; metadata: SopsMetadata };
  try {
    document = storeFor(formatFromPath(rel)).parseEncrypted(bytes);
  } catch (e) {
    const problem =
      e instanceof MetadataNotFoundError
        ? `matches ${ruleLabel(rule)} but is not sops-encrypted (no sops metadata): encrypt it with \`sops encrypt -i ${rel}\``
        : `matches ${ruleLabel(rule)} but is not a valid sops file: ${(e as Error).message.split("\n")[0]}`;
    return { findings: [problem], parsed: false };
  }
  const { tree, metadata } = document;
  const findings: string[] = [];
  const recipients = metadata.keyGroups.flatMap((g) => g.age.map((a) => a.recipient));
  const keyCount = metadata.keyGroups.reduce((n, g) => n + g.age.length + g.other.length, 0);
  if (keyCount === 0) findings.push("has sops metadata without any key: nobody can decrypt it");
  if (!ENC_VALUE.test(metadata.mac)) findings.push("has a missing or malformed sops MAC (sops.mac is not an ENC[AES256_GCM,...,type:str] value)");
  for (const leaf of unencryptedLeaves(tree, rule.rules)) {
    findings.push(
      leaf.malformed
        ? `has a malformed encrypted value at ${leaf.path}`
        : `has a plaintext value at ${leaf.path} that ${ruleLabel(rule)} requires to be encrypted`,
    );
  }
  const extra = [...new Set(recipients)].filter((r) => !ruleRecipients(rule).includes(r));
  if (extra.length > 0) {
    findings.push(
      `is also encrypted to ${extra.join(", ")}, which ${ruleLabel(rule)} does not list: whoever holds that identity can read it. ` +
        `Unless you added it on purpose, the file was replaced or re-encrypted outside the rules: restore it from Git history. ` +
        `If that recipient once belonged and was removed, drop it with a fresh data key, ` +
        `\`sops rotate -i --rm-age ${extra.join(",")} ${rel}\` (or \`talos-homelab rotate --apply\` for the whole tree). ` +
        "`sops updatekeys` is not enough here: it keeps the data key, which every older copy of the file still opens for the removed identity",
    );
  }
  const missing = ruleRecipients(rule).filter((r) => !recipients.includes(r));
  if (missing.length > 0) {
    findings.push(`is not encrypted to ${missing.join(", ")} required by ${ruleLabel(rule)}: run \`sops updatekeys ${rel}\``);
  }
  return { findings, parsed: true, tree };
}

function isSopsAgeSecret(text: string): boolean {
  try {
    const doc = parseBoundedYaml(text, "the manifest") as { kind?: unknown; metadata?: { name?: unknown } } | null;
    return doc?.kind === "Secret" && doc.metadata?.name === "sops-age";
  } catch {
    return false;
  }
}

async function checkSopsAgeSecret(rel: string, text: string, rule: CreationRule, env: NodeJS.ProcessEnv, report: CheckReport): Promise<void> {
  const identities = await loadAgeIdentities(env);
  if (identities.length === 0) {
    report.notes.push(`${rel}: not decrypted (no age identity available); its recipient was not checked against .sops.yaml`);
    return;
  }
  let plain: string;
  try {
    plain = await decryptText(text, { format: "yaml", identities: identities.map((i) => i.secretKey), env: {} });
  } catch (e) {
    if (e instanceof NoKeyCouldDecryptError) {
      report.notes.push(`${rel}: none of the available age identities can decrypt it; its recipient was not checked`);
    } else {
      report.findings.push({ file: rel, problem: `the sops-age Secret does not decrypt: ${(e as Error).message}` });
    }
    return;
  }
  const identity = secretValue(plain, "age.agekey");
  if (identity === undefined) {
    report.findings.push({ file: rel, problem: "the sops-age Secret has no age.agekey entry: Flux cannot decrypt anything" });
    return;
  }
  let recipient: string;
  try {
    const line = identity.split(/\r?\n/).find((l) => l.startsWith("AGE-SECRET-KEY-")) ?? identity;
    recipient = await recipientOf(line);
  } catch (e) {
    report.findings.push({ file: rel, problem: `the sops-age Secret's age.agekey is not an age identity: ${(e as Error).message}` });
    return;
  }
  if (!ruleRecipients(rule).includes(recipient)) {
    report.findings.push({
      file: rel,
      problem:
        `the sops-age Secret holds the identity of ${recipient}, which is not a recipient of ${ruleLabel(rule)}: Flux could not decrypt the files it applies. ` +
        "Unless you replaced the cluster identity yourself, this file was replaced (anyone who can read .sops.yaml can forge one): restore it from Git history, " +
        "and compare with talos-homelab:clusterAgeRecipient in the stack file; never add a recipient you do not recognise to .sops.yaml",
    });
  }
}

async function readSopsConfig(source: TreeSource, paths: readonly string[], report: CheckReport): Promise<SopsConfig | undefined> {
  if (!paths.includes(".sops.yaml")) {
    report.findings.push({ file: ".sops.yaml", problem: "is missing: without creation rules nothing in the tree is required to be encrypted; run `talos-homelab render`" });
    return undefined;
  }
  try {
    const config = parseSopsConfig(join(source.root, ".sops.yaml"), (await source.read(".sops.yaml")).toString("utf8"));
    if (config.creationRules === undefined) {
      report.findings.push({ file: ".sops.yaml", problem: "has no creation_rules: nothing in the tree is required to be encrypted" });
    }
    return config;
  } catch (e) {
    report.findings.push({ file: ".sops.yaml", problem: `is not a usable sops config: ${(e as Error).message}` });
    return undefined;
  }
}

function secretProblem(match: SecretMatch, where: string): string {
  return `line ${match.line}: contains ${match.what} ${where} (rule ${match.rule}; found: ${match.hint})`;
}

/** The text with every ENC[...] value and age-armored data key blanked (offsets and lines kept): what is left is plaintext. */
function plaintextPartsOf(text: string): string {
  const blank = (m: string): string => m.replace(/[^\n]/g, " ");
  return text.replace(/ENC\[[^\]\n]*\]/g, blank).replace(/-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----/g, blank);
}

async function checkRuledFile(rel: string, bytes: Buffer, rule: CreationRule, env: NodeJS.ProcessEnv, report: CheckReport): Promise<void> {
  const result = checkEncryptedFile(rel, bytes, rule);
  const ciphertext = bytes.length > MAX_SCANNED_BYTES && result.tree !== undefined ? wholePayloadCiphertext(result.tree) : undefined;
  if (bytes.length > MAX_SCANNED_BYTES && ciphertext === undefined) {
    report.findings.push({ file: rel, problem: tooLargeProblem(bytes.length) });
    return;
  }
  for (const problem of result.findings) report.findings.push({ file: rel, problem });
  // a large file's one encrypted value is left out of the scan (what is left: its sops metadata)
  const text = ciphertext === undefined ? bytes.toString("utf8") : bytes.toString("utf8").replace(ciphertext, "");
  if (!result.parsed) return;
  if (formatFromPath(rel) === "yaml") {
    for (const p of sopsDocumentMetadataProblems(text)) {
      report.findings.push({ file: rel, problem: `line ${p.line}: document ${p.document} ${p.problem}: restore the file from Git history, or re-encrypt it whole with \`sops encrypt\`` });
    }
  }
  // the parts the rule leaves in plaintext (metadata, comments, keys outside encrypted_regex) hold no secret either
  for (const match of await scanForSecrets(plaintextPartsOf(text), rel, { kubernetesSecrets: false })) {
    report.findings.push({ file: rel, problem: secretProblem(match, `in a part ${ruleLabel(rule)} leaves in plaintext`) });
  }
  if (isSopsAgeSecret(text)) await checkSopsAgeSecret(rel, text, rule, env, report);
}

/** Checks every file under `dir` (or of `opts.source`); the findings name the file and the problem. */
export async function checkGitopsTree(dir: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const env = opts.env ?? process.env;
  const source = opts.source ?? diskTreeSource(dir);
  const report = { findings: [] as CheckFinding[], notes: [] as string[], filesChecked: 0 };
  const files = await source.list();
  const sopsConfig = await readSopsConfig(source, files.map((f) => f.path), report);
  for (const { path: rel, size } of files) {
    let rule: CreationRule | undefined;
    try {
      rule = rel === ".sops.yaml" ? undefined : ruleFor(sopsConfig, join(source.root, ...rel.split("/")));
    } catch (e) {
      report.findings.push({ file: ".sops.yaml", problem: `cannot select the creation rule for ${rel}: ${(e as Error).message}` });
    }
    if (size > MAX_SCANNED_BYTES && !mayBeWholeCiphertext(rel, size, rule)) {
      report.findings.push({ file: rel, problem: tooLargeProblem(size) });
      continue;
    }
    const bytes = await source.read(rel);
    report.filesChecked += 1;
    if (rule !== undefined) {
      await checkRuledFile(rel, bytes, rule, env, report);
      continue;
    }
    const uncovered = sopsConfig?.creationRules !== undefined && rel !== ".sops.yaml" ? uncoveredSopsFileProblem(rel, bytes) : undefined;
    if (uncovered !== undefined) report.findings.push({ file: rel, problem: uncovered });
    for (const match of await scanForSecrets(bytes.toString("utf8"), rel)) {
      report.findings.push({ file: rel, problem: secretProblem(match, "outside the .sops.yaml creation rules") });
    }
  }
  return report;
}

export function formatFinding(f: CheckFinding): string {
  return `${f.file}: ${f.problem}`;
}
