import { createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptValueError } from "../../../sops/errors";
import { decryptValue, encryptValue, isEncryptedValue } from "../../../sops/value-cipher";
import { newKey } from "./helpers";

const PARTS = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]+),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(\w+)\]$/;

describe("value cipher", () => {
  it("writes ENC[AES256_GCM,...] with a 32-byte IV, a 16-byte tag and ciphertext as long as the plaintext", () => {
    const key = newKey();
    const enc = encryptValue(Buffer.from("hunter2"), "str", key, "db:password:");
    const m = PARTS.exec(enc);
    expect(m).not.toBeNull();
    const [, data, iv, tag, type] = m as RegExpExecArray;
    expect(Buffer.from(data, "base64")).toHaveLength(7);
    expect(Buffer.from(iv, "base64")).toHaveLength(32);
    expect(Buffer.from(tag, "base64")).toHaveLength(16);
    expect(type).toBe("str");
    expect(isEncryptedValue(enc)).toBe(true);
  });

  it("is standard AES-256-GCM with the key path as AAD (checked with Node's decipher directly)", () => {
    const key = newKey();
    const [, data, iv, tag] = PARTS.exec(encryptValue(Buffer.from("v"), "str", key, "a:b:")) as RegExpExecArray;
    const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    d.setAAD(Buffer.from("a:b:"));
    d.setAuthTag(Buffer.from(tag, "base64"));
    expect(Buffer.concat([d.update(Buffer.from(data, "base64")), d.final()]).toString()).toBe("v");
  });

  it("round-trips and returns the type tag and IV", () => {
    const key = newKey();
    const enc = encryptValue(Buffer.from("42"), "int", key, "n:");
    const d = decryptValue(enc, key, "n:");
    expect(d.plaintext.toString()).toBe("42");
    expect(d.type).toBe("int");
    expect(d.iv).toHaveLength(32);
  });

  it("binds the value to its key path: another AAD fails", () => {
    const key = newKey();
    const enc = encryptValue(Buffer.from("secret"), "str", key, "a:");
    expect(() => decryptValue(enc, key, "b:")).toThrow(DecryptValueError);
    expect(() => decryptValue(enc, newKey(), "a:")).toThrow(/message authentication failed/);
  });

  it.each([
    ["data", 1],
    ["iv", 2],
    ["tag", 3],
  ])("detects a changed %s field", (_field, group) => {
    const key = newKey();
    const enc = encryptValue(Buffer.from("some secret value"), "str", key, "k:");
    const m = PARTS.exec(enc) as RegExpExecArray;
    const bytes = Buffer.from(m[group], "base64");
    bytes[0] ^= 1;
    const tampered = enc.replace(m[group], bytes.toString("base64"));
    expect(() => decryptValue(tampered, key, "k:")).toThrow(DecryptValueError);
  });

  it("rejects non-canonical base64 (changed padding bits) instead of accepting it silently", () => {
    const key = newKey();
    const enc = encryptValue(Buffer.from("a"), "str", key, "k:");
    const data = (PARTS.exec(enc) as RegExpExecArray)[1];
    expect(data).toMatch(/==$/);
    const last = data[1];
    const sibling = String.fromCharCode(last.charCodeAt(0) + 1);
    const tampered = enc.replace(`data:${data}`, `data:${data[0]}${sibling}==`);
    expect(() => decryptValue(tampered, key, "k:")).toThrow(/base64/);
  });

  it("rejects strings that are not in the sops format", () => {
    expect(() => decryptValue("plain", newKey(), "k:")).toThrow(/does not match sops' data format/);
    expect(isEncryptedValue("ENC[AES256_GCM,data:,iv:x,tag:y,type:str]")).toBe(false);
  });
});
