/**
 * `check` against files the real sops wrote: a multi-document Secret file sops encrypted passes (sops writes its
 * metadata into every document, which check requires), and the same file with the metadata cut out of its second
 * document, or with a plaintext document appended, is a finding.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { generateAgeIdentity } from "../../sops";
import { requireTool, runTool } from "./helpers/tools";

let tree: string;
let encrypted: string;

beforeAll(async () => {
  const sops = requireTool("sops");
  tree = mkdtempSync(join(tmpdir(), "talos-homelab-check-compat-"));
  const { recipient } = await generateAgeIdentity();
  writeFileSync(join(tree, ".sops.yaml"), `creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient}\n`);
  const secret = (name: string, value: string): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n  password: ${value}\n`;
  writeFileSync(join(tree, "apps.sops.yaml"), `${secret("a", "first-value")}---\n${secret("b", "second-value")}`);
  const result = runTool(sops, ["encrypt", "-i", "apps.sops.yaml"], { cwd: tree, env: { PATH: process.env.PATH, HOME: tree } });
  expect(result.code, result.stderr).toBe(0);
  encrypted = readFileSync(join(tree, "apps.sops.yaml"), "utf8");
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

const findings = async (): Promise<string[]> =>
  (await checkGitopsTree(tree, { env: { HOME: join(tree, "nohome") } })).findings.map((f) => `${f.file}: ${f.problem}`);

describe("check on files the real sops encrypted", () => {
  it("passes a multi-document file: sops writes its metadata into every document", async () => {
    expect(encrypted.match(/^sops:$/gm)).toHaveLength(2);
    writeFileSync(join(tree, "apps.sops.yaml"), encrypted);
    expect(await findings()).toEqual([]);
  });

  it("names the document whose sops metadata was cut out", async () => {
    const [first, second] = encrypted.split(/^---\n/m);
    writeFileSync(join(tree, "apps.sops.yaml"), `${first}---\n${second.slice(0, second.indexOf("\nsops:\n") + 1)}`);
    expect((await findings()).join("\n")).toMatch(/apps\.sops\.yaml: line \d+: document 2 has no sops metadata/);
  });

  it("names a plaintext Secret appended to it", async () => {
    writeFileSync(join(tree, "apps.sops.yaml"), `${encrypted}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\nstringData:\n  password: third-value\n`);
    const all = (await findings()).join("\n");
    expect(all).toMatch(/plaintext value at stringData\.password/);
    expect(all).not.toContain("third-value");
  });
});
