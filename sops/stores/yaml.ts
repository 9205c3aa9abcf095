/** The YAML store: multi-document streams, comments, `sops` appended as the last key of every document. */
import { AlreadyEncryptedError, EmptyDocumentError } from "../errors";
import { SopsMetadata, metadataFromDocument, metadataToBranch } from "../metadata";
import { Branch, Tree, getEntry, withoutEntry } from "../tree";
import type { Store } from "./index";
import { emitYamlDocuments } from "./yaml-emit";
import type { DuplicateKeyScope } from "./yaml-duplicate-keys";
import { decodeUtf8 } from "./parse-limits";
import { parseYamlDocuments } from "./yaml-parse";

export interface YamlStoreOptions {
  /** Spaces per nesting level (sops `stores.yaml.indent`, default 4). */
  indent?: number;
}

export function createYamlStore(options: YamlStoreOptions = {}): Store {
  const indent = options.indent ?? 4;
  const parse = (bytes: Buffer, duplicateKeys: DuplicateKeyScope): Branch[] => {
    const docs = parseYamlDocuments(decodeUtf8(bytes, "yaml"), duplicateKeys);
    if (docs.length === 0) throw new EmptyDocumentError();
    return docs;
  };
  return {
    parsePlain(bytes) {
      const documents = parse(bytes, "plain");
      if (documents.some((d) => getEntry(d, "sops") !== undefined)) throw new AlreadyEncryptedError();
      return { documents };
    },
    parseEncrypted(bytes) {
      const docs = parse(bytes, "encrypted");
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
