/** `check`: encrypted files that no `.sops.yaml` rule covers, and files whose recipients differ from their rule's. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkGitopsTree, type CheckFinding } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { isSopsEncrypted } from "../../gitops/sops-rule-coverage";
import { decryptText, encryptText, readRecipients, rotate, updateKeys } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { makeSandbox, type Sandbox } from "./sandbox";
import { spliceAttack } from "./splice";

let sandbox: Sandbox;
let tree: string;
let operator: string;
let operatorRecipient: string;
let clusterIdentity: { identity: string; recipient: string };

beforeAll(async () => {
  sandbox = makeSandbox();
  clusterIdentity = await generateAgeIdentity();
  const result = await renderGitopsTree({
    stackFile: sandbox.stackFile,
    env: { ...sandbox.env, TALOS_HOMELAB_AGE_IDENTITY: clusterIdentity.identity },
    now: new Date("2025-06-01T12:00:00Z"),
  });
  operatorRecipient = result.recipients.recipients[0] as string;
  operator = readFileSync(sandbox.keysFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
}, 120_000);
afterAll(() => sandbox.cleanup());
beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), "talos-homelab-coverage-"));
  cpSync(sandbox.outDir, tree, { recursive: true });
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

const problemsOf = (findings: readonly CheckFinding[], file: string) => findings.filter((f) => f.file === file).map((f) => f.problem).join("\n");
const check = () => checkGitopsTree(tree, { env: sandbox.env });

describe("check: SOPS files outside the rules", () => {
  it("names an encrypted YAML, JSON and dotenv file that no creation rule matches, with the fix", async () => {
    const files = {
      "apps/db.enc.yaml": { format: "yaml" as const, text: "password: hunter2\n" },
      "clusters/homelab/apps/app-secret.yaml": { format: "yaml" as const, text: "kind: Secret\nstringData:\n  k: v\n" },
      "infra/creds.json": { format: "json" as const, text: '{"token": "abc"}' },
      "infra/app.env": { format: "dotenv" as const, text: "TOKEN=abc\n" },
    };
    for (const [path, { format, text }] of Object.entries(files)) {
      mkdirSync(join(tree, path, ".."), { recursive: true });
      writeFileSync(join(tree, path), await encryptText(text, { format, recipients: [operatorRecipient], env: {} }));
    }
    const report = await check();
    for (const path of Object.keys(files)) {
      expect(problemsOf(report.findings, path), path).toMatch(/is SOPS-encrypted but no \.sops\.yaml creation rule matches its path: .*sops updatekeys/);
    }
    expect(report.findings.map((f) => f.file).sort()).toEqual(Object.keys(files).sort());
  });

  it("names every file of a cluster whose block was removed from .sops.yaml, and nothing for plain files that mention sops", async () => {
    const config = readFileSync(join(tree, ".sops.yaml"), "utf8");
    writeFileSync(join(tree, ".sops.yaml"), config.replace(/  # BEGIN talos-homelab cluster homelab\n[\s\S]*# END talos-homelab cluster homelab\n/, "  - path_regex: ^apps/\n    age: " + operatorRecipient + "\n"));
    writeFileSync(join(tree, "README.md"), "This repository uses sops; values look like ENC[AES256_GCM,data:...] once encrypted.\n");
    const report = await check();
    expect(problemsOf(report.findings, "talos/homelab/secrets.sops.yaml")).toMatch(/no \.sops\.yaml creation rule matches/);
    expect(problemsOf(report.findings, "clusters/homelab/flux-system/sops-age.sops.yaml")).toMatch(/no \.sops\.yaml creation rule matches/);
    expect(problemsOf(report.findings, "README.md")).toBe("");
    expect(isSopsEncrypted("README.md", readFileSync(join(tree, "README.md")))).toBe(false);
  });
});

describe("check: recipients that differ from the rule's", () => {
  it("names a talos/ file still encrypted to the cluster identity (an older tree); the fix it names gives a fresh data key", async () => {
    const path = "talos/homelab/talosconfig.sops.yaml";
    const plain = await decryptText(readFileSync(join(tree, path)), { format: "yaml", identities: [operator], env: {} });
    writeFileSync(join(tree, path), await encryptText(plain, { format: "yaml", recipients: [operatorRecipient, clusterIdentity.recipient], env: {} }));
    const problems = problemsOf((await check()).findings, path);
    expect(problems).toContain(`is also encrypted to ${clusterIdentity.recipient}, which the .sops.yaml creation rule`);
    // `sops updatekeys` would re-wrap the same data key: an old copy's enc block spliced in would still open the file.
    expect(problems).not.toContain(`sops updatekeys ${path}`);
    expect(problems).toContain(`sops rotate -i --rm-age ${clusterIdentity.recipient} ${path}`);
    const before = readFileSync(join(tree, path), "utf8");
    await rotate(join(tree, path), { format: "yaml", rmAge: [clusterIdentity.recipient], identities: [operator], env: {}, output: { path: join(tree, path) } });
    const after = readFileSync(join(tree, path), "utf8");
    expect(readRecipients(Buffer.from(after), "yaml")).toEqual([operatorRecipient]);
    expect(await spliceAttack(after, before, clusterIdentity)).toBeUndefined();
    expect((await check()).findings.filter((f) => f.file === path)).toEqual([]);
  });

  it("names a file missing one of its rule's recipients, and `sops updatekeys` makes check pass again", async () => {
    const path = "clusters/homelab/flux-system/sops-age.sops.yaml";
    const text = readFileSync(join(tree, path), "utf8");
    const plain = await decryptText(text, { format: "yaml", identities: [operator], env: {} });
    writeFileSync(join(tree, path), await encryptText(plain, { format: "yaml", recipients: [operatorRecipient], rules: { encryptedRegex: "^(data|stringData)$" }, env: {} }));
    expect(problemsOf((await check()).findings, path)).toMatch(new RegExp(`is not encrypted to ${clusterIdentity.recipient} required by .*run \`sops updatekeys ${path}\``));
    await updateKeys(join(tree, path), { identities: [operator], env: {}, configPath: join(tree, ".sops.yaml"), confirm: () => true });
    expect(readRecipients(readFileSync(join(tree, path)), "yaml").sort()).toEqual([operatorRecipient, clusterIdentity.recipient].sort());
    expect((await check()).findings).toEqual([]);
  });
});
