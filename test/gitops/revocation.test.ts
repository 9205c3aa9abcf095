/**
 * Revocation is real (issue 17): removing a recipient gives every file it could read a fresh data key, so its old
 * `enc` block (from Git history) spliced into the new file no longer decrypts anything.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Artefact } from "../../gitops/artefact";
import { renderGitopsTree } from "../../gitops/render";
import { encryptedGitopsTreeInputs } from "../../components/dynamic/encrypted-gitops-tree-inputs";
import { createEncryptedGitopsTree, updateEncryptedGitopsTree } from "../../components/dynamic/encrypted-gitops-tree-logic";
import { decryptText, generateAgeIdentity, readRecipients, reencryptIfChanged } from "../../sops";
import { makeSandbox, snapshot, type Sandbox } from "./sandbox";
import { spliceAgeEntry, spliceAttack } from "./splice";

type Key = { identity: string; recipient: string };
let keep: Key;
let revoked: Key;
let cluster: Key;
beforeAll(async () => {
  [keep, revoked, cluster] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
});

const DOC = "name: app\ntoken: very-secret-token\nlist:\n    - one\n    - two\n";

describe("the splice attack on a removed recipient", () => {
  it("works on a file whose recipient was only added (the same data key is expected then)", async () => {
    const before = (await reencryptIfChanged(null, DOC, { format: "yaml", recipients: [keep.recipient, revoked.recipient] })).text;
    const spliced = spliceAgeEntry(before, before, revoked.recipient);
    expect(await decryptText(spliced, { format: "yaml", identities: [revoked.identity], env: {} })).toBe(DOC);
  });

  it("fails after reencryptIfChanged drops the recipient: the file has a fresh data key and every value a new ciphertext", async () => {
    const before = (await reencryptIfChanged(null, DOC, { format: "yaml", recipients: [keep.recipient, revoked.recipient] })).text;
    const after = await reencryptIfChanged(before, DOC, { format: "yaml", recipients: [keep.recipient], identities: [keep.identity], env: {} });
    expect(after.changed).toBe(true);
    expect(readRecipients(after.text, "yaml")).toEqual([keep.recipient]);
    expect(await decryptText(after.text, { format: "yaml", identities: [keep.identity], env: {} })).toBe(DOC);
    expect(await spliceAttack(after.text, before, revoked)).toBeUndefined();
    const token = (text: string) => text.split("\n").find((l) => l.startsWith("token:"));
    expect(token(after.text)).not.toBe(token(before));
  });

  it("fails after reencryptIfChanged replaces a recipient (rotate, then remove: the documented order)", async () => {
    const v1 = (await reencryptIfChanged(null, DOC, { format: "yaml", recipients: [revoked.recipient] })).text;
    const v2 = (await reencryptIfChanged(v1, DOC, { format: "yaml", recipients: [revoked.recipient, keep.recipient], identities: [revoked.identity], env: {} })).text;
    const v3 = (await reencryptIfChanged(v2, DOC, { format: "yaml", recipients: [keep.recipient], identities: [keep.identity], env: {} })).text;
    expect(await spliceAttack(v3, v2, revoked)).toBeUndefined();
    expect(await spliceAttack(v3, v1, revoked)).toBeUndefined();
  });
});

describe("render: a recipient removed from --age", () => {
  let sandbox: Sandbox | undefined;
  afterEach(() => sandbox?.cleanup());

  it("gives every file it could read a fresh data key: its old enc block spliced in decrypts none of them", async () => {
    sandbox = makeSandbox();
    const env = { ...sandbox.env, SOPS_AGE_KEY: keep.identity };
    const now = new Date("2025-06-01T12:00:00Z");
    await renderGitopsTree({ stackFile: sandbox.stackFile, env, now, recipients: `${keep.recipient},${revoked.recipient}`, adoptTree: true });
    const before = snapshot(sandbox.outDir);
    await renderGitopsTree({ stackFile: sandbox.stackFile, env, now, recipients: keep.recipient });
    const sopsFiles = [...before.keys()].filter((p) => p.endsWith(".sops.yaml") && p !== ".sops.yaml");
    expect(sopsFiles.length).toBeGreaterThan(5);
    for (const path of sopsFiles) {
      const old = before.get(path)!.bytes.toString("utf8");
      const now_ = readFileSync(join(sandbox.outDir, ...path.split("/")), "utf8");
      expect(readRecipients(old, "yaml"), path).toContain(revoked.recipient);
      expect(readRecipients(now_, "yaml"), path).not.toContain(revoked.recipient);
      expect(await spliceAttack(now_, old, revoked), path).toBeUndefined();
    }
  });
});

describe("pulumi up (EncryptedGitopsTree): a recipient removed", () => {
  const artefacts: Artefact[] = [
    { path: "talos/lab/secrets.sops.yaml", description: "machine secrets", format: "yaml", encryption: {}, content: "cluster:\n  secret: cluster-secret-value\n" },
    {
      path: "clusters/lab/apps/db.sops.yaml",
      description: "a Secret",
      format: "yaml",
      encryption: { encryptedRegex: "^(data|stringData)$" },
      content: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: db-password-value\n",
    },
  ];
  const deps = { progress: (): void => undefined };
  const inputs = (recipients: string[], identities: string[]) => encryptedGitopsTreeInputs({ artefacts, recipients, identities });

  it("an operator removed from ageRecipients cannot splice its old enc block into any file", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs([keep.recipient, revoked.recipient, cluster.recipient], [cluster.identity]), deps);
    const { outs: next } = await updateEncryptedGitopsTree(outs, inputs([keep.recipient, cluster.recipient], [cluster.identity]), deps);
    for (const a of artefacts) expect(await spliceAttack(next.files[a.path], outs.files[a.path], revoked), a.path).toBeUndefined();
  });

  it("a replaced cluster identity cannot splice its old enc block into any file", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs([keep.recipient, revoked.recipient], [revoked.identity]), deps);
    const { outs: next } = await updateEncryptedGitopsTree(outs, inputs([keep.recipient, cluster.recipient], [cluster.identity, keep.identity]), deps);
    for (const a of artefacts) {
      expect(await decryptText(next.files[a.path], { format: "yaml", identities: [cluster.identity], env: {} }), a.path).toContain("value");
      expect(await spliceAttack(next.files[a.path], outs.files[a.path], revoked), a.path).toBeUndefined();
    }
  });
});
