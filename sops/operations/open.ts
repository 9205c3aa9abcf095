/** Opening an encrypted document: parse, recover the data key with the available identities, decrypt and check the MAC. */
import { type AgeIdentity, type AgeIdentityLookup, identitiesFromStrings, lookupAgeIdentities } from "../age-identities";
import { recoverDataKey } from "../data-key";
import { type IvStash, decryptDocument } from "../document-cipher";
import { InvalidInputError, UnreadableEncryptedFileError } from "../errors";
import type { SopsMetadata } from "../metadata";
import { type StoreFormat, storeFor } from "../stores/index";
import type { Tree } from "../tree";

export interface IdentityOptions {
  /** `AGE-SECRET-KEY-1…` strings (each may hold several lines); otherwise the sops identity sources in `env`. */
  identities?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface DecryptOptions extends IdentityOptions {
  ignoreMac?: boolean;
  /** false: the file will not be re-encrypted, so the values' IVs are not kept (`OpenedFile.stash` stays empty). */
  rememberIvs?: boolean;
}

export interface OpenedFile {
  format: StoreFormat;
  /** The document as stored (values still encrypted). */
  encrypted: Tree;
  metadata: SopsMetadata;
  /** The decrypted document. */
  plain: Tree;
  dataKey: Buffer;
  /** IVs of the decrypted values, so that re-encrypting unchanged values keeps their ciphertext. */
  stash: IvStash;
}

/** The identities to try: the given strings, or every sops source. */
export async function resolveIdentities(opts: IdentityOptions): Promise<{ identities: AgeIdentity[]; lookup?: AgeIdentityLookup }> {
  if (opts.identities !== undefined) return { identities: await identitiesFromStrings(opts.identities) };
  const lookup = await lookupAgeIdentities(opts.env ?? process.env);
  return { identities: lookup.identities, lookup };
}

/**
 * Parses an encrypted document without decrypting it. A file that cannot be parsed is sops's generic loading error
 * (exit 1), not the exit 2 of an unreadable plaintext input.
 */
export function parseEncrypted(bytes: Buffer, format: StoreFormat): { tree: Tree; metadata: SopsMetadata } {
  try {
    return storeFor(format).parseEncrypted(bytes);
  } catch (e) {
    if (e instanceof InvalidInputError) throw new UnreadableEncryptedFileError(e.message);
    throw e;
  }
}

/** Recovers the data key of parsed metadata (exit 128 naming the recipients tried). */
export async function dataKeyOf(metadata: SopsMetadata, opts: IdentityOptions): Promise<Buffer> {
  const { identities, lookup } = await resolveIdentities(opts);
  return recoverDataKey(metadata, identities, lookup);
}

/** Parses, recovers the data key and decrypts (MAC checked unless `ignoreMac`). */
export async function openEncrypted(bytes: Buffer, format: StoreFormat, opts: DecryptOptions = {}): Promise<OpenedFile> {
  const { tree, metadata } = parseEncrypted(bytes, format);
  const dataKey = await dataKeyOf(metadata, opts);
  const { tree: plain, stash } = decryptDocument(tree, metadata, dataKey, { ignoreMac: opts.ignoreMac, rememberIvs: opts.rememberIvs });
  return { format, encrypted: tree, metadata, plain, dataKey, stash };
}
