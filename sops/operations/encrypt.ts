/** `sops encrypt`: a plaintext document to an encrypted one, with a new data key wrapped for every recipient. */
import { generateDataKey } from "../data-key";
import { encryptDocument } from "../document-cipher";
import type { EncryptionRules } from "../encryption-rules";
import { wrapDataKeyForGroups } from "../key-groups";
import { SOPS_FORMAT_VERSION, type SopsMetadata } from "../metadata";
import { KeyWrapError } from "../operation-errors";
import { type StoreFormat, storeFor } from "../stores/index";
import type { Tree } from "../tree";
import { type ConfigSettings, type EncryptionSettings, type KeySettings, resolveEncryptionSettings } from "./settings";
import { readInputFile, writeOutputFile, type OutputTarget } from "./file-io";

export interface EncryptOptions extends KeySettings, ConfigSettings {
  format: StoreFormat;
  /** Defaults to `format`. */
  outputFormat?: StoreFormat;
  rules?: EncryptionRules;
  now?: Date;
}

/** Metadata for freshly encrypted content (rules as resolved, version of this implementation). */
export function newMetadata(
  settings: EncryptionSettings,
  wrapped: Pick<SopsMetadata, "keyGroups" | "shamirThreshold">,
  enc: { mac: string; lastmodified: string },
): SopsMetadata {
  const m: SopsMetadata = { keyGroups: wrapped.keyGroups, lastmodified: enc.lastmodified, mac: enc.mac, version: SOPS_FORMAT_VERSION };
  if (wrapped.shamirThreshold !== undefined) m.shamirThreshold = wrapped.shamirThreshold;
  Object.assign(m, settings.rules);
  if (!settings.rules.macOnlyEncrypted) delete m.macOnlyEncrypted;
  return m;
}

/** Wraps the data key for the settings' key groups, turning recipient problems into sops's generic exit code. */
export async function wrapForSettings(dataKey: Buffer, settings: EncryptionSettings): Promise<Pick<SopsMetadata, "keyGroups" | "shamirThreshold">> {
  try {
    return await wrapDataKeyForGroups(dataKey, settings.keyGroups, settings.shamirThreshold);
  } catch (e) {
    throw new KeyWrapError(`could not wrap the data key: ${(e as Error).message}`);
  }
}

/** Encrypts an already-parsed plaintext tree. */
export async function encryptTree(plain: Tree, opts: EncryptOptions): Promise<Buffer> {
  const settings = resolveEncryptionSettings(opts);
  const dataKey = generateDataKey();
  const wrapped = await wrapForSettings(dataKey, settings);
  const enc = encryptDocument(plain, dataKey, settings.rules, { now: opts.now ?? new Date() });
  return storeFor(opts.outputFormat ?? opts.format).emitEncrypted(enc.tree, newMetadata(settings, wrapped, enc));
}

/** Encrypts plaintext bytes; refuses input that already has sops metadata (exit 203). */
export async function encryptBytes(plaintext: Buffer, opts: EncryptOptions): Promise<Buffer> {
  const plain = storeFor(opts.format).parsePlain(plaintext);
  return encryptTree(plain, opts);
}

/** `sops encrypt FILE`: returns the encrypted bytes; writes them only when `output` is given (atomically). */
export async function encryptFile(path: string, opts: Omit<EncryptOptions, "filePath"> & { output?: OutputTarget }): Promise<Buffer> {
  const input = await readInputFile(path);
  const out = await encryptBytes(input, { ...opts, filePath: path });
  if (opts.output) await writeOutputFile(opts.output, out, "encrypted");
  return out;
}
