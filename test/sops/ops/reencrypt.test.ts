import { beforeAll, describe, expect, it } from "vitest";
import { decryptText, encryptText, generateAgeIdentity, readRecipients, reencryptIfChanged } from "../../../sops/index";

let keys: Array<{ identity: string; recipient: string }> = [];
beforeAll(async () => {
  keys = await Promise.all([0, 1].map(() => generateAgeIdentity()));
});

const V1 = "# note\nname: app\ntoken: abc\nnested:\n    list:\n        - one\n        - two\n";
const V2 = V1.replace("token: abc", "token: xyz");
const lineOf = (text: string, key: string) => text.split("\n").find((l) => l.trimStart().startsWith(`${key}:`) || l.trimStart().startsWith(`- ${key}`));
const sopsBlockAge = (text: string) => text.slice(text.indexOf("sops:"), text.indexOf("lastmodified:"));

describe("reencryptIfChanged", () => {
  it("encrypts fresh when there is no existing file", async () => {
    const r = await reencryptIfChanged(null, V1, { format: "yaml", recipients: [keys[0].recipient] });
    expect(r.changed).toBe(true);
    expect(await decryptText(r.text, { format: "yaml", identities: [keys[0].identity] })).toBe(V1);
  });

  it("returns the existing bytes, byte for byte, when plaintext, recipients and rules are unchanged", async () => {
    const existing = await encryptText(V1, { format: "yaml", recipients: [keys[0].recipient], now: new Date("2020-01-01T00:00:00Z") });
    const r = await reencryptIfChanged(existing, V1, { format: "yaml", recipients: [keys[0].recipient], identities: [keys[0].identity] });
    expect(r).toEqual({ text: existing, changed: false });
  });

  it("keeps the data key and the IVs of unchanged values when one value changes", async () => {
    const existing = await encryptText(V1, { format: "yaml", recipients: [keys[0].recipient], now: new Date("2020-01-01T00:00:00Z") });
    const r = await reencryptIfChanged(existing, V2, { format: "yaml", recipients: [keys[0].recipient], identities: [keys[0].identity] });
    expect(r.changed).toBe(true);
    expect(lineOf(r.text, "token")).not.toBe(lineOf(existing, "token"));
    for (const k of ["name"]) expect(lineOf(r.text, k)).toBe(lineOf(existing, k));
    expect(r.text.split("\n").filter((l) => l.includes("- ENC["))).toEqual(existing.split("\n").filter((l) => l.includes("- ENC[")));
    expect(r.text.split("\n")[0]).toBe(existing.split("\n")[0]);
    expect(sopsBlockAge(r.text)).toBe(sopsBlockAge(existing));
    expect(await decryptText(r.text, { format: "yaml", identities: [keys[0].identity] })).toBe(V2);
  });

  it("re-wraps the same data key when the recipients change, keeping every value's ciphertext", async () => {
    const existing = await encryptText(V1, { format: "yaml", recipients: [keys[0].recipient] });
    const r = await reencryptIfChanged(existing, V1, { format: "yaml", recipients: [keys[0].recipient, keys[1].recipient], identities: [keys[0].identity] });
    expect(r.changed).toBe(true);
    expect(readRecipients(r.text, "yaml")).toEqual([keys[0].recipient, keys[1].recipient]);
    for (const k of ["name", "token"]) expect(lineOf(r.text, k)).toBe(lineOf(existing, k));
    expect(await decryptText(r.text, { format: "yaml", identities: [keys[1].identity] })).toBe(V1);
  });

  it("re-encrypts when the rules change", async () => {
    const existing = await encryptText(V1, { format: "yaml", recipients: [keys[0].recipient] });
    const r = await reencryptIfChanged(existing, V1, { format: "yaml", recipients: [keys[0].recipient], identities: [keys[0].identity], rules: { encryptedRegex: "^token$" } });
    expect(r.changed).toBe(true);
    expect(lineOf(r.text, "name")).toBe("name: app");
    expect(r.text).toContain("encrypted_regex: ^token$");
  });
});
