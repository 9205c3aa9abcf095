import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptDocument, encryptDocument, IvStash } from "../../../sops/document-cipher";
import { DecryptValueError, MacMismatchError } from "../../../sops/errors";
import { MAC_ONLY_ENCRYPTED_INIT } from "../../../sops/mac";
import { Branch, Tree, Value, branch, bool, comment, float, int, nil, sequence, str } from "../../../sops/tree";
import { decryptValue } from "../../../sops/value-cipher";
import { NOW, encryptWith, newKey } from "./helpers";

const tree = (...documents: Branch[]): Tree => ({ documents });
const at = (b: Branch, key: string): Value => {
  const item = b.items.find((i) => "key" in i && i.key === key);
  if (!item || !("key" in item)) throw new Error(`no ${key}`);
  return item.value;
};
const encText = (v: Value): string => {
  if (v.kind !== "str") throw new Error(`expected an encrypted string, got ${v.kind}`);
  return v.value;
};

describe("document cipher", () => {
  it("uses the mapping keys joined by ':' as AAD, without list indices or document index", () => {
    const key = newKey();
    const plain = tree(
      branch([
        ["top", str("1")],
        ["app", branch([["db", branch([["password", str("pw")]])]])],
        ["list", sequence([str("a"), branch([["type", str("home")]])])],
      ]),
      branch([["second", str("x")]]),
    );
    const { tree: enc } = encryptWith(plain, key);
    const [d0, d1] = enc.documents;
    expect(decryptValue(encText(at(d0, "top")), key, "top:").plaintext.toString()).toBe("1");
    const db = at(at(d0, "app") as Branch, "db") as Branch;
    expect(decryptValue(encText(at(db, "password")), key, "app:db:password:").plaintext.toString()).toBe("pw");
    const list = at(d0, "list");
    if (list.kind !== "sequence") throw new Error("list");
    expect(decryptValue(encText(list.items[0] as Value), key, "list:").plaintext.toString()).toBe("a");
    expect(decryptValue(encText(at(list.items[1] as Branch, "type")), key, "list:type:").plaintext.toString()).toBe("home");
    expect(decryptValue(encText(at(d1, "second")), key, "second:").plaintext.toString()).toBe("x");
  });

  it("encrypts comments with the AAD of their level (':' at the top) and type comment", () => {
    const key = newKey();
    const { tree: enc } = encryptWith(tree(branch([comment(" top"), ["a", branch([comment(" inner"), ["b", str("v")]])]])), key);
    const top = enc.documents[0].items[0];
    if (!("kind" in top) || top.kind !== "comment") throw new Error("comment expected");
    const d = decryptValue(top.value, key, ":");
    expect([d.plaintext.toString(), d.type]).toEqual([" top", "comment"]);
    const inner = (at(enc.documents[0], "a") as Branch).items[0];
    expect(decryptValue((inner as { value: string }).value, key, "a:").plaintext.toString()).toBe(" inner");
  });

  it("leaves empty strings, empty comments and nulls alone and keeps them out of the MAC", () => {
    const key = newKey();
    const withEmpty = tree(branch([["e", str("")], ["n", nil()], comment(""), ["v", str("x")]]));
    const without = tree(branch([["v", str("x")]]));
    const a = encryptDocument(withEmpty, key, {}, { now: NOW });
    const b = encryptDocument(without, key, {}, { now: NOW });
    expect(at(a.tree.documents[0], "e")).toEqual(str(""));
    expect(at(a.tree.documents[0], "n")).toEqual(nil());
    expect(a.tree.documents[0].items[2]).toEqual(comment(""));
    expect(decryptValue(a.mac, key, a.lastmodified).plaintext.toString()).toBe(decryptValue(b.mac, key, b.lastmodified).plaintext.toString());
  });

  it("computes the MAC over all leaves' canonical plaintexts (encrypted or not) as uppercase SHA-512 hex", () => {
    const key = newKey();
    const plain = tree(branch([["a", int(7)], ["b_unencrypted", bool(true)], ["c", float(1e6)], comment(" not hashed")]), branch([["d", str("x")]]));
    const r = encryptDocument(plain, key, {}, { now: NOW });
    const expected = createHash("sha512").update("7").update("True").update("1000000").update("x").digest("hex").toUpperCase();
    expect(r.lastmodified).toBe("2024-11-12T13:33:42Z");
    const mac = decryptValue(r.mac, key, "2024-11-12T13:33:42Z");
    expect(mac.type).toBe("str");
    expect(mac.plaintext.toString()).toBe(expected);
    expect(at(r.tree.documents[0], "b_unencrypted")).toEqual(bool(true));
  });

  it("with mac_only_encrypted hashes SHA-256('sops') and then only the encrypted leaves", () => {
    const key = newKey();
    const plain = tree(branch([["kind", str("Secret")], ["data", branch([["k", str("v")]])]]));
    const r = encryptDocument(plain, key, { encryptedRegex: "^data$", macOnlyEncrypted: true }, { now: NOW });
    expect(MAC_ONLY_ENCRYPTED_INIT.toString("hex")).toBe(createHash("sha256").update("sops").digest("hex"));
    const expected = createHash("sha512").update(MAC_ONLY_ENCRYPTED_INIT).update("v").digest("hex").toUpperCase();
    expect(decryptValue(r.mac, key, r.lastmodified).plaintext.toString()).toBe(expected);
    expect(at(r.tree.documents[0], "kind")).toEqual(str("Secret"));
  });

  it("decrypts back to the typed values and verifies the MAC", () => {
    const key = newKey();
    const plain = tree(branch([["i", int(-3)], ["f", float(2.5)], ["b", bool(false)], ["t", { kind: "time", value: "2024-01-01T10:00:00+02:00" }], ["s", str("ü")]]));
    const { tree: enc, metadata } = encryptWith(plain, key);
    expect(decryptDocument(enc, metadata, key).tree).toEqual(plain);
  });

  it("detects a changed value, a value moved to another key, a changed MAC and a changed lastmodified", () => {
    const key = newKey();
    const { tree: enc, metadata } = encryptWith(tree(branch([["a", str("one")], ["b", str("two")]])), key);
    const swapped = tree(branch([["a", at(enc.documents[0], "b")], ["b", at(enc.documents[0], "a")]]));
    expect(() => decryptDocument(swapped, metadata, key)).toThrow(DecryptValueError);
    const other = encryptWith(tree(branch([["a", str("one")], ["b", str("three")]])), key);
    const mixed = tree(branch([["a", at(enc.documents[0], "a")], ["b", at(other.tree.documents[0], "b")]]));
    expect(() => decryptDocument(mixed, metadata, key)).toThrow(MacMismatchError);
    expect(() => decryptDocument(enc, { ...metadata, mac: other.metadata.mac }, key)).toThrow(/MAC mismatch/);
    expect(() => decryptDocument(enc, { ...metadata, lastmodified: "2024-11-12T13:33:43Z" }, key)).toThrow(/Cannot decrypt MAC/);
    expect(() => decryptDocument(enc, { ...metadata, mac: "" }, key)).toThrow(/File has no MAC/);
    expect(decryptDocument(mixed, metadata, key, { ignoreMac: true }).tree.documents[0].items).toHaveLength(2);
  });

  it("rejects a plaintext where the rules expect ciphertext, and a removed leaf changes the MAC", () => {
    const key = newKey();
    const { tree: enc, metadata } = encryptWith(tree(branch([["a", str("one")], ["b", str("two")]])), key);
    expect(() => decryptDocument(tree(branch([["a", str("one")]])), metadata, key)).toThrow(/does not match sops' data format/);
    expect(() => decryptDocument(tree(branch([["a", int(1)]])), metadata, key)).toThrow(/expected an encrypted string/);
    expect(() => decryptDocument(tree(branch([["a", at(enc.documents[0], "a")]])), metadata, key)).toThrow(MacMismatchError);
  });

  it("accepts lastmodified with fractional seconds or +00:00 as sops re-formats it", () => {
    const key = newKey();
    const { tree: enc, metadata } = encryptWith(tree(branch([["a", str("x")]])), key);
    expect(() => decryptDocument(enc, { ...metadata, lastmodified: "2024-11-12T13:33:42.999+00:00" }, key)).not.toThrow();
  });

  it("keeps a comment it cannot decrypt as it is", () => {
    const key = newKey();
    const { tree: enc, metadata } = encryptWith(tree(branch([["a", str("x")]])), key);
    enc.documents[0].items.unshift(comment(" clear comment from an old file"));
    expect(decryptDocument(enc, metadata, key).tree.documents[0].items[0]).toEqual(comment(" clear comment from an old file"));
  });

  it("reuses the IVs of unchanged values through the stash, and only for byte-identical plaintexts", () => {
    const key = newKey();
    const plain = tree(branch([["a", str("same")], ["b", str("old")]]));
    const { tree: enc, metadata } = encryptWith(plain, key);
    const { stash } = decryptDocument(enc, metadata, key);
    expect(stash).toBeInstanceOf(IvStash);
    const edited = tree(branch([["a", str("same")], ["b", str("new")]]));
    const again = encryptDocument(edited, key, {}, { now: NOW, stash }).tree.documents[0];
    expect(at(again, "a")).toEqual(at(enc.documents[0], "a"));
    const ivOf = (v: Value): string => encText(v).split(",iv:")[1].split(",")[0];
    expect(ivOf(at(again, "b"))).not.toBe(ivOf(at(enc.documents[0], "b")));
    const fresh = encryptDocument(plain, key, {}, { now: NOW }).tree.documents[0];
    expect(at(fresh, "a")).not.toEqual(at(enc.documents[0], "a"));
  });
});
