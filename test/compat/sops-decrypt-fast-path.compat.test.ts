/**
 * The fast path for encrypted YAML (sops/stores/yaml-encrypted-fast-parse.ts) on what the real sops 3.11 writes: it
 * takes sops's output, gives the same plaintext as `sops decrypt`, and a tampered file fails in both with the same
 * exit code.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptBytes } from "../../sops/index";
import { parseEncryptedYamlFast } from "../../sops/stores/yaml-encrypted-fast-parse";
import { parseYamlDocumentsFully } from "../../sops/stores/yaml-parse";
import { requireTool, runTool } from "./helpers/tools";

let work = "";
let identity = "";
let recipient = "";
let env: NodeJS.ProcessEnv = {};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "sops-fast-path-"));
  const keyFile = join(work, "key.txt");
  expect(runTool(requireTool("age-keygen"), ["-o", keyFile]).code).toBe(0);
  const text = readFileSync(keyFile, "utf8");
  identity = text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1")) as string;
  recipient = /public key: (age1\S+)/.exec(text)![1];
  env = { SOPS_AGE_KEY_FILE: keyFile, SOPS_AGE_KEY: "", HOME: join(work, "home"), XDG_CONFIG_HOME: join(work, "xdg") };
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Nested mappings of mixed types, with keys sops leaves in clear (`_unencrypted`). */
function document(entries: number): string {
  let s = "";
  for (let i = 0; i < entries; i++) {
    s += `entry_${i}:\n  name: svc-${i}\n  port: ${1000 + i}\n  enabled: ${i % 2 === 0}\n  ratio: ${i}.5\n  owner_unencrypted: team-${i % 13}\n`;
  }
  return s;
}

const sops = (args: string[]) => runTool(requireTool("sops"), args, { cwd: work, env });

describe("decrypting what the real sops encrypted, through the fast path", () => {
  it("is taken for sops's nested YAML and gives the plaintext sops decrypt gives", async () => {
    writeFileSync(join(work, "doc.yaml"), document(300));
    const encrypted = sops(["encrypt", "--age", recipient, "doc.yaml"]);
    expect(encrypted.code, encrypted.stderr).toBe(0);
    writeFileSync(join(work, "doc.enc.yaml"), encrypted.stdout);
    const fast = parseEncryptedYamlFast(encrypted.stdout, (tail) => parseYamlDocumentsFully(tail, "encrypted"));
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseYamlDocumentsFully(encrypted.stdout, "encrypted"));
    const theirs = sops(["decrypt", "doc.enc.yaml"]);
    expect(theirs.code, theirs.stderr).toBe(0);
    const ours = await decryptBytes(Buffer.from(encrypted.stdout), { format: "yaml", identities: [identity] });
    expect(ours.toString("utf8")).toBe(theirs.stdout);
  });

  it("a changed value or value left in clear fails in both, with the same exit code", async () => {
    const original = readFileSync(join(work, "doc.enc.yaml"), "utf8");
    const tampered = [
      original.replace("team-0", "team-X"), // a value outside the encryption: only the MAC catches it
      original.replace(/(name: ENC\[AES256_GCM,data:)(.)/, (_, head: string, c: string) => `${head}${c === "A" ? "B" : "A"}`), // ciphertext
    ];
    for (const [i, text] of tampered.entries()) {
      expect(text).not.toBe(original);
      writeFileSync(join(work, `bad${i}.enc.yaml`), text);
      const theirs = sops(["decrypt", `bad${i}.enc.yaml`]);
      expect(theirs.code).not.toBe(0);
      const ours = await decryptBytes(Buffer.from(text), { format: "yaml", identities: [identity] }).then(
        () => 0,
        (e: { exitCode?: number }) => e.exitCode ?? -1,
      );
      expect(ours).toBe(theirs.code);
    }
  });
});
