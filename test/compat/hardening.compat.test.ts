/**
 * Issue 16 against the real sops 3.11: hostile input (alias bombs, deep nesting, non-UTF-8) is refused by both with
 * the same exit code, and `sops edit` reopens the editor on invalid YAML in both. Where we deliberately differ (a
 * nesting bound of 256 instead of 10,000), the test says so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptText, editFile, encryptBytes, SopsError } from "../../sops";
import { aliasBomb, deepBlockNesting, deepFlowNesting } from "../hardening/parse-bounds";
import { requireTool, runTool } from "./helpers/tools";

let sops: string;
let work: string;
let identity: string;
let recipient: string;

beforeAll(() => {
  sops = requireTool("sops");
  work = mkdtempSync(join(tmpdir(), "hardening-compat-"));
  const keyFile = join(work, "key.txt");
  runTool(requireTool("age-keygen"), ["-o", keyFile]);
  const text = readFileSync(keyFile, "utf8");
  identity = text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1")) as string;
  recipient = /public key: (age1\S+)/.exec(text)![1];
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function ourExit(input: Buffer): Promise<{ code: number; message: string }> {
  try {
    await encryptBytes(input, { format: "yaml", recipients: [recipient] });
    return { code: 0, message: "" };
  } catch (e) {
    return { code: e instanceof SopsError ? e.exitCode : 1, message: (e as Error).message };
  }
}

function sopsEncrypt(name: string, input: Buffer): { code: number; stderr: string } {
  const file = join(work, name);
  writeFileSync(file, input);
  return runTool(sops, ["encrypt", "--age", recipient, file], { env: { SOPS_AGE_KEY: identity } });
}

describe("hostile YAML: real sops and ours refuse alike", () => {
  it.each([
    ["a 9^9 alias bomb", Buffer.from(aliasBomb()), /excessive aliasing/],
    ["100,000 nested flow sequences", Buffer.from(deepFlowNesting(100_000)), /depth|nesting/],
    ["100,000 nested block sequences", Buffer.from(deepBlockNesting(100_000)), /depth|nesting/],
    ["non-UTF-8 bytes", Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), /UTF-8/],
  ])("%s: both exit 2", async (name, input, error) => {
    const real = sopsEncrypt(`${name.replace(/\W+/g, "-")}.yaml`, input);
    expect(real.code).toBe(2);
    expect(real.stderr).toMatch(error);
    const ours = await ourExit(input);
    expect(ours.code).toBe(2);
    expect(ours.message).toMatch(error);
  });

  it("2,000 levels: sops accepts (its bound is 10,000); ours refuses with its bound of 256 instead of overflowing the stack", async () => {
    const input = Buffer.from(deepFlowNesting(2_000));
    expect(sopsEncrypt("deep2000.yaml", input).code).toBe(0);
    const ours = await ourExit(input);
    expect(ours.code).toBe(2);
    expect(ours.message).toMatch(/nesting deeper than 256 levels/);
  });
});

describe("sops edit with invalid YAML from the editor", () => {
  it("both reopen the editor on the invalid text and save the corrected one", async () => {
    for (const who of ["sops", "ours"] as const) {
      const file = join(work, `edit-${who}.yaml`);
      writeFileSync(file, (await encryptBytes(Buffer.from("user: admin\n"), { format: "yaml", recipients: [recipient] })));
      const round = join(work, `round-${who}`);
      const seen = join(work, `seen-${who}`);
      const editor = join(work, `editor-${who}.sh`);
      writeFileSync(editor, `#!/bin/sh\nif [ ! -e ${round} ]; then touch ${round}; printf 'user: [root\\n' > "$1"; else cp "$1" ${seen}; printf 'user: root\\n' > "$1"; fi\n`, { mode: 0o755 });
      if (who === "sops") {
        const r = runTool(sops, ["edit", file], { input: "\n", env: { SOPS_AGE_KEY: identity, SOPS_EDITOR: editor } });
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(/Could not load tree, probably due to invalid syntax/);
      } else {
        await editFile(file, { identities: [identity], editor, reopen: async () => true });
      }
      expect(readFileSync(seen, "utf8")).toBe("user: [root\n");
      expect(await decryptText(readFileSync(file), { format: "yaml", identities: [identity] })).toBe("user: root\n");
    }
  });
});
