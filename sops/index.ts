/** The public SOPS API other folders import. */
import { encryptBytes, type EncryptOptions } from "./operations/encrypt";
import { decryptBytes } from "./operations/decrypt";
import { parseEncrypted } from "./operations/open";
import { allRecipientsOf } from "./key-groups";
import type { StoreFormat } from "./stores/index";

export type { StoreFormat } from "./stores/index";
export { formatFromPath, storeFor } from "./stores/index";
export { type EncryptionRules, LeafSelector, validateRules } from "./encryption-rules";
export { type Tree, type Value, isComment } from "./tree";
export type { SopsMetadata, KeyGroup, AgeKeyEntry } from "./metadata";
export { SOPS_FORMAT_VERSION } from "./metadata";
export * from "./errors";
export * from "./operation-errors";
export { ExitCode } from "./exit-codes";
export {
  type AgeIdentity,
  defaultAgeKeyFilePath,
  ensureDefaultAgeIdentity,
  generateAgeIdentity,
  loadAgeIdentities,
  recipientOf,
  formatAgeKeyFile,
} from "./age-identities";
export { ageRecipientProblem } from "./age-recipient";
export { createFileExclusive, existingModeOr, writeFileAtomic } from "./atomic-write";
export { REDACTED_IDENTITY, looksLikeAgeIdentity, redactKeyMaterial, shownAgeValue } from "./redact";
export { MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH, checkYamlNesting, parseBoundedYaml } from "./stores/parse-limits";
export { readInputFile, writeOutputFile, type OutputTarget } from "./operations/file-io";
export { reencryptIfChanged, type ReencryptOptions } from "./reencrypt";
export { encryptFile, encryptBytes, type EncryptOptions } from "./operations/encrypt";
export { decryptFile, decryptBytes, type DecryptBytesOptions } from "./operations/decrypt";
export { editFile, type EditOptions } from "./operations/edit";
export { setValue, unsetValue, valueFromJson, type ModifyOptions } from "./operations/modify";
export { updateKeys, planUpdateKeys, type UpdateKeysOptions, type UpdateKeysPlan } from "./operations/update-keys";
export { rotate, rotateBytes, type RotateOptions } from "./operations/rotate";
export { fileStatus, fileStatusOfBytes, type FileStatus } from "./operations/file-status";
export { parseTreePath, type TreePath } from "./operations/tree-path";
export { findSopsConfig, loadSopsConfig, parseSopsConfig, creationRuleFor, type CreationRule, type SopsConfig } from "./sops-config";
export { goRegexp } from "./go-regexp";

export type EncryptTextOptions = EncryptOptions;

/** Encrypts a plaintext document (keys from `recipients`/`keyGroups`, or from `.sops.yaml` for `filePath`). */
export async function encryptText(plaintext: string | Buffer, opts: EncryptTextOptions): Promise<string> {
  return (await encryptBytes(Buffer.from(plaintext), opts)).toString("utf8");
}

/** Decrypts an encrypted document to its plaintext (identities given, or from the sops sources in `env`). */
export async function decryptText(
  encrypted: string | Buffer,
  opts: { format: StoreFormat; identities?: string[]; ignoreMac?: boolean; env?: NodeJS.ProcessEnv },
): Promise<string> {
  return (await decryptBytes(Buffer.from(encrypted), opts)).toString("utf8");
}

/** The age recipients in an encrypted document's metadata (no key needed). */
export function readRecipients(encrypted: string | Buffer, format: StoreFormat): string[] {
  return allRecipientsOf(parseEncrypted(Buffer.from(encrypted), format).metadata);
}
