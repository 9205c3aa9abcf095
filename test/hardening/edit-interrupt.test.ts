/**
 * Issue 16 item 8: `sops edit` reopens the editor on invalid YAML (as sops does) instead of discarding the edits;
 * SIGINT/SIGTERM during an edit or an in-place write leaves no plaintext file behind; the tree's .gitignore covers
 * every temp name we use.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GITIGNORE_PATTERNS } from "../../kubernetes/gitignore";
import { decryptText, editFile, encryptText, generateAgeIdentity } from "../../sops";
import { isolatedEnv, useTempDir } from "../sops/ops/helpers";

const tempDir = useTempDir();
const CLI = join(__dirname, "../../bin/talos-homelab.cjs");

async function encryptedFile(dir: string): Promise<{ path: string; identity: string }> {
  const { identity, recipient } = await generateAgeIdentity();
  const path = join(dir, "f.yaml");
  writeFileSync(path, await encryptText("user: admin\npassword: hunter2\n", { format: "yaml", recipients: [recipient] }));
  return { path, identity };
}

async function waitFor(path: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(path) && readFileSync(path, "utf8").endsWith("\n")) return readFileSync(path, "utf8").trim();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} never appeared`);
}

describe("sops edit with invalid YAML from the editor", () => {
  it("reopens the editor on the user's text (nothing discarded) and saves the corrected version", async () => {
    const dir = tempDir();
    const { path, identity } = await encryptedFile(dir);
    const round = join(dir, "round");
    const seen = join(dir, "seen");
    // 1st session: break the YAML; 2nd session: record what it was given, then fix it
    const editor = join(dir, "editor.sh");
    writeFileSync(editor, `#!/bin/sh\nif [ ! -e ${round} ]; then touch ${round}; printf 'user: [root\\npassword: hunter2\\n' > "$1"; else cp "$1" ${seen}; printf 'user: root\\npassword: hunter2\\n' > "$1"; fi\n`, { mode: 0o755 });
    const prompts: string[] = [];
    await editFile(path, { identities: [identity], editor, reopen: async (message) => (prompts.push(message), true) });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/Could not load tree, probably due to invalid syntax/);
    expect(readFileSync(seen, "utf8")).toBe("user: [root\npassword: hunter2\n");
    expect(await decryptText(readFileSync(path), { format: "yaml", identities: [identity] })).toBe("user: root\npassword: hunter2\n");
  });

  it("gives up, writing nothing, when the user declines to return to the editor", async () => {
    const dir = tempDir();
    const { path, identity } = await encryptedFile(dir);
    const before = readFileSync(path, "utf8");
    await expect(editFile(path, { identities: [identity], editor: `sh -c 'echo "a: [" > "$1"' editor`, reopen: async () => false })).rejects.toThrow(/invalid syntax/);
    expect(readFileSync(path, "utf8")).toBe(before);
  });
});

describe("interrupted commands leave no plaintext", () => {
  it.each([["SIGINT", 130], ["SIGTERM", 143]] as const)("%s during sops edit removes the decrypted temp file", async (signal, code) => {
    const dir = tempDir();
    const { path, identity } = await encryptedFile(dir);
    const where = join(dir, "temp-path");
    const editor = join(dir, "editor.sh");
    writeFileSync(editor, `#!/bin/sh\necho "$1" > ${where}\nexec sleep 30\n`, { mode: 0o755 });
    const child = spawn(process.execPath, [CLI, "sops", "edit", path], {
      env: isolatedEnv(dir, { SOPS_AGE_KEY: identity, SOPS_EDITOR: editor, TALOS_HOMELAB_FROM_SOURCE: "1" }),
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? -1 : null))));
    const temp = await waitFor(where);
    expect(readFileSync(temp, "utf8")).toContain("hunter2");
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(existsSync(temp)).toBe(false);
  });

  it("SIGINT during an in-place write removes the temp file", async () => {
    const dir = tempDir();
    const script = join(dir, "hang.ts");
    const target = join(dir, "out.yaml");
    // the write hangs right before the rename, with the complete temp file on disk
    writeFileSync(
      script,
      `const fs = require("node:fs");\n` +
        `fs.promises.rename = () => { console.log("ready"); return new Promise(() => setInterval(() => undefined, 1000)); };\n` +
        `const { writeFileAtomic } = require(${JSON.stringify(join(__dirname, "../../sops/atomic-write"))});\n` +
        `void writeFileAtomic(${JSON.stringify(target)}, "password: hunter2\\n");\n`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: join(__dirname, "../.."), stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? -1 : null))));
    await new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve()));
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toHaveLength(1);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("the tree's .gitignore covers the atomic-write temp names", () => {
    expect(GITIGNORE_PATTERNS).toContain(".*.tmp");
  });
});
