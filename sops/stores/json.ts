/** The JSON store: one top-level object, `sops` appended as its last key. */
import { AlreadyEncryptedError, InvalidInputError } from "../errors";
import { SopsMetadata, metadataFromDocument, metadataToBranch } from "../metadata";
import { Branch, Tree, getEntry, withoutEntry } from "../tree";
import { emitJson, parseJson } from "./go-json";
import type { Store } from "./index";
import { decodeUtf8 } from "./parse-limits";

function parseTopObject(bytes: Buffer): Branch {
  const v = parseJson(decodeUtf8(bytes, "json"));
  if (v.kind !== "branch") {
    throw new InvalidInputError(`the JSON document's top level is ${v.kind === "sequence" ? "an array" : "a scalar"}; sops needs a JSON object`);
  }
  return v;
}

function singleDocument(tree: Tree): Branch {
  if (tree.documents.length !== 1) {
    throw new InvalidInputError(`a JSON file holds exactly one document, got ${tree.documents.length}`);
  }
  return tree.documents[0];
}

export const jsonStore: Store = {
  parsePlain(bytes) {
    const doc = parseTopObject(bytes);
    if (getEntry(doc, "sops") !== undefined) throw new AlreadyEncryptedError();
    return { documents: [doc] };
  },
  parseEncrypted(bytes) {
    const doc = parseTopObject(bytes);
    const metadata = metadataFromDocument(doc);
    return { tree: { documents: [withoutEntry(doc, "sops")] }, metadata };
  },
  emitEncrypted(tree: Tree, metadata: SopsMetadata) {
    const doc = singleDocument(tree);
    const withMeta: Branch = {
      kind: "branch",
      items: [...doc.items, { key: "sops", value: metadataToBranch(metadata, { emptyGroupList: "null" }) }],
    };
    return Buffer.from(emitJson(withMeta) + "\n", "utf8");
  },
  emitPlain(tree: Tree) {
    return Buffer.from(emitJson(singleDocument(tree)) + "\n", "utf8");
  },
};
