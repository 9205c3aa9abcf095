/**
 * Issue 16 item 4: no error prints key material, in any spelling. Fixed cases from the issue, then a property test
 * over the error paths with identities damaged the ways operators damage them (a changed character, case, spaces).
 */
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main";
import { ConfigError, validateConfig } from "../../config";
import { encryptBytes } from "../../sops";
import { generateAgeIdentity, lookupAgeIdentities, parseAgeIdentities, recipientOf } from "../../sops/age-identities";
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
          (await lookupAgeIdentities({ SOPS_AGE_KEY: identity, HOME: "/nonexistent-home" })).errors.join("\n"),
        ];
        for (const m of messages) expect(leaks(m, identity), m).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The CLI in-process: what it prints on stderr. */
async function cliStderr(args: string[], env: Record<string, string>): Promise<string> {
  for (const k of ["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_CONFIG", "SOPS_AGE_RECIPIENTS"]) vi.stubEnv(k, undefined as unknown as string);
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true));
  await main(args);
  vi.restoreAllMocks();
  return stderr;
}

describe("the CLI prints no key material", () => {
  it("sops encrypt/decrypt with a damaged identity in SOPS_AGE_KEY, --age or SOPS_AGE_KEY_CMD output", async () => {
    const dir = tempDir();
    const plain = join(dir, "p.yaml");
    writeFileSync(plain, "a: b\n");
    const encrypted = join(dir, "e.yaml");
    writeFileSync(encrypted, await encryptBytes(Buffer.from("a: b\n"), { format: "yaml", recipients: [(await generateAgeIdentity()).recipient] }));
    const bad = changedChecksum(IDENTITY).toLowerCase();
    const home = { HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "xdg") };
    const outputs = [
      await cliStderr(["sops", "encrypt", "--age", bad, plain], home),
      await cliStderr(["sops", "decrypt", encrypted], { ...home, SOPS_AGE_KEY: bad }),
      await cliStderr(["sops", "decrypt", encrypted], { ...home, SOPS_AGE_KEY_CMD: `sh -c 'echo ${IDENTITY} >&2; exit 1'` }),
    ];
    expect(outputs[1]).toMatch(/SOPS_AGE_KEY line 1/);
    expect(outputs[2]).toMatch(/SOPS_AGE_KEY_CMD/);
    for (const out of outputs) {
      expect(out).not.toBe("");
      expect(leaks(out, IDENTITY), out).toBe(false);
    }
  });
});
