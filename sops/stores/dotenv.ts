/** The dotenv store: `KEY=value` lines, `#` comments, metadata as sorted flattened `sops_*` keys. */
import { AlreadyEncryptedError, InvalidInputError, MetadataNotFoundError } from "../errors";
import { formatFloatF } from "../go-float";
import { SopsMetadata, metadataFromBranch, metadataToBranch } from "../metadata";
import { Branch, Entry, Scalar, Tree, Value, isComment } from "../tree";
import { flattenBranch, unflattenToBranch } from "./flatten";
import type { Store } from "./index";
import { decodeUtf8 } from "./parse-limits";

const PREFIX = "sops_";

function parseLines(bytes: Buffer): Branch {
  const items: Branch["items"] = [];
  for (const line of decodeUtf8(bytes, "dotenv").split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      items.push({ kind: "comment", value: line.slice(1) });
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) {
      throw new InvalidInputError(`invalid dotenv input line: ${JSON.stringify(line.length > 40 ? line.slice(0, 40) + "…" : line)} has no "="; write KEY=value`);
    }
    items.push({ key: line.slice(0, eq), value: { kind: "str", value: line.slice(eq + 1).replaceAll("\\n", "\n") } });
  }
  return { kind: "branch", items };
}

function scalarText(v: Scalar): string {
  switch (v.kind) {
    case "str":
    case "time":
      return v.value;
    case "rawstr":
    case "bytes":
      return v.value.toString("utf8");
    case "int":
      return v.value.toString(10);
    case "float":
      return formatFloatF(v.value);
    case "bool":
      return v.value ? "true" : "false";
    case "null":
      return "";
  }
}

function emitLines(doc: Branch, extra: Array<[string, Scalar]> = []): Buffer {
  let out = "";
  for (const item of doc.items) {
    if (isComment(item)) {
      out += `#${item.value}\n`;
      continue;
    }
    out += `${item.key}=${valueText(item)}\n`;
  }
  for (const [key, value] of extra) out += `${key}=${scalarText(value).replaceAll("\n", "\\n")}\n`;
  return Buffer.from(out, "utf8");
}

function valueText(item: Entry): string {
  const v: Value = item.value;
  if (v.kind === "branch" || v.kind === "sequence") {
    throw new InvalidInputError(`cannot use complex value in dotenv file; offending key: ${item.key}. dotenv values must be scalars`);
  }
  return scalarText(v).replaceAll("\n", "\\n");
}

function singleDocument(tree: Tree): Branch {
  if (tree.documents.length !== 1) throw new InvalidInputError(`a dotenv file holds exactly one document, got ${tree.documents.length}`);
  return tree.documents[0];
}

/** dotenv metadata values are all strings; sops decodes the two non-string fields back. */
function typedMetadataValue(key: string, value: Scalar): Scalar {
  if (value.kind !== "str") return value;
  if (key === "mac_only_encrypted") return { kind: "bool", value: value.value === "true" };
  if (key === "shamir_threshold") {
    const n = Number(value.value);
    if (!Number.isInteger(n)) throw new InvalidInputError(`sops_shamir_threshold must be an integer, got ${JSON.stringify(value.value)}`);
    return { kind: "int", value: BigInt(n) };
  }
  return value;
}

export const dotenvStore: Store = {
  parsePlain(bytes) {
    const doc = parseLines(bytes);
    if (doc.items.some((i) => !isComment(i) && i.key.startsWith(PREFIX))) throw new AlreadyEncryptedError();
    return { documents: [doc] };
  },
  parseEncrypted(bytes) {
    const doc = parseLines(bytes);
    const data: Branch = { kind: "branch", items: [] };
    const meta: Array<[string, Scalar]> = [];
    for (const item of doc.items) {
      if (!isComment(item) && item.key.startsWith(PREFIX)) {
        const key = item.key.slice(PREFIX.length);
        meta.push([key, typedMetadataValue(key, item.value as Scalar)]);
      } else {
        data.items.push(item);
      }
    }
    if (meta.length === 0) throw new MetadataNotFoundError();
    return { tree: { documents: [data] }, metadata: metadataFromBranch(unflattenToBranch(meta)) };
  },
  emitEncrypted(tree: Tree, metadata: SopsMetadata) {
    const flat = flattenBranch(metadataToBranch(metadata, { emptyGroupList: "null" }))
      .map(([k, v]): [string, Scalar] => [PREFIX + k, v])
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return emitLines(singleDocument(tree), flat);
  },
  emitPlain(tree: Tree) {
    return emitLines(singleDocument(tree));
  },
};
