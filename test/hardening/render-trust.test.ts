/**
 * Issue 16 items 1 and 7: what `render` trusts in an existing tree. Reuse is anchored to pins in the stack file
 * (the cluster recipient and a fingerprint of the machine secrets, written by the first render); a tree file forged
 * with the public recipients, or a missing one in a tree of an existing cluster, is refused with a way to recover.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { treePaths, TALOS_FILE_RULES, KUBERNETES_FILE_RULES } from "../../gitops/tree-layout";
import { sopsAgeSecret } from "../../kubernetes";
import { encryptText, readRecipients } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { serializeSecretsYaml } from "../../talos/secrets-yaml";
import { contractFor } from "../../talos/contract";
import { makeSandbox, snapshot, type Sandbox } from "../gitops/sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
let sandbox: Sandbox | undefined;
afterEach(() => sandbox?.cleanup());

async function render(s: Sandbox, extra: { newCluster?: boolean; adoptTree?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  return renderGitopsTree({ stackFile: s.stackFile, env: { ...s.env, ...extra.env }, now: NOW, log: () => undefined, ...(extra.newCluster ? { newCluster: true } : {}), ...(extra.adoptTree ? { adoptTree: true } : {}) });
}

function stackConfig(s: Sandbox): Record<string, unknown> {
  return (parse(readFileSync(s.stackFile, "utf8")) as { config: Record<string, unknown> }).config;
}

/** The operator's recipient (the sandbox's default identity) as an attacker reads it from .sops.yaml. */
function publicRecipients(s: Sandbox): string[] {
  return readRecipients(readFileSync(join(s.outDir, treePaths.secrets("homelab"))), "yaml");
}

