/**
 * Issue 16 item 3: every parse path (encrypt, decrypt, filestatus, check, render's tree reading) refuses alias bombs
 * and hostile nesting with a clear error instead of running for minutes, eating gigabytes or overflowing the stack.
 * How fast the refusal is, is measured in bench/parse-bounds.bench.ts; here the errors are asserted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { decryptTreeFile } from "../../gitops/existing-tree";
import { decryptBytes, encryptBytes, fileStatusOfBytes, generateAgeIdentity, loadSopsConfig } from "../../sops";
import { isolatedEnv, useTempDir } from "../sops/ops/helpers";
import { aliasBomb, aliasChain, deepBlockNesting, deepFlowNesting, deepJsonNesting, manyAliases, withSopsBlock } from "./parse-bounds";

const tempDir = useTempDir();
const ALIASING = /excessive aliasing/;
const DEPTH = /nesting deeper than \d+ levels/;

const hostile: Array<[string, string, RegExp]> = [
  ["a 9^9 alias bomb", aliasBomb(), ALIASING],
  ["100,000 nested flow sequences", deepFlowNesting(100_000), DEPTH],
  ["100,000 nested block sequences", deepBlockNesting(100_000), DEPTH],
  ["2,000 nested flow sequences", deepFlowNesting(2_000), DEPTH],
  ["a chain of 3,000 aliased anchors (nesting without indentation)", aliasChain(3_000), /excessive aliasing|nesting deeper than \d+ levels/],
];

async function encrypt(text: string, format: "yaml" | "json" = "yaml"): Promise<Buffer> {
  const { recipient } = await generateAgeIdentity();
  return encryptBytes(Buffer.from(text), { format, recipients: [recipient] });
}

describe("sops encrypt / decrypt / filestatus refuse hostile YAML with a clear error", () => {
  it.each(hostile)("encrypt: %s", async (_name, text, error) => {
    await expect(encrypt(text)).rejects.toThrow(error);
  });
  it.each(hostile)("decrypt: %s", async (_name, text, error) => {
    await expect(decryptBytes(Buffer.from(withSopsBlock(text)), { format: "yaml", identities: [], env: {} })).rejects.toThrow(error);
  });
  it.each(hostile)("filestatus: %s", (_name, text, error) => {
    expect(() => fileStatusOfBytes(Buffer.from(withSopsBlock(text)), "yaml")).toThrow(error);
  });
  it("JSON: 100,000 nested objects", async () => {
    await expect(encrypt(deepJsonNesting(100_000), "json")).rejects.toThrow(DEPTH);
  });
  it("an input larger than the document bound", async () => {
    await expect(encrypt(`a: ${"x".repeat(65 * 1024 * 1024)}\n`)).rejects.toThrow(/is larger than the \d+ MiB/);
  });
  it("nesting within the bound still round-trips", async () => {
    const { identity, recipient } = await generateAgeIdentity();
    const text = `a:\n${"- ".repeat(120)}${"[".repeat(130)}x${"]".repeat(130)}\n`;
    const enc = await encryptBytes(Buffer.from(text), { format: "yaml", recipients: [recipient] });
    const plain = await decryptBytes(enc, { format: "yaml", identities: [identity], env: {} });
    expect(plain.toString()).toContain("x");
  });
});

describe("check and render's tree reading refuse hostile YAML", () => {
  it.each(hostile)("check: %s", async (_name, text, error) => {
    const dir = tempDir();
    writeFileSync(join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n");
    writeFileSync(join(dir, "x.sops.yaml"), withSopsBlock(text));
    const report = await checkGitopsTree(dir, { env: isolatedEnv(dir) });
    expect(report.findings.map((f) => `${f.file}: ${f.problem}`).join("\n")).toMatch(new RegExp(`x\\.sops\\.yaml: .*${error.source}`));
  });
  it.each(hostile)("check: .sops.yaml holding %s", async (_name, text) => {
    const dir = tempDir();
    writeFileSync(join(dir, ".sops.yaml"), text);
    const report = await checkGitopsTree(dir, { env: isolatedEnv(dir) });
    expect(report.findings.map((f) => `${f.file}: ${f.problem}`).join("\n")).toMatch(/\.sops\.yaml: is not a usable sops config: .*(excessive aliasing|nesting deeper than)/);
  });
  it.each(hostile)("sops config loading: %s", (_name, text) => {
    const dir = tempDir();
    writeFileSync(join(dir, ".sops.yaml"), text);
    expect(() => loadSopsConfig(join(dir, ".sops.yaml"))).toThrow(/excessive aliasing|nesting deeper than/);
  });
  it.each(hostile)("render's tree reading: %s", async (_name, text, error) => {
    const dir = tempDir();
    mkdirSync(join(dir, "talos"));
    writeFileSync(join(dir, "talos", "secrets.sops.yaml"), withSopsBlock(text));
    await expect(decryptTreeFile(dir, "talos/secrets.sops.yaml", [])).rejects.toThrow(error);
  });
});

describe("aliases within the bounds", () => {
  it("20,000 aliases of one scalar are expanded (one resolution pass; a document walk per alias took ~80 s)", async () => {
    const { identity, recipient } = await generateAgeIdentity();
    const enc = await encryptBytes(Buffer.from(manyAliases(20_000)), { format: "yaml", recipients: [recipient] });
    const plain = (await decryptBytes(enc, { format: "yaml", identities: [identity], env: {} })).toString();
    expect(plain.split("- value").length - 1).toBe(20_000);
  }, 30_000);
  it("a .sops.yaml with 27,000 aliases over 300 anchors loads in one resolution pass (the yaml library's toJS took 11 s)", () => {
    const dir = tempDir();
    let text = "creation_rules:\n  - age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n";
    for (let a = 0; a < 300; a++) text += `a${a}: &a${a} v\n`;
    text += "refs:\n";
    for (let a = 0; a < 300; a++) text += `  - *a${a}\n`.repeat(90);
    writeFileSync(join(dir, ".sops.yaml"), text);
    expect(loadSopsConfig(join(dir, ".sops.yaml")).creationRules).toHaveLength(1);
  }, 30_000);
  it("a 300-anchor alias chain (14 s before the resolver pass) is refused with a clear error", async () => {
    await expect(encrypt(aliasChain(300))).rejects.toThrow(/excessive aliasing|nesting deeper than \d+ levels/);
  });
});

describe("the simple-document fast path", () => {
  it("hands deep indentation-only nesting to the full parser, which refuses it", async () => {
    const text = Array.from({ length: 300 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " v\n";
    await expect(encrypt(text)).rejects.toThrow(DEPTH);
  });
});

describe("check's plaintext scan of files outside the rules", () => {
  it.each([
    ["a Secret whose data lines have no colon (7 s for 460 kB when the key pattern crossed lines)", `kind: Secret\ndata:\n${"  xxxxxxxxxxxxxxxxxxxx\n".repeat(20_000)}`, 0],
    ["200,000 empty documents (line numbers recounted from the start per document)", `${"---\n".repeat(200_000)}kind: Secret\ndata:\n  password: hunter2\n`, 1],
  ])("%s", async (_name, text, secrets) => {
    const dir = tempDir();
    writeFileSync(join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n");
    writeFileSync(join(dir, "plain.yaml"), text);
    const report = await checkGitopsTree(dir, { env: isolatedEnv(dir) });
    const found = report.findings.filter((f) => f.file === "plain.yaml");
    expect(found).toHaveLength(secrets);
    // the line of the plaintext value (200,000 document markers, `kind`, `data`, then `password`)
    if (secrets > 0) expect(found[0].problem).toMatch(/line 200003: contains a Kubernetes Secret with plaintext data/);
  }, 30_000);
});
