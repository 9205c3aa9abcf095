/** The YAML store: multi-document streams, comments, `sops` appended as the last key of every document. */
import { AlreadyEncryptedError, EmptyDocumentError, InvalidInputError, MetadataNotFoundError } from "../errors";
import { SopsMetadata, metadataFromDocument, metadataToBranch } from "../metadata";
import { Branch, Tree, getEntry, withoutEntry } from "../tree";
import type { Store } from "./index";
import { decodeUtf8 } from "./parse-limits";
import { emitYamlDocuments } from "./yaml-emit";
import { parseYamlDocuments } from "./yaml-parse";

export interface YamlStoreOptions {
  /** Spaces per nesting level (sops `stores.yaml.indent`, default 4). */
  indent?: number;
}

export function createYamlStore(options: YamlStoreOptions = {}): Store {
  const indent = options.indent ?? 4;
  return {
    parsePlain(bytes) {
      const documents = parseYamlDocuments(decodeUtf8(bytes, "yaml"), "plain");
      // As sops: an empty file has no document (92); comments or blanks alone are a decoding error, "EOF" (2).
      if (documents.length === 0 && bytes.length > 0) throw new InvalidInputError("Error unmarshalling file: EOF (the file holds only comments or blank lines, no YAML document)");
      if (documents.length === 0) throw new EmptyDocumentError();
      if (documents.some((d) => getEntry(d, "sops") !== undefined)) throw new AlreadyEncryptedError();
      return { documents };
    },
    parseEncrypted(bytes) {
      const docs = parseYamlDocuments(decodeUtf8(bytes, "yaml"), "encrypted");
      // No document, so no `sops` entry: sops says "sops metadata not found" (and filestatus "not encrypted").
      if (docs.length === 0) throw new MetadataNotFoundError();
      const metadata = metadataFromDocument(docs[0]);
      return { tree: { documents: docs.map((d) => withoutEntry(d, "sops")) }, metadata };
    },
    emitEncrypted(tree: Tree, metadata: SopsMetadata) {
      const meta = metadataToBranch(metadata, { emptyGroupList: "empty" });
      const docs = tree.documents.map((d): Branch => ({ kind: "branch", items: [...d.items, { key: "sops", value: meta }] }));
      return Buffer.from(emitYamlDocuments(docs, indent), "utf8");
    },
    emitPlain(tree: Tree) {
      return Buffer.from(emitYamlDocuments(tree.documents, indent), "utf8");
    },
  };
}

export const yamlStore: Store = createYamlStore();