describe("render pins what it generates and refuses forged tree files", () => {
  it("the first render writes the pins into the stack file, keeping its comments", async () => {
    sandbox = makeSandbox();
    writeFileSync(sandbox.stackFile, `# my stack\n${readFileSync(sandbox.stackFile, "utf8")}`);
    const result = await render(sandbox);
    const config = stackConfig(sandbox);
    expect(config["talos-homelab:clusterAgeRecipient"]).toBe(result.clusterRecipient);
    expect(config["talos-homelab:machineSecretsFingerprint"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(readFileSync(sandbox.stackFile, "utf8")).toMatch(/^# my stack/);
    const before = snapshot(sandbox.outDir);
    await render(sandbox);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("a sops-age Secret forged with the operator's recipient plus an attacker's is refused", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const attacker = await generateAgeIdentity();
    const path = treePaths.sopsAgeSecret("homelab");
    const forged = await encryptText(stringify(sopsAgeSecret(attacker.identity)), {
      format: "yaml",
      recipients: [...publicRecipients(sandbox), attacker.recipient],
      rules: KUBERNETES_FILE_RULES,
    });
    writeFileSync(join(sandbox.outDir, path), forged);
    const before = snapshot(sandbox.outDir);
    await expect(render(sandbox)).rejects.toThrow(/clusters\/homelab\/flux-system\/sops-age\.sops\.yaml holds the cluster identity of age1\w+, but the stack pins talos-homelab:clusterAgeRecipient age1\w+.*restore it/);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("a secrets.sops.yaml forged with an attacker's CA is refused", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const bundle = await generateSecretsBundle(contractFor("v1.11.5"), NOW);
    const path = treePaths.secrets("homelab");
    writeFileSync(join(sandbox.outDir, path), await encryptText(serializeSecretsYaml(bundle), { format: "yaml", recipients: publicRecipients(sandbox), rules: TALOS_FILE_RULES }));
    const before = snapshot(sandbox.outDir);
    await expect(render(sandbox)).rejects.toThrow(/talos\/homelab\/secrets\.sops\.yaml holds machine secrets with fingerprint sha256:\w+, but the stack pins talos-homelab:machineSecretsFingerprint sha256:\w+/);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("a tree whose reuse is not pinned is refused with the values to pin; --adopt-tree adopts and pins them", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const config = stackConfig(sandbox);
    const recipient = config["talos-homelab:clusterAgeRecipient"] as string;
    delete config["talos-homelab:clusterAgeRecipient"];
    delete config["talos-homelab:machineSecretsFingerprint"];
    writeFileSync(sandbox.stackFile, stringify({ config }));
    await expect(render(sandbox)).rejects.toThrow(new RegExp(`not pinned.*talos-homelab:clusterAgeRecipient: ${recipient}.*--adopt-tree`, "s"));
    await render(sandbox, { adoptTree: true });
    expect(stackConfig(sandbox)["talos-homelab:clusterAgeRecipient"]).toBe(recipient);
  });

  it("check does not advise adding a forged sops-age recipient to .sops.yaml", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const attacker = await generateAgeIdentity();
    const path = treePaths.sopsAgeSecret("homelab");
    writeFileSync(join(sandbox.outDir, path), await encryptText(stringify(sopsAgeSecret(attacker.identity)), { format: "yaml", recipients: publicRecipients(sandbox), rules: KUBERNETES_FILE_RULES }));
    const report = await checkGitopsTree(sandbox.outDir, { env: sandbox.env });
    const problems = report.findings.filter((f) => f.file === path).map((f) => f.problem).join("\n");
    expect(problems).toMatch(/holds the identity of age1\w+, which is not a recipient/);
    expect(problems).not.toMatch(/add it to \.sops\.yaml/);
    expect(problems).toMatch(/replaced|restore it from Git/);
  });
});

describe("check names recipients outside the rules", () => {
  it("a file also encrypted to an attacker's recipient is reported, with restoring as the fix", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const attacker = await generateAgeIdentity();
    const path = treePaths.secrets("homelab");
    const bundle = await generateSecretsBundle(contractFor("v1.11.5"), NOW);
    writeFileSync(join(sandbox.outDir, path), await encryptText(serializeSecretsYaml(bundle), { format: "yaml", recipients: [...publicRecipients(sandbox), attacker.recipient], rules: TALOS_FILE_RULES }));
    const report = await checkGitopsTree(sandbox.outDir, { env: sandbox.env });
    const problems = report.findings.filter((f) => f.file === path).map((f) => f.problem).join("\n");
    expect(problems).toContain(`is also encrypted to ${attacker.recipient}`);
    expect(problems).toMatch(/restore it from Git history/);
  });
});

describe("render refuses to silently regenerate a missing secrets file (item 7)", () => {
  it.each([["secrets.sops.yaml", treePaths.secrets("homelab")], ["sops-age.sops.yaml", treePaths.sopsAgeSecret("homelab")]])("%s missing: refused with recovery steps; --new-cluster starts over", async (_name, path) => {
    sandbox = makeSandbox();
    const first = await render(sandbox);
    rmSync(join(sandbox.outDir, path));
    const before = snapshot(sandbox.outDir);
    await expect(render(sandbox)).rejects.toThrow(/is missing.*(git checkout|Git history).*--new-cluster/s);
    expect(snapshot(sandbox.outDir)).toEqual(before);
    const fresh = await render(sandbox, { newCluster: true });
    if (path.endsWith("sops-age.sops.yaml")) expect(fresh.clusterRecipient).not.toBe(first.clusterRecipient);
    else expect(fresh.machineSecrets).toBe("generated");
    expect(stackConfig(sandbox)["talos-homelab:clusterAgeRecipient"]).toBe(fresh.clusterRecipient);
  });

  it("a tree holding machine configs but no pins and no secrets is refused too", async () => {
    sandbox = makeSandbox();
    await render(sandbox);
    const config = stackConfig(sandbox);
    delete config["talos-homelab:clusterAgeRecipient"];
    delete config["talos-homelab:machineSecretsFingerprint"];
    writeFileSync(sandbox.stackFile, stringify({ config }));
    rmSync(join(sandbox.outDir, treePaths.secrets("homelab")));
    await expect(render(sandbox)).rejects.toThrow(/secrets\.sops\.yaml is missing.*machine configs/s);
  });
});
