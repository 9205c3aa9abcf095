/** `sops set` and `sops unset`: change one value of an encrypted file in place, same data key, new MAC. */
import { InvalidSetFormatError } from "../operation-errors";
import { type StoreFormat, formatFromPath, storeFor } from "../stores/index";
import { type Value, getEntry } from "../tree";
import { readInputFile, writeOutputFile } from "./file-io";
import { type DecryptOptions, openEncrypted } from "./open";
import { reencryptOpened } from "./reencrypt-tree";
import { type TreePath, setAtPath, unsetAtPath } from "./tree-path";

export interface ModifyOptions extends DecryptOptions {
  format?: StoreFormat;
  outputFormat?: StoreFormat;
  /** `--idempotent`: `set` skips the write when nothing changes, `unset` ignores a missing key. */
  idempotent?: boolean;
  now?: Date;
}

/** A `set` value: JSON, parsed as sops does (numbers are float64, objects keep their key order). */
export function valueFromJson(json: string): Value {
  let doc;
  try {
    doc = storeFor("json").parsePlain(Buffer.from(`{"v": ${json}\n}`, "utf8"));
  } catch {
    throw new InvalidSetFormatError(`Value for set is not valid JSON: ${json.length > 40 ? json.slice(0, 40) + "…" : json}`);
  }
  const v = getEntry(doc.documents[0], "v");
  if (v === undefined || doc.documents[0].items.length !== 1) throw new InvalidSetFormatError("Value for set is not valid JSON");
  return v;
}

/** Sets `value` at `path` in bytes of an encrypted document; returns the new bytes and whether the value changed. */
export async function setValueInBytes(
  encrypted: Buffer,
  path: TreePath,
  value: Value,
  opts: ModifyOptions & { format: StoreFormat },
): Promise<{ bytes: Buffer; changed: boolean }> {
  const opened = await openEncrypted(encrypted, opts.format, opts);
  const { root, changed } = setAtPath(opened.plain.documents[0], path, value);
  const plain = { documents: [root, ...opened.plain.documents.slice(1)] };
  return { bytes: reencryptOpened(opened, plain, { now: opts.now, outputFormat: opts.outputFormat }), changed };
}

/** `sops set FILE PATH VALUE`: written in place (atomically) unless `idempotent` and unchanged. */
export async function setValue(file: string, path: TreePath, value: Value, opts: ModifyOptions = {}): Promise<{ changed: boolean }> {
  const input = await readInputFile(file);
  const r = await setValueInBytes(input, path, value, { ...opts, format: opts.format ?? formatFromPath(file) });
  if (!r.changed && opts.idempotent) return { changed: false };
  await writeOutputFile({ path: file }, r.bytes, "encrypted");
  return { changed: r.changed };
}

/** `sops unset FILE PATH`: removes the value and writes in place; "Key not found" unless `idempotent`. */
export async function unsetValue(file: string, path: TreePath, opts: ModifyOptions = {}): Promise<{ changed: boolean }> {
  const input = await readInputFile(file);
  const format = opts.format ?? formatFromPath(file);
  const opened = await openEncrypted(input, format, opts);
  let root;
  try {
    root = unsetAtPath(opened.plain.documents[0], path);
  } catch (e) {
    if (opts.idempotent && (e as Error).name === "KeyNotFoundError") return { changed: false };
    throw e;
  }
  const plain = { documents: [root, ...opened.plain.documents.slice(1)] };
  await writeOutputFile({ path: file }, reencryptOpened(opened, plain, { now: opts.now, outputFormat: opts.outputFormat }), "encrypted");
  return { changed: true };
}
