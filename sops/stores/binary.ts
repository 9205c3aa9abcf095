/** The binary store: the whole file is the string under `data`; the encrypted form is the JSON store's. */
import { InvalidInputError } from "../errors";
import { Tree, getEntry } from "../tree";
import type { Store } from "./index";
import { jsonStore } from "./json";

export const binaryStore: Store = {
  parsePlain(bytes) {
    const text = bytes.toString("utf8");
    const value = Buffer.from(text, "utf8").equals(bytes)
      ? { kind: "str" as const, value: text }
      : { kind: "rawstr" as const, value: Buffer.from(bytes) };
    return { documents: [{ kind: "branch", items: [{ key: "data", value }] }] };
  },
  parseEncrypted: (bytes) => jsonStore.parseEncrypted(bytes),
  emitEncrypted: (tree, metadata) => jsonStore.emitEncrypted(tree, metadata),
  emitPlain(tree: Tree) {
    const data = tree.documents[0] ? getEntry(tree.documents[0], "data") : undefined;
    if (data?.kind === "str") return Buffer.from(data.value, "utf8");
    if (data?.kind === "rawstr" || data?.kind === "bytes") return Buffer.from(data.value);
    throw new InvalidInputError("No binary data found in tree: the binary format needs a top-level \"data\" string");
  },
};
