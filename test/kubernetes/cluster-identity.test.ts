import { describe, expect, it } from "vitest";
import { clusterIdentityFile, clusterIdentityRecipient, ClusterIdentityError, normalizeClusterIdentity } from "../../kubernetes";
import { TEST_IDENTITY, TEST_IDENTITY_FILE, TEST_RECIPIENT } from "./fixtures";

/** Flips one data character of the bech32 payload, which breaks the checksum. */
function corrupt(identity: string): string {
  const i = identity.length - 10;
  return identity.slice(0, i) + (identity[i] === "Q" ? "P" : "Q") + identity.slice(i + 1);
}

async function rejection(text: string): Promise<Error> {
  try {
    await clusterIdentityRecipient(text);
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the identity to be rejected");
}

describe("cluster identity", () => {
  it("derives the same recipient as age-keygen -y", async () => {
    expect(await clusterIdentityRecipient(TEST_IDENTITY)).toBe(TEST_RECIPIENT);
  });

  it("accepts an age-keygen file: comments and blank lines are skipped", async () => {
    expect(normalizeClusterIdentity(TEST_IDENTITY_FILE)).toBe(TEST_IDENTITY);
    expect(await clusterIdentityRecipient(`\n${TEST_IDENTITY_FILE}\n\n`)).toBe(TEST_RECIPIENT);
    expect(clusterIdentityFile(TEST_IDENTITY_FILE)).toBe(`${TEST_IDENTITY}\n`);
  });

  it("rejects a bad checksum without echoing the key", async () => {
    const bad = corrupt(TEST_IDENTITY);
    const err = await rejection(bad);
    expect(err).toBeInstanceOf(ClusterIdentityError);
    expect(err.message).toMatch(/clusterAgeIdentity: is not a valid age identity.*Fix: generate one with `age-keygen`/);
    expect(err.message).not.toContain(bad.slice(16, 40));
  });

  it.each([
    ["empty", "  \n# only a comment\n", /is empty/],
    ["two identities", `${TEST_IDENTITY}\n${TEST_IDENTITY}`, /holds 2 non-comment lines; exactly one/],
    ["a recipient", TEST_RECIPIENT, /is an age recipient \(public key\), not an identity/],
    ["something else", "ssh-ed25519 AAAAC3Nza", /is not an age identity/],
    ["a plugin identity", "AGE-PLUGIN-YUBIKEY-1QQQQ", /plugin identity/],
  ])("rejects %s with a reason", async (_label, text, reason) => {
    const err = await rejection(text);
    expect(err.message).toMatch(reason);
    expect(err.message).not.toContain(TEST_IDENTITY.slice(16));
  });

  it("names the field it was given", async () => {
    expect((await rejection("nope")).message).toMatch(/^clusterAgeIdentity: /);
    await expect(clusterIdentityRecipient("nope", "TALOS_HOMELAB_AGE_IDENTITY")).rejects.toThrow(/^TALOS_HOMELAB_AGE_IDENTITY: /);
  });
});
