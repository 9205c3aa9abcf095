/** `sops rotate`: a new data key, re-wrapped for the (optionally changed) recipients, every value re-encrypted. */
import { generateDataKey } from "../data-key";
import { encryptDocument } from "../document-cipher";
import { rulesFromMetadata } from "../encryption-rules";
import { assertOnlyAgeKeys, recipientGroupsOf } from "../key-groups";
import type { SopsMetadata } from "../metadata";
import { KeyWrapError } from "../operation-errors";
import { type StoreFormat, formatFromPath, storeFor } from "../stores/index";
import { readInputFile, writeOutputFile, type OutputTarget } from "./file-io";
import { wrapForSettings } from "./encrypt";
import { type DecryptOptions, openEncrypted } from "./open";

export interface RotateOptions extends DecryptOptions {
  format?: StoreFormat;
  outputFormat?: StoreFormat;
  /** age recipients to add (to the first key group), like `--add-age`. */
  addAge?: string[];
  /** age recipients to remove (from every group), like `--rm-age`. */
  rmAge?: string[];
  /** The key groups to wrap the new data key for, replacing the file's (e.g. from its `.sops.yaml` rule). */
  keyGroups?: string[][];
  shamirThreshold?: number;
  /** New plaintext content for the document (parsed with the file's store), encrypted under the file's rules. */
  plaintext?: Buffer;
  now?: Date;
}

export async function rotateBytes(bytes: Buffer, opts: RotateOptions & { format: StoreFormat }): Promise<Buffer> {
  const opened = await openEncrypted(bytes, opts.format, opts);
  try {
    assertOnlyAgeKeys(opened.metadata, "rotate");
  } catch (e) {
    throw new KeyWrapError((e as Error).message);
  }
  const remove = new Set((opts.rmAge ?? []).map((r) => r.trim()));
  const groups = (opts.keyGroups ?? recipientGroupsOf(opened.metadata)).map((g) => g.filter((r) => !remove.has(r)));
  if (opts.addAge && opts.addAge.length > 0) groups[0] = [...groups[0], ...opts.addAge.map((r) => r.trim())];
  const dataKey = generateDataKey();
  const threshold = opts.keyGroups !== undefined ? opts.shamirThreshold : opened.metadata.shamirThreshold;
  const wrapped = await wrapForSettings(dataKey, { keyGroups: groups, shamirThreshold: threshold, rules: {} });
  const plain = opts.plaintext === undefined ? opened.plain : storeFor(opts.format).parsePlain(opts.plaintext);
  const enc = encryptDocument(plain, dataKey, rulesFromMetadata(opened.metadata), { now: opts.now ?? new Date() });
  const metadata: SopsMetadata = { ...opened.metadata, keyGroups: wrapped.keyGroups, lastmodified: enc.lastmodified, mac: enc.mac };
  if (wrapped.shamirThreshold !== undefined) metadata.shamirThreshold = wrapped.shamirThreshold;
  else delete metadata.shamirThreshold;
  return storeFor(opts.outputFormat ?? opts.format).emitEncrypted(enc.tree, metadata);
}

/** `sops rotate FILE`: returns the rotated bytes; writes them only when `output` is given (atomically). */
export async function rotate(path: string, opts: RotateOptions & { output?: OutputTarget } = {}): Promise<Buffer> {
  const input = await readInputFile(path);
  const out = await rotateBytes(input, { ...opts, format: opts.format ?? formatFromPath(path) });
  if (opts.output) await writeOutputFile(opts.output, out, "encrypted");
  return out;
}
