import { describe, expect, it } from "vitest";
import { decryptDocument, encryptDocument } from "../../../sops/document-cipher";
import { MacMismatchError } from "../../../sops/errors";
import { rulesFromMetadata } from "../../../sops/encryption-rules";
import { StoreFormat, storeFor } from "../../../sops/stores/index";
import { sopsFixture } from "./helpers";

const cases: Array<[string, StoreFormat]> = [
  ["sops-default-yaml", "yaml"],
  ["sops-regex-maconly-yaml", "yaml"],
  ["sops-multidoc-yaml", "yaml"],
  ["sops-json", "json"],
  ["sops-dotenv", "dotenv"],
  ["sops-binary", "binary"],
];

describe("files written by the real sops 3.11.0", () => {
  it.each(cases)("%s: decrypts, verifies the MAC and emits what sops decrypt emits", (name, format) => {
    const f = sopsFixture(name);
    const store = storeFor(format);
    const { tree, metadata } = store.parseEncrypted(f.encrypted);
    const plain = decryptDocument(tree, metadata, f.dataKey).tree;
    expect(store.emitPlain(plain)).toEqual(f.decrypted);
  });

  it.each(cases)("%s: re-encrypting with the stash reproduces sops's ciphertexts and layout", (name, format) => {
    const f = sopsFixture(name);
    const store = storeFor(format);
    const { tree, metadata } = store.parseEncrypted(f.encrypted);
    const { tree: plain, stash } = decryptDocument(tree, metadata, f.dataKey);
    const now = new Date(metadata.lastmodified);
    const again = encryptDocument(plain, f.dataKey, rulesFromMetadata(metadata), { now, stash });
    expect(again.lastmodified).toBe(metadata.lastmodified);
    expect(store.emitEncrypted(again.tree, { ...metadata, mac: again.mac }).toString()).toBe(f.encrypted.toString());
  });

  it("detects tampering with a sops-written file", () => {
    const f = sopsFixture("sops-default-yaml");
    const store = storeFor("yaml");
    const text = f.encrypted.toString().replace(/^b: .*$/m, "b: hello");
    const { tree, metadata } = store.parseEncrypted(Buffer.from(text));
    expect(() => decryptDocument(tree, { ...metadata, encryptedRegex: undefined }, f.dataKey)).toThrow(/does not match sops' data format/);
    const swapped = f.encrypted.toString().replace(/^a: (.*)$/m, "a_unencrypted: $1");
    const parsed = store.parseEncrypted(Buffer.from(swapped));
    expect(() => decryptDocument(parsed.tree, parsed.metadata, f.dataKey)).toThrow(MacMismatchError);
  });
});
