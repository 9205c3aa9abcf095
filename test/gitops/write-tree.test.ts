import { promises as fsp, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Artefact } from "../../gitops/artefact";
import { KUBERNETES_FILE_RULES, TALOS_FILE_RULES } from "../../gitops/tree-layout";
import { writeTree } from "../../gitops/write-tree";
import { decryptText, readRecipients } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { makeSandbox, snapshot, type Sandbox } from "./sandbox";

const SECRET = "s3cr3t-value-that-must-never-be-on-disk";

function artefacts(secret = SECRET): Artefact[] {
  return [
    { path: "talos/c/secret.sops.yaml", description: "whole-file secret", content: `token: ${secret}\nnested:\n    key: ${secret}-2\n`, format: "yaml", encryption: TALOS_FILE_RULES },
    {
      path: "clusters/c/flux-system/s.sops.yaml",
      description: "k8s secret",
      content: `apiVersion: v1\nkind: Secret\nmetadata:\n    name: s\ndata:\n    v: ${Buffer.from(secret).toString("base64")}\n`,
      format: "yaml",
      encryption: KUBERNETES_FILE_RULES,
    },
    { path: "plain.txt", description: "plain", content: "nothing secret\n", format: "binary" },
  ];
}

let alice: { identity: string; recipient: string };
let bob: { identity: string; recipient: string };
let sandbox: Sandbox;

beforeAll(async () => {
  alice = await generateAgeIdentity();
  bob = await generateAgeIdentity();
});
afterEach(() => {
  vi.restoreAllMocks();
  sandbox?.cleanup();
});

function noTempFiles(dir: string): void {
  const names = readdirSync(dir, { recursive: true }).map(String);
  expect(names.filter((n) => n.endsWith(".tmp"))).toEqual([]);
}

function noPlaintext(dir: string): void {
  for (const [path, file] of snapshot(dir)) {
    expect(file.bytes.toString("utf8"), path).not.toContain(SECRET);
  }
}

describe("writeTree", () => {
  it("creates encrypted files with mode 0600, then leaves every byte alone on an identical second run", async () => {
    sandbox = makeSandbox();
    const opts = { recipients: [alice.recipient], identities: [alice.identity] };
    const first = await writeTree(sandbox.outDir, artefacts(), opts);
    expect(first.map((f) => f.status)).toEqual(["created", "created", "created"]);
    const before = snapshot(sandbox.outDir);
    for (const [path, file] of before) expect(file.mode, path).toBe(0o600);
    noPlaintext(sandbox.outDir);

    const enc = readFileSync(join(sandbox.outDir, "talos/c/secret.sops.yaml"), "utf8");
    expect(await decryptText(enc, { format: "yaml", identities: [alice.identity], env: {} })).toContain(SECRET);
    const k8s = readFileSync(join(sandbox.outDir, "clusters/c/flux-system/s.sops.yaml"), "utf8");
    expect(k8s).toContain("kind: Secret");
    expect(k8s).toMatch(/v: ENC\[AES256_GCM,/);
    expect(k8s).toContain("encrypted_regex: ^(data|stringData)$");

    const second = await writeTree(sandbox.outDir, artefacts(), opts);
    expect(second.map((f) => f.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("rewrites a file only when its content or its recipients change", async () => {
    sandbox = makeSandbox();
    await writeTree(sandbox.outDir, artefacts(), { recipients: [alice.recipient], identities: [alice.identity] });
    const changed = artefacts();
    changed[0] = { ...changed[0], content: `${changed[0].content}extra: value\n` };
    const statuses = (await writeTree(sandbox.outDir, changed, { recipients: [alice.recipient], identities: [alice.identity] })).map((f) => f.status);
    expect(statuses).toEqual(["updated", "unchanged", "unchanged"]);

    const rekeyed = await writeTree(sandbox.outDir, changed, { recipients: [alice.recipient, bob.recipient], identities: [alice.identity] });
    expect(rekeyed.map((f) => f.status)).toEqual(["updated", "updated", "unchanged"]);
    const enc = readFileSync(join(sandbox.outDir, "talos/c/secret.sops.yaml"), "utf8");
    expect(readRecipients(enc, "yaml").sort()).toEqual([alice.recipient, bob.recipient].sort());
    expect(await decryptText(enc, { format: "yaml", identities: [bob.identity], env: {} })).toContain("extra: value");
  });

  it("restores mode 0600 on an unchanged file whose mode was loosened", async () => {
    sandbox = makeSandbox();
    await writeTree(sandbox.outDir, artefacts(), { recipients: [alice.recipient], identities: [alice.identity] });
    const path = join(sandbox.outDir, "plain.txt");
    await fsp.chmod(path, 0o644);
    await writeTree(sandbox.outDir, artefacts(), { recipients: [alice.recipient], identities: [alice.identity] });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("leaves no half-written, temp or plaintext file when the write fails between the temp write and the rename", async () => {
    sandbox = makeSandbox();
    const opts = { recipients: [alice.recipient], identities: [alice.identity] };
    const rename = vi.spyOn(fsp, "rename").mockRejectedValueOnce(Object.assign(new Error("simulated crash before rename"), { code: "EIO" }));
    await expect(writeTree(sandbox.outDir, artefacts(), opts)).rejects.toThrow(/simulated crash/);
    expect(rename).toHaveBeenCalledTimes(1);
    noTempFiles(sandbox.outDir);
    noPlaintext(sandbox.outDir);
    expect(snapshot(sandbox.outDir).size).toBe(0);

    await writeTree(sandbox.outDir, artefacts(), opts);
    const before = snapshot(sandbox.outDir);
    const changed = artefacts("another-secret-that-must-not-leak");
    vi.spyOn(fsp, "rename").mockRejectedValueOnce(new Error("simulated crash before rename"));
    await expect(writeTree(sandbox.outDir, changed, opts)).rejects.toThrow(/simulated crash/);
    noTempFiles(sandbox.outDir);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("refuses to replace an existing encrypted file it cannot decrypt, naming the file and its recipients", async () => {
    sandbox = makeSandbox();
    await writeTree(sandbox.outDir, artefacts(), { recipients: [alice.recipient], identities: [alice.identity] });
    await expect(writeTree(sandbox.outDir, artefacts(), { recipients: [bob.recipient], identities: [bob.identity] })).rejects.toThrow(
      new RegExp(`talos/c/secret\\.sops\\.yaml.*${alice.recipient}`),
    );
  });

  it("reports a corrupted existing file by name instead of overwriting it", async () => {
    sandbox = makeSandbox();
    await writeTree(sandbox.outDir, artefacts(), { recipients: [alice.recipient], identities: [alice.identity] });
    const path = join(sandbox.outDir, "talos/c/secret.sops.yaml");
    writeFileSync(path, readFileSync(path, "utf8").replace(/mac: ENC\[AES256_GCM,data:[^,]+/, "mac: ENC[AES256_GCM,data:AAAA"));
    const corrupted = readFileSync(path);
    await expect(writeTree(sandbox.outDir, artefacts(), { recipients: [alice.recipient], identities: [alice.identity] })).rejects.toThrow(/talos\/c\/secret\.sops\.yaml/);
    expect(readFileSync(path)).toEqual(corrupted);
  });
});
