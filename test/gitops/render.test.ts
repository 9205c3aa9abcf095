import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { findPlaintextSecrets } from "../../gitops/secret-patterns";
import { decryptText, encryptBytes, readRecipients } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { storeFor } from "../../sops/stores";
import { makeSandbox, snapshot, type Sandbox } from "./sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
const EXPECTED_FILES = [
  ".github/workflows/talos-homelab-check.yaml",
  ".gitignore",
  ".pre-commit-config.yaml",
  ".sops.yaml",
  "clusters/homelab/apps.yaml",
  "clusters/homelab/apps/kustomization.yaml",
  "clusters/homelab/apps/sops-canary-apps.sops.yaml",
  "clusters/homelab/flux-system/flux-instance.yaml",
  "clusters/homelab/flux-system/kustomization.yaml",
  "clusters/homelab/flux-system/sops-age.sops.yaml",
  "clusters/homelab/infrastructure.yaml",
  "clusters/homelab/infrastructure/kustomization.yaml",
  "clusters/homelab/infrastructure/sops-canary-infrastructure.sops.yaml",
  "clusters/homelab/kustomization.yaml",
  "talos/homelab/cp-1.sops.yaml",
  "talos/homelab/cp-2.sops.yaml",
  "talos/homelab/cp-3.sops.yaml",
  "talos/homelab/kubeconfig.sops.yaml",
  "talos/homelab/secrets.sops.yaml",
  "talos/homelab/talosconfig.sops.yaml",
  "talos/homelab/worker-1.sops.yaml",
  "talos/homelab/worker-2.sops.yaml",
];

let sandbox: Sandbox | undefined;
afterEach(() => sandbox?.cleanup());

