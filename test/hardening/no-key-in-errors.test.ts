/**
 * Issue 16 item 4: no error prints key material, in any spelling. Fixed cases from the issue, then a property test
 * over the error paths with identities damaged the ways operators damage them (a changed character, case, spaces).
 */
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, validateConfig } from "../../config";
import { encryptBytes } from "../../sops";
import { lookupAgeIdentities, parseAgeIdentities, recipientOf } from "../../sops/age-identities";
import { redactKeyMaterial } from "../../sops/redact";
import { withChange } from "../config/fixtures";
import { isolatedEnv, useTempDir } from "../sops/ops/helpers";

const tempDir = useTempDir();
const IDENTITY = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
/** The part that is the secret: the bech32 data after `AGE-SECRET-KEY-1`. */
const payloadOf = (identity: string): string => identity.replace(/^[\s"]*age-secret-key-(pq-)?1/i, "").replace(/[\s"]+$/, "").slice(0, -6);

function leaks(message: string, identity: string): boolean {
  const payload = payloadOf(identity).toLowerCase();
  const text = message.toLowerCase().replace(/\s+/g, "");
  // any 12 consecutive characters of the secret payload count as a leak
  for (let i = 0; i + 12 <= payload.length; i++) if (text.includes(payload.slice(i, i + 12))) return true;
  return false;
}

async function messageOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

function changedChecksum(identity: string): string {
  const last = identity.at(-1) === "Q" ? "P" : "Q";
  return identity.slice(0, -1) + last;
}

function configMessage(recipient: string): string {
  try {
    validateConfig(withChange((c) => (c.ageRecipients = [recipient])));
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return "";
}

describe("the cases from the issue", () => {
  it("an identity given as an encryption recipient (--age, .sops.yaml) is not echoed", async () => {
    const message = await messageOf(() => encryptBytes(Buffer.from("a: b\n"), { format: "yaml", recipients: [IDENTITY.toLowerCase()] }));
    expect(message).toMatch(/an age identity \(secret key, not shown\) was given as a recipient/);
    expect(leaks(message, IDENTITY)).toBe(false);
  });

  it("a malformed identity (one checksum character changed) is not printed", async () => {
    const bad = changedChecksum(IDENTITY);
    const message = await messageOf(() => parseAgeIdentities(`${bad}\n`, "SOPS_AGE_KEY"));
    expect(message).toMatch(/SOPS_AGE_KEY line 1: malformed age identity/);
    expect(leaks(message, bad)).toBe(false);
  });

  it("a failing SOPS_AGE_KEY_CMD's stderr is not echoed", async () => {
    const dir = tempDir();
    const script = join(dir, "keycmd.sh");
    writeFileSync(script, `#!/bin/sh\necho "loaded ${IDENTITY}" >&2\nexit 3\n`, { mode: 0o755 });
    const lookup = await lookupAgeIdentities(isolatedEnv(dir, { SOPS_AGE_KEY_CMD: script }));
    const message = lookup.errors.join("\n");
    expect(message).toMatch(/SOPS_AGE_KEY_CMD: it exited with code 3/);
    expect(leaks(message, IDENTITY)).toBe(false);
  });

  it.each([[` ${IDENTITY}`], [IDENTITY.toLowerCase()], [`${IDENTITY} `], [`"${IDENTITY}"`]])("an ageRecipients entry holding %j is not echoed", (entry) => {
    const message = configMessage(entry);
    expect(message).toMatch(/ageRecipients\[0\]/);
    expect(message).toMatch(/is an age identity \(secret key\)/);
    expect(leaks(message, IDENTITY)).toBe(false);
  });
});

/** An identity damaged the ways people damage them. */
const damagedIdentity = fc
  .tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.constantFrom("as-is", "lower", "mixed", "checksum", "leading-space", "trailing-space", "quoted", "crlf"),
  )
  .map(([bytes, how]) => {
    const alphabet = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
    let bits = "";
    for (const b of bytes) bits += b.toString(2).padStart(8, "0");
    let data = "";
    for (let i = 0; i + 5 <= bits.length; i += 5) data += alphabet[parseInt(bits.slice(i, i + 5), 2)];
    const id = `AGE-SECRET-KEY-1${data}ABCDEF`;
    switch (how) {
      case "lower":
        return id.toLowerCase();
      case "mixed":
        return id.split("").map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c)).join("");
      case "checksum":
        return changedChecksum(id);
      case "leading-space":
        return ` ${id}`;
      case "trailing-space":
        return `${id} `;
      case "quoted":
        return `"${id}"`;
      case "crlf":
        return `${id}\r\r`;
      default:
        return id;
    }
  });

describe("no error path prints key material (property)", () => {
  it("identity parsing, recipientOf, config validation and redaction never print 12 characters of the key", async () => {
    await fc.assert(
      fc.asyncProperty(damagedIdentity, async (identity) => {
        const messages = [
          await messageOf(() => parseAgeIdentities(`${identity}\n`, "SOPS_AGE_KEY")),
          await messageOf(() => recipientOf(identity)),
          configMessage(identity),
          redactKeyMaterial(`prefix ${identity} suffix`),
          await messageOf(() => encryptBytes(Buffer.from("a: b\n"), { format: "yaml", recipients: [identity] })),
        ];
        for (const m of messages) expect(leaks(m, identity), m).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
