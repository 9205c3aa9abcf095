/** `sops decrypt`: the plaintext of an encrypted document, whole or one value (`--extract`). */
import { InvalidInputError } from "../errors";
import { type StoreFormat, formatFromPath, storeFor } from "../stores/index";
import { type Value, branch } from "../tree";
import { readInputFile, writeOutputFile, type OutputTarget } from "./file-io";
import { type DecryptOptions, openEncrypted } from "./open";
import { type TreePath, getAtPath } from "./tree-path";

export interface DecryptBytesOptions extends DecryptOptions {
  format: StoreFormat;
  /** Defaults to `format`. */
  outputFormat?: StoreFormat;
  /** Only this value of the first document (sops `--extract`). */
  extract?: TreePath;
}

/**
 * A non-string, non-mapping value on its own, as sops's `EmitValue` prints it: the store's rendering of the value
 * (taken from a one-key document).
 */
function emitValue(value: Value, format: StoreFormat): Buffer {
  if (format !== "yaml" && format !== "json") {
    throw new InvalidInputError(`cannot print a ${value.kind} value with the ${format} output format; use --output-type yaml or json`);
  }
  const text = storeFor(format).emitPlain({ documents: [branch([["v", value]])] }).toString("utf8");
  if (format === "json") {
    const lines = text.replace(/\n$/, "").split("\n").slice(1, -1);
    lines[0] = lines[0].replace(/^\t"v": /, "");
    return Buffer.from(lines.map((l, i) => (i === 0 ? l : l.replace(/^\t/, ""))).join("\n") + "\n");
  }
  const lines = text.replace(/\n$/, "").split("\n");
  if (lines[0].startsWith("v: ")) return Buffer.from([lines[0].slice(3), ...lines.slice(1)].join("\n") + "\n");
  const indent = /^\s*/.exec(lines[1] ?? "")?.[0].length ?? 0;
  return Buffer.from(lines.slice(1).map((l) => l.slice(indent)).join("\n") + "\n");
}

/** Decrypts bytes; MAC mismatch is exit 51, no usable key exit 128. */
export async function decryptBytes(encrypted: Buffer, opts: DecryptBytesOptions): Promise<Buffer> {
  const opened = await openEncrypted(encrypted, opts.format, { ...opts, rememberIvs: false });
  const outputFormat = opts.outputFormat ?? opts.format;
  if (opts.extract === undefined || opts.extract.length === 0) return storeFor(outputFormat).emitPlain(opened.plain);
  const value = getAtPath(opened.plain.documents[0], opts.extract);
  if (value.kind === "branch") return storeFor(outputFormat).emitPlain({ documents: [value] });
  if (value.kind === "str") return Buffer.from(value.value, "utf8");
  if (value.kind === "rawstr" || value.kind === "bytes") return value.value;
  return emitValue(value, outputFormat);
}

/** `sops decrypt FILE`: returns the plaintext; writes it (0600, atomically) only when `output` is given. */
export async function decryptFile(path: string, opts: Omit<DecryptBytesOptions, "format"> & { format?: StoreFormat; output?: OutputTarget }): Promise<Buffer> {
  const input = await readInputFile(path);
  const out = await decryptBytes(input, { ...opts, format: opts.format ?? formatFromPath(path) });
  if (opts.output) await writeOutputFile(opts.output, out, "plaintext");
  return out;
}
