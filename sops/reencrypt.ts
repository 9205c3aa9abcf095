/**
 * Stable re-encryption for generated outputs: unchanged plaintext, recipients and rules give back the existing bytes;
 * otherwise the existing data key is kept and unchanged values keep their IVs (as `sops edit` does), so re-running
 * the project never produces Git churn. Revocation is the exception: when any recipient of the existing file is not
 * kept (in the same key group), the file gets a fresh data key and every value a new ciphertext. Re-wrapping the old
 * key would let the removed party decrypt the new file with its old `enc` block from Git history.
 */
import { isDeepStrictEqual } from "node:util";
import { encryptDocument } from "./document-cipher";
import { rulesFromMetadata, validateRules } from "./encryption-rules";
import { normalizeRecipientGroups, recipientGroupsOf } from "./key-groups";
import type { SopsMetadata } from "./metadata";
import { encryptTree, newMetadata, wrapForSettings, type EncryptOptions } from "./operations/encrypt";
import { openEncrypted, type IdentityOptions } from "./operations/open";
import { resolveEncryptionSettings } from "./operations/settings";
import { storeFor } from "./stores/index";

export type ReencryptOptions = EncryptOptions & IdentityOptions;

function sameGroups(a: string[][], b: string[][]): boolean {
  return a.length === b.length && a.every((g, i) => isDeepStrictEqual([...g].sort(), [...b[i]].sort()));
}

/** Every recipient of the old groups is still in the same group of the new ones (recipients only added). */
function keepsEveryRecipient(old: SopsMetadata, wanted: string[][], threshold: number | undefined): boolean {
  const groups = recipientGroupsOf(old);
  if (old.keyGroups.some((g) => g.other.length > 0) || groups.length !== wanted.length) return false;
  if (groups.length > 1 && (old.shamirThreshold ?? groups.length) !== (threshold ?? wanted.length)) return false;
  return groups.every((g, i) => g.every((r) => wanted[i].includes(r)));
}

function sameRules(metadata: SopsMetadata, rules: EncryptOptions["rules"]): boolean {
  return isDeepStrictEqual(rulesFromMetadata(metadata), validateRules(rules ?? {}));
}

export async function reencryptIfChanged(
  existingEncrypted: string | Buffer | null,
  newPlaintext: string | Buffer,
  opts: ReencryptOptions,
): Promise<{ text: string; changed: boolean }> {
  const store = storeFor(opts.format);
  const plain = store.parsePlain(Buffer.from(newPlaintext));
  if (existingEncrypted === null || existingEncrypted.length === 0) {
    return { text: (await encryptTree(plain, opts)).toString("utf8"), changed: true };
  }
  const existingBytes = Buffer.from(existingEncrypted);
  const opened = await openEncrypted(existingBytes, opts.format, opts);
  const settings = resolveEncryptionSettings(opts);
  const wantedGroups = normalizeRecipientGroups(settings.keyGroups);
  const groupsSame =
    sameGroups(recipientGroupsOf(opened.metadata), wantedGroups) &&
    (wantedGroups.length < 2 || (opened.metadata.shamirThreshold ?? wantedGroups.length) === (settings.shamirThreshold ?? wantedGroups.length)) &&
    opened.metadata.keyGroups.every((g) => g.other.length === 0);
  const rulesSame = sameRules(opened.metadata, settings.rules) && (opened.metadata.macOnlyEncrypted ?? false) === (settings.rules.macOnlyEncrypted ?? false);
  if (groupsSame && rulesSame && isDeepStrictEqual(opened.plain, plain) && (opts.outputFormat ?? opts.format) === opts.format) {
    return { text: existingBytes.toString("utf8"), changed: false };
  }
  if (!keepsEveryRecipient(opened.metadata, wantedGroups, settings.shamirThreshold)) {
    return { text: (await encryptTree(plain, opts)).toString("utf8"), changed: true };
  }
  const wrapped = groupsSame ? opened.metadata : await wrapForSettings(opened.dataKey, settings);
  const enc = encryptDocument(plain, opened.dataKey, settings.rules, { now: opts.now ?? new Date(), stash: opened.stash });
  const metadata = newMetadata(settings, wrapped, enc);
  return { text: storeFor(opts.outputFormat ?? opts.format).emitEncrypted(enc.tree, metadata).toString("utf8"), changed: true };
}