async function render(s: Sandbox, extra: { recipients?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ lines: string[]; result: Awaited<ReturnType<typeof renderGitopsTree>> }> {
  const lines: string[] = [];
  const result = await renderGitopsTree({
    stackFile: s.stackFile,
    env: { ...s.env, ...extra.env },
    now: NOW,
    log: (line) => lines.push(line),
    ...(extra.recipients !== undefined ? { recipients: extra.recipients } : {}),
  });
  return { lines, result };
}

describe("renderGitopsTree", () => {
  it("with TPM encryption off, warns once, naming the user's key security.tpmDiskEncryption", async () => {
    sandbox = makeSandbox((c) => {
      c["talos-homelab:security"] = { secureBoot: false, tpmDiskEncryption: false };
    });
    const { lines, result } = await render(sandbox);
    const warnings = lines.filter((l) => l.startsWith("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/security\.tpmDiskEncryption is off: .*nodeID/);
    expect(lines.join("\n")).not.toMatch(/diskEncryption: "tpm"/);
    expect(result.warnings).toEqual([warnings[0]?.replace(/^warning: /, "")]);
  });

  it("renders the example stack into the stack's outputDir as sops files (0600), creating and announcing the default identity", async () => {
    sandbox = makeSandbox();
    const { lines, result } = await render(sandbox);
    expect(result.outDir).toBe(sandbox.outDir);
    const files = snapshot(sandbox.outDir);
    expect([...files.keys()].sort()).toEqual(EXPECTED_FILES);
    for (const [path, file] of files) expect(file.mode, path).toBe(0o600);

    expect(statSync(sandbox.keysFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(sandbox.keysFile, "..")).mode & 0o777).toBe(0o700);
    const log = lines.join("\n");
    expect(log).toContain(sandbox.keysFile);
    expect(log).toMatch(/BACK IT UP/);
    expect(lines.filter((l) => /^\s+created\s/.test(l))).toHaveLength(EXPECTED_FILES.length);
    expect(log).toMatch(/22 created, 0 updated, 0 unchanged/);
    expect(log).not.toMatch(/AGE-SECRET-KEY-1/);

    const identity = readFileSync(sandbox.keysFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
    for (const path of EXPECTED_FILES.filter((p) => p.endsWith(".sops.yaml") && p !== ".sops.yaml")) {
      const text = files.get(path)!.bytes.toString("utf8");
      expect(() => storeFor("yaml").parseEncrypted(Buffer.from(text)), path).not.toThrow();
      // recipients by need: talos/ to the operator only, clusters/ also to the cluster identity (Flux)
      expect(readRecipients(text, "yaml").sort(), path).toEqual(
        (path.startsWith("talos/") ? [result.recipients.recipients[0]] : [result.recipients.recipients[0], result.clusterRecipient]).sort(),
      );
      expect(findPlaintextSecrets(text).filter((m) => !m.what.includes("Kubernetes Secret")), path).toEqual([]);
      const plain = await decryptText(text, { format: "yaml", identities: [identity], env: {} });
      expect(plain.length, path).toBeGreaterThan(20);
    }
    const cp1 = await decryptText(files.get("talos/homelab/cp-1.sops.yaml")!.bytes, { format: "yaml", identities: [identity], env: {} });
    expect(cp1).toContain("192.168.10.11/24");
    expect(findPlaintextSecrets(cp1).length).toBeGreaterThan(0);

    const report = await checkGitopsTree(sandbox.outDir, { env: sandbox.env });
    expect(report.findings).toEqual([]);
  });

  it("is byte-identical on a second run with the same inputs, reusing the secrets and the cluster identity", async () => {
    sandbox = makeSandbox();
    const first = await render(sandbox);
    const before = snapshot(sandbox.outDir);
    const second = await render(sandbox, { env: {} });
    expect(snapshot(sandbox.outDir)).toEqual(before);
    expect(second.result.machineSecrets).toBe("reused");
    expect(second.result.clusterIdentity).toBe("reused");
    expect(second.result.clusterRecipient).toBe(first.result.clusterRecipient);
    expect(second.result.files.every((f) => f.status === "unchanged")).toBe(true);
    expect(second.lines.join("\n")).toMatch(/No change/);
    expect(second.lines.join("\n")).not.toMatch(/BACK IT UP/);
  });

  it("re-encrypts to --age recipients (plus the cluster under clusters/ only) and keeps the same secrets", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const secretsBefore = await decryptOne(sandbox, "talos/homelab/secrets.sops.yaml");
    const dr = await generateAgeIdentity();
    const { result } = await render(sandbox, { recipients: dr.recipient });
    expect(result.recipients.recipients).toEqual([dr.recipient]);
    const text = readFileSync(join(sandbox.outDir, "talos/homelab/secrets.sops.yaml"), "utf8");
    expect(readRecipients(text, "yaml")).toEqual([dr.recipient]);
    const sopsAge = readFileSync(join(sandbox.outDir, "clusters/homelab/flux-system/sops-age.sops.yaml"), "utf8");
    expect(readRecipients(sopsAge, "yaml").sort()).toEqual([dr.recipient, result.clusterRecipient].sort());
    expect(await decryptText(text, { format: "yaml", identities: [dr.identity], env: {} })).toBe(secretsBefore);
    expect(readFileSync(join(sandbox.outDir, ".sops.yaml"), "utf8")).toContain(dr.recipient);
  });

  it("never regenerates secrets it cannot decrypt: names the file and the identity it needs", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const secrets = readFileSync(join(sandbox.outDir, "talos/homelab/secrets.sops.yaml"));
    rmSync(sandbox.keysFile);
    const other = await generateAgeIdentity();
    // a cluster identity other than the pinned one is refused outright (tree-trust.ts) ...
    await expect(render(sandbox, { env: { TALOS_HOMELAB_AGE_IDENTITY: other.identity } })).rejects.toThrow(/but the stack pins talos-homelab:clusterAgeRecipient/);
    // ... and without that pin, the files it cannot decrypt are named (first the sops-age Secret, whose previous
    // identities it would keep), never regenerated
    writeFileSync(sandbox.stackFile, readFileSync(sandbox.stackFile, "utf8").replace(/^\s*talos-homelab:clusterAgeRecipient:.*\n/m, ""));
    await expect(render(sandbox, { env: { TALOS_HOMELAB_AGE_IDENTITY: other.identity } })).rejects.toThrow(
      /clusters\/homelab\/flux-system\/sops-age\.sops\.yaml exists but cannot be decrypted.*age1/,
    );
    expect(readFileSync(join(sandbox.outDir, "talos/homelab/secrets.sops.yaml"))).toEqual(secrets);
  });

  it("with TALOS_HOMELAB_AGE_IDENTITY, refuses a stored key ring it cannot read instead of dropping the previous identity", async () => {
    sandbox = makeSandbox();
    const cluster = await generateAgeIdentity();
    const env = { TALOS_HOMELAB_AGE_IDENTITY: cluster.identity };
    await render(sandbox, { env });
    const sopsAgePath = join(sandbox.outDir, "clusters/homelab/flux-system/sops-age.sops.yaml");
    const plain = await decryptText(readFileSync(sopsAgePath, "utf8"), { format: "yaml", identities: [cluster.identity], env: {} });
    const broken = plain.replace(/(age\.agekey: )\S+/, `$1${Buffer.from(`${cluster.identity}\nnot-an-age-identity\n`).toString("base64")}`);
    expect(broken).not.toBe(plain);
    writeFileSync(sopsAgePath, await encryptBytes(Buffer.from(broken), { format: "yaml", recipients: [cluster.recipient], env: {} }), { mode: 0o600 });
    const before = snapshot(sandbox.outDir);
    const err = await render(sandbox, { env }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/clusters\/homelab\/flux-system\/sops-age\.sops\.yaml: cannot read the cluster identities it holds/);
    expect(message.toLowerCase()).not.toContain(cluster.identity.toLowerCase().slice("AGE-SECRET-KEY-1".length));
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("takes the cluster identity from TALOS_HOMELAB_AGE_IDENTITY and writes the Git credentials Secret when a token is set", async () => {
    sandbox = makeSandbox();
    const cluster = await generateAgeIdentity();
    const { result } = await render(sandbox, {
      env: { TALOS_HOMELAB_AGE_IDENTITY: cluster.identity, TALOS_HOMELAB_GIT_TOKEN: "ghp_notarealtoken0123456789" },
    });
    expect(result.clusterIdentity).toBe("from TALOS_HOMELAB_AGE_IDENTITY");
    expect(result.clusterRecipient).toBe(cluster.recipient);
    const sopsAge = readFileSync(join(sandbox.outDir, "clusters/homelab/flux-system/sops-age.sops.yaml"), "utf8");
    expect(await decryptText(sopsAge, { format: "yaml", identities: [cluster.identity], env: {} })).toContain("age.agekey");

    const path = "clusters/homelab/flux-system/git-credentials.sops.yaml";
    expect(result.files.map((f) => f.path)).toContain(path);
    const text = readFileSync(join(sandbox.outDir, path), "utf8");
    expect(text).not.toContain("ghp_notarealtoken");
    expect(text).toContain("encrypted_regex: ^(data|stringData)$");
    const plain = await decryptText(text, { format: "yaml", identities: [cluster.identity], env: {} });
    expect(plain).toContain(Buffer.from("ghp_notarealtoken0123456789").toString("base64"));
    expect(readFileSync(join(sandbox.outDir, "clusters/homelab/flux-system/flux-instance.yaml"), "utf8")).toContain("pullSecret");
  });
});

async function decryptOne(s: Sandbox, path: string): Promise<string> {
  const identity = readFileSync(s.keysFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
  return decryptText(readFileSync(join(s.outDir, path)), { format: "yaml", identities: [identity], env: {} });
}
