import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkGitopsTree, type CheckFinding } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { decryptText } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { makeSandbox, type Sandbox } from "./sandbox";

let sandbox: Sandbox;
let tree: string;
let identity: string;

beforeAll(async () => {
  sandbox = makeSandbox();
  await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: new Date("2025-06-01T12:00:00Z") });
  identity = readFileSync(sandbox.keysFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
}, 120_000);
afterAll(() => sandbox.cleanup());

/** A fresh copy of the rendered tree for each test. */
beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), "talos-homelab-check-"));
  cpSync(sandbox.outDir, tree, { recursive: true });
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

function problemsOf(findings: readonly CheckFinding[], file: string): string[] {
  return findings.filter((f) => f.file === file).map((f) => f.problem);
}

async function decrypted(path: string): Promise<string> {
  return decryptText(readFileSync(join(tree, path)), { format: "yaml", identities: [identity], env: {} });
}

describe("checkGitopsTree", () => {
  it("passes on a freshly rendered tree and checks the sops-age Secret when an identity is available", async () => {
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(report.findings).toEqual([]);
    expect(report.filesChecked).toBe(14);
    expect(report.notes).toEqual([]);
  });

  it("notes, without failing, that the sops-age Secret was not checked when no identity is available", async () => {
    const report = await checkGitopsTree(tree, { env: { HOME: join(tree, "nohome") } });
    expect(report.findings).toEqual([]);
    expect(report.notes.join("\n")).toMatch(/sops-age\.sops\.yaml: not decrypted/);
  });

  it("names a plaintext machine config dropped into the tree outside the rules", async () => {
    writeFileSync(join(tree, "talos/homelab/cp-1.yaml"), await decrypted("talos/homelab/cp-1.sops.yaml"));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    const problems = problemsOf(report.findings, "talos/homelab/cp-1.yaml");
    expect(problems.join("\n")).toMatch(/private key|crt:\/key:/);
    expect(problems.join("\n")).toMatch(/token/);
    expect(report.findings.every((f) => f.file === "talos/homelab/cp-1.yaml")).toBe(true);
  });

  it("names an age secret key and a PEM private key dropped anywhere in the tree", async () => {
    const age = await generateAgeIdentity();
    writeFileSync(join(tree, "notes.txt"), `backup:\n${age.identity}\n`);
    writeFileSync(join(tree, "clusters/homelab/key.pem"), "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, "notes.txt").join()).toMatch(/line 2: contains an age secret key/);
    expect(problemsOf(report.findings, "clusters/homelab/key.pem").join()).toMatch(/private key PEM block/);
    expect(JSON.stringify(report)).not.toContain(age.identity);
  });

  it("names a plaintext Kubernetes Secret outside the rules", async () => {
    writeFileSync(join(tree, "clusters/homelab/leak.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: hunter2\n");
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, "clusters/homelab/leak.yaml").join()).toMatch(/Kubernetes Secret with plaintext/);
  });

  it("names a file that matches a creation rule but is not encrypted", async () => {
    writeFileSync(join(tree, "talos/homelab/extra.sops.yaml"), "machine:\n  token: abc\n");
    writeFileSync(join(tree, "talos/homelab/worker-1.sops.yaml"), await decrypted("talos/homelab/worker-1.sops.yaml"));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, "talos/homelab/extra.sops.yaml").join()).toMatch(/matches .* but is not sops-encrypted/);
    expect(problemsOf(report.findings, "talos/homelab/worker-1.sops.yaml").join()).toMatch(/not sops-encrypted/);
  });

  it("names a corrupted encrypted file", async () => {
    const path = "talos/homelab/cp-2.sops.yaml";
    const text = readFileSync(join(tree, path), "utf8");
    // cut inside the first document (a cut in a later one: test/gitops/check-leaks.test.ts)
    writeFileSync(join(tree, path), text.slice(0, Math.floor(text.indexOf("\n---\n") / 2)));
    const macPath = "talos/homelab/cp-3.sops.yaml";
    writeFileSync(join(tree, macPath), readFileSync(join(tree, macPath), "utf8").replace(/mac: ENC\[[^\n]*/, "mac: not-a-mac"));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, path)).not.toEqual([]);
    expect(problemsOf(report.findings, macPath).join()).toMatch(/MAC/);
  });

  it("names a value left in plaintext inside an encrypted file", async () => {
    const path = "clusters/homelab/flux-system/sops-age.sops.yaml";
    const text = readFileSync(join(tree, path), "utf8");
    writeFileSync(join(tree, path), text.replace(/age\.agekey: ENC\[[^\n]*/, "age.agekey: QUdFLVNFQ1JFVC1LRVktMQ=="));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, path).join()).toMatch(/plaintext value at data\.age\.agekey/);
  });

  it("names the sops-age Secret when its identity is not a recipient of the rules", async () => {
    const config = readFileSync(join(tree, ".sops.yaml"), "utf8");
    const other = await generateAgeIdentity();
    const clusterRecipient = /age: (.*)/.exec(config)![1].split(",").pop()!;
    writeFileSync(join(tree, ".sops.yaml"), config.replaceAll(clusterRecipient, other.recipient));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, "clusters/homelab/flux-system/sops-age.sops.yaml").join("\n")).toMatch(
      new RegExp(`identity of ${clusterRecipient}, which is not a recipient`),
    );
  });

  it("names a missing .sops.yaml", async () => {
    rmSync(join(tree, ".sops.yaml"));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(problemsOf(report.findings, ".sops.yaml").join()).toMatch(/missing/);
  });
});
