/** Reads and validates the EncryptedGitopsTree inputs as Pulumi hands them to the provider (plain records). */
import { isAbsolute } from "node:path";
import type { Artefact } from "../../gitops/artefact";
import type { EncryptionRules, StoreFormat } from "../../sops/index";
import { optionalString, stringList } from "./inputs";

export const ENCRYPTED_GITOPS_TREE = "EncryptedGitopsTree";

export interface EncryptedGitopsTreeInputs {
  readonly artefacts: readonly Artefact[];
  readonly recipients: readonly string[];
  /** Identities able to decrypt the previous ciphertexts (in state or on disk). */
  readonly identities: readonly string[];
  /** Absolute folder the tree is written into; none: the tree lives in the `files` output only. */
  readonly outputDir?: string;
}

const FORMATS: readonly StoreFormat[] = ["yaml", "json", "dotenv", "binary"];
const STRING_RULES = [
  "unencryptedSuffix",
  "encryptedSuffix",
  "unencryptedRegex",
  "encryptedRegex",
  "unencryptedCommentRegex",
  "encryptedCommentRegex",
] as const;

function fail(message: string): never {
  throw new Error(`${ENCRYPTED_GITOPS_TREE}: ${message}`);
}

function treePath(raw: unknown, index: number): string {
  if (typeof raw !== "string" || raw === "") fail(`artefacts[${index}].path is required`);
  const segments = raw.split("/");
  if (raw.includes("\\") || segments.some((s) => s === "" || s === "." || s === "..")) {
    fail(`artefacts[${index}].path "${raw}" must be relative to the tree root, "/"-separated, without "." or ".." segments`);
  }
  return raw;
}

/** The rules with unset fields dropped, so that equal rules compare equal whatever the engine did with empty values. */
export function normalizedRules(raw: unknown, path: string): EncryptionRules | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) fail(`artefact ${path}: "encryption" must be an object of sops rules`);
  const rules: EncryptionRules = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    if (key === "macOnlyEncrypted" && value === true) rules.macOnlyEncrypted = true;
    else if ((STRING_RULES as readonly string[]).includes(key) && typeof value === "string") {
      rules[key as (typeof STRING_RULES)[number]] = value;
    } else {
      fail(`artefact ${path}: unknown or malformed encryption rule "${key}" (known: ${[...STRING_RULES, "macOnlyEncrypted"].join(", ")})`);
    }
  }
  return rules;
}

function artefact(raw: unknown, index: number): Artefact {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(`artefacts[${index}] must be an object`);
  const record = raw as Record<string, unknown>;
  const path = treePath(record.path, index);
  if (typeof record.content !== "string") fail(`artefact ${path}: "content" must be a string`);
  const format = record.format;
  if (!FORMATS.includes(format as StoreFormat)) {
    fail(`artefact ${path}: "format" is ${JSON.stringify(format)}; expected one of ${FORMATS.join(", ")}`);
  }
  const encryption = normalizedRules(record.encryption, path);
  const recipients = artefactRecipients(record.recipients, path, encryption !== undefined);
  const sopsRulesBlock = rulesBlock(record.sopsRulesBlock, path);
  if (encryption === undefined && /[^/]\.sops\.[^/]+$/.test(path)) {
    fail(`artefact ${path} is named as a SOPS file but has no "encryption" rules; give them ({} encrypts the whole file)`);
  }
  return {
    path,
    description: typeof record.description === "string" ? record.description : path,
    content: record.content,
    ...(record.keepExisting === true && encryption === undefined ? { keepExisting: true } : {}),
    format: format as StoreFormat,
    ...(encryption === undefined ? {} : { encryption }),
    ...(recipients === undefined ? {} : { recipients }),
    ...(sopsRulesBlock === undefined ? {} : { sopsRulesBlock }),
  };
}

function stringsOrFail(raw: unknown, what: string): string[] {
  if (!Array.isArray(raw) || raw.some((r) => typeof r !== "string" || r === "")) fail(`${what} must be a list of non-empty strings`);
  return raw as string[];
}

/** An artefact's own recipients (recipients by need); only encrypted artefacts have them, and never an empty list. */
function artefactRecipients(raw: unknown, path: string, encrypted: boolean): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const recipients = stringsOrFail(raw, `artefact ${path}: "recipients"`);
  if (!encrypted) fail(`artefact ${path} has "recipients" but no "encryption": only encrypted artefacts have recipients`);
  if (recipients.length === 0) fail(`artefact ${path}: "recipients" is empty; give at least one age recipient (age1…) or leave it out for the tree's`);
  return recipients;
}

function rulesBlock(raw: unknown, path: string): { probes: string[] } | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) fail(`artefact ${path}: "sopsRulesBlock" must be an object with "probes"`);
  return { probes: stringsOrFail((raw as Record<string, unknown>).probes, `artefact ${path}: "sopsRulesBlock.probes"`) };
}

export function encryptedGitopsTreeInputs(raw: Record<string, unknown>): EncryptedGitopsTreeInputs {
  if (!Array.isArray(raw.artefacts)) fail(`"artefacts" must be a list of artefacts`);
  const artefacts = raw.artefacts.map(artefact);
  const seen = new Set<string>();
  for (const a of artefacts) {
    if (seen.has(a.path)) fail(`two artefacts have the path ${a.path}; each file of the tree must come from one artefact`);
    seen.add(a.path);
  }
  const recipients = stringList(ENCRYPTED_GITOPS_TREE, raw, "recipients");
  const encrypted = artefacts.filter((a) => a.encryption !== undefined && a.recipients === undefined);
  if (encrypted.length > 0 && recipients.length === 0) {
    fail(`"recipients" is empty but ${encrypted[0].path} must be encrypted; give at least one age recipient (age1…)`);
  }
  const outputDir = optionalString(ENCRYPTED_GITOPS_TREE, raw, "outputDir");
  if (outputDir !== undefined && !isAbsolute(outputDir)) {
    fail(`"outputDir" must be an absolute path (got "${outputDir}"); resolve it against the project folder first`);
  }
  return {
    artefacts,
    recipients,
    identities: stringList(ENCRYPTED_GITOPS_TREE, raw, "identities"),
    ...(outputDir === undefined ? {} : { outputDir }),
  };
}
