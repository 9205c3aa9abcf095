/** render: recipients by need, the operator-recipient requirement, and several clusters sharing one `.sops.yaml`. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { checkGitopsTree } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { decryptText, readRecipients } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { makeSandbox, type Sandbox } from "./sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
let sandbox: Sandbox | undefined;
afterEach(() => sandbox?.cleanup());

function render(s: Sandbox, opts: { env?: NodeJS.ProcessEnv; recipients?: string; stackFile?: string } = {}) {
  const lines: string[] = [];
  const run = renderGitopsTree({
    stackFile: opts.stackFile ?? s.stackFile,
    env: { ...s.env, ...opts.env },
    now: NOW,
    log: (line) => lines.push(line),
    ...(opts.recipients !== undefined ? { recipients: opts.recipients } : {}),
  });
  return { lines, run };
}

describe("render: operator recipients", () => {
  it("refuses --age or ageRecipients naming only the cluster identity, with the fix, before writing anything", async () => {
    const cluster = await generateAgeIdentity();
    sandbox = makeSandbox();
    const env = { TALOS_HOMELAB_AGE_IDENTITY: cluster.identity };
    await expect(render(sandbox, { env, recipients: cluster.recipient }).run).rejects.toThrow(
      /^render: no operator recipient: the only recipient from --age is the cluster identity's own .*talos-homelab age keygen.*talos-homelab:ageRecipients.*allowClusterIdentityOnly/,
    );
    expect(existsSync(sandbox.outDir)).toBe(false);
    sandbox.cleanup();
    sandbox = makeSandbox((c) => (c["talos-homelab:ageRecipients"] = [cluster.recipient]));
    await expect(render(sandbox, { env }).run).rejects.toThrow(/the only recipient from config ageRecipients is the cluster identity's own/);
    expect(existsSync(sandbox.outDir)).toBe(false);
  });

  it("with allowClusterIdentityOnly, encrypts every file to the cluster identity alone and says so", async () => {
    const cluster = await generateAgeIdentity();
    sandbox = makeSandbox((c) => {
      c["talos-homelab:ageRecipients"] = [cluster.recipient];
      c["talos-homelab:allowClusterIdentityOnly"] = true;
    });
    const { lines, run } = render(sandbox, { env: { TALOS_HOMELAB_AGE_IDENTITY: cluster.identity } });
    await run;
    expect(lines.join("\n")).toMatch(/EVERY file, talos\/ included, is encrypted to the cluster identity alone/);
    const secrets = readFileSync(join(sandbox.outDir, "talos/homelab/secrets.sops.yaml"), "utf8");
    expect(readRecipients(secrets, "yaml")).toEqual([cluster.recipient]);
    expect(await decryptText(secrets, { format: "yaml", identities: [cluster.identity], env: {} })).toContain("cluster:");
  });
});

describe("render: two clusters in one repository", () => {
  it("keeps both clusters' blocks, a hand-written rule and its comments; each cluster's files get its rule and pass check", async () => {
    sandbox = makeSandbox();
    const operator = await generateAgeIdentity();
    const env = { SOPS_AGE_KEY: operator.identity, SOPS_AGE_RECIPIENTS: operator.recipient };
    await render(sandbox, { env }).run;

    const sopsYaml = join(sandbox.outDir, ".sops.yaml");
    const handWritten = `# Team rules: keep this comment.\n  - path_regex: ^apps/.*\\.sops\\.yaml$ # the apps' own key\n    age: ${operator.recipient}\n`;
    const first = readFileSync(sopsYaml, "utf8");
    writeFileSync(sopsYaml, `# Repository-wide sops rules, written by hand.\n${first}${handWritten.replace(/^/, "  ")}`);
    const edited = readFileSync(sopsYaml, "utf8");

    const other = join(sandbox.root, "Pulumi.other.yaml");
    const doc = parse(readFileSync(sandbox.stackFile, "utf8")) as { config: Record<string, unknown> };
    for (const key of ["talos-homelab:clusterAgeRecipient", "talos-homelab:machineSecretsFingerprint"]) delete doc.config[key];
    doc.config["talos-homelab:clusterName"] = "other";
    writeFileSync(other, stringify(doc));
    await render(sandbox, { env, stackFile: other }).run;

    const both = readFileSync(sopsYaml, "utf8");
    expect(both.startsWith(edited.slice(0, edited.indexOf("  # BEGIN")))).toBe(true);
    expect(both).toContain(handWritten.replace(/^/, "  "));
    expect(both).toContain("# BEGIN talos-homelab cluster homelab\n");
    expect(both).toContain("# BEGIN talos-homelab cluster other\n");
    // a second render of the first cluster changes nothing in the shared file
    await render(sandbox, { env }).run;
    expect(readFileSync(sopsYaml, "utf8")).toBe(both);
    const report = await checkGitopsTree(sandbox.outDir, { env: { ...sandbox.env, SOPS_AGE_KEY: operator.identity } });
    expect(report.findings).toEqual([]);
    expect(existsSync(join(sandbox.outDir, "talos/other/secrets.sops.yaml"))).toBe(true);
  });
});
