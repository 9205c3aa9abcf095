import { generateHybridIdentity, identityToRecipient } from "age-encryption";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateAgeIdentity } from "../../../sops/age-identities";
import { ageRecipientKind, assertValidAgeRecipient, unwrapWithAgeIdentities, wrapForAgeRecipient } from "../../../sops/age-master-key";

const id = (secretKey: string) => ({ secretKey, source: "test" });

describe("age master key", () => {
  it("wraps a 32-byte data key as one armored age file that only the matching identity unwraps", async () => {
    const a = await generateAgeIdentity();
    const b = await generateAgeIdentity();
    const key = randomBytes(32);
    const enc = await wrapForAgeRecipient(key, a.recipient);
    expect(enc.startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true);
    expect(enc.endsWith("-----END AGE ENCRYPTED FILE-----\n")).toBe(true);
    expect(enc.split("\n").every((l) => l.length <= 64)).toBe(true);
    expect(await unwrapWithAgeIdentities(enc, [id(b.identity), id(a.identity)])).toEqual(key);
    await expect(unwrapWithAgeIdentities(enc, [id(b.identity)])).rejects.toThrow();
  });

  it("wraps for a post-quantum hybrid age1pq1 recipient (age v1.3 format)", async () => {
    const pq = await generateHybridIdentity();
    const recipient = await identityToRecipient(pq);
    expect(recipient.startsWith("age1pq1")).toBe(true);
    expect(ageRecipientKind(recipient)).toBe("pq-hybrid");
    const key = randomBytes(32);
    const enc = await wrapForAgeRecipient(key, recipient);
    expect(await unwrapWithAgeIdentities(enc, [id(pq)])).toEqual(key);
  });

  it("refuses SSH, plugin and malformed recipients with a message naming them", async () => {
    expect(() => ageRecipientKind("ssh-ed25519 AAAAC3Nz")).toThrow(/ssh-ed25519 AAAAC3Nz.*SSH recipients are not supported/);
    expect(() => ageRecipientKind("age1yubikey1qwerty")).toThrow(/age1yubikey1qwerty.*plugin/);
    expect(() => assertValidAgeRecipient("age1notarecipient")).toThrow(/age1notarecipient/);
    expect(() => assertValidAgeRecipient("hello")).toThrow(/"hello" is not an age recipient/);
    await expect(wrapForAgeRecipient(randomBytes(32), "age1zzz")).rejects.toThrow(/age1zzz/);
  });

  it("rejects a tampered armored file", async () => {
    const a = await generateAgeIdentity();
    const enc = await wrapForAgeRecipient(randomBytes(32), a.recipient);
    const lines = enc.split("\n");
    lines[2] = lines[2].slice(0, 10) + (lines[2][10] === "A" ? "B" : "A") + lines[2].slice(11);
    await expect(unwrapWithAgeIdentities(lines.join("\n"), [id(a.identity)])).rejects.toThrow();
  });
});
