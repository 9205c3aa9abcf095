import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { buildArtefacts, gitCredentialsFor, type TreeInputs } from "../../gitops/artefacts";
import { findPlaintextSecrets } from "../../gitops/secret-patterns";
import { generateAgeIdentity } from "../../sops/age-identities";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { exampleConfig } from "./sandbox";

let inputs: TreeInputs;

beforeAll(async () => {
  const config = exampleConfig();
  const cluster = await generateAgeIdentity();
  const operator = await generateAgeIdentity();
  inputs = {
    config,
    bundle: await generateSecretsBundle(config.contract, new Date("2025-06-01T00:00:00Z")),
    talosconfig: "context: homelab\n",
    kubeconfig: "apiVersion: v1\nkind: Config\n",
    clusterIdentity: cluster.identity,
    clusterRecipient: cluster.recipient,
    operatorRecipients: [operator.recipient],
  };
}, 120_000);

describe("buildArtefacts", () => {
  it("lists the whole tree in a stable order, talos files encrypted whole, Secrets on data|stringData, the rest plain", () => {
    const { artefacts } = buildArtefacts(inputs);
    expect(artefacts.map((a) => [a.path, a.encryption === undefined ? "plain" : (a.encryption.encryptedRegex ?? "whole file")])).toEqual([
      [".sops.yaml", "plain"],
      [".gitignore", "plain"],
      ["talos/homelab/secrets.sops.yaml", "whole file"],
      ["talos/homelab/cp-1.sops.yaml", "whole file"],
      ["talos/homelab/cp-2.sops.yaml", "whole file"],
      ["talos/homelab/cp-3.sops.yaml", "whole file"],
      ["talos/homelab/worker-1.sops.yaml", "whole file"],
      ["talos/homelab/worker-2.sops.yaml", "whole file"],
      ["talos/homelab/talosconfig.sops.yaml", "whole file"],
      ["talos/homelab/kubeconfig.sops.yaml", "whole file"],
      ["clusters/homelab/flux-system/sops-age.sops.yaml", "^(data|stringData)$"],
      ["clusters/homelab/flux-system/flux-instance.yaml", "plain"],
      [".pre-commit-config.yaml", "plain"],
      [".github/workflows/talos-homelab-check.yaml", "plain"],
    ]);
    expect(buildArtefacts(inputs).artefacts).toEqual(artefacts);
  });

  it("puts secrets only in encrypted artefacts", () => {
    const { artefacts } = buildArtefacts(inputs);
    for (const a of artefacts.filter((x) => x.encryption === undefined)) {
      expect(findPlaintextSecrets(a.content), a.path).toEqual([]);
      expect(a.content, a.path).not.toContain(inputs.clusterIdentity);
    }
    const cp1 = artefacts.find((a) => a.path === "talos/homelab/cp-1.sops.yaml")!;
    expect(findPlaintextSecrets(cp1.content).length).toBeGreaterThan(0);
    const secrets = artefacts.find((a) => a.path === "talos/homelab/secrets.sops.yaml")!;
    expect(parseSecretsYaml(secrets.content)).toEqual(inputs.bundle);
  });

  it("finds the Talos 1.14 secretbox key and cluster secret in a plaintext config (KubeEtcdEncryptionConfig, DiscoveryIdentityConfig)", () => {
    const key = "45yd2Ke+sytiICojDf8aibTfgt99nzJmO53cjDqrCto=";
    const etcd = `kind: KubeEtcdEncryptionConfig\nconfig:\n    resources:\n        - providers:\n            - secretbox:\n                keys:\n                    - name: key2\n                      secret: ${key}\n`;
    const identity = `kind: DiscoveryIdentityConfig\nclusterID: 0raF93qnkMvF-FZNuvyGozXNdLiT2FOWSlyBaW4PR-w=\nclusterSecret: ${key}\n`;
    expect(findPlaintextSecrets(etcd)).toMatchObject([{ line: 8, what: "a 32-byte secret (secrets encryption key or cluster discovery secret)" }]);
    expect(findPlaintextSecrets(identity).map((m) => m.line)).toEqual([3]);
    expect(findPlaintextSecrets("secret: not-a-key\nname: key2\n")).toEqual([]);
  });

  it("stores the cluster identity in the sops-age Secret and lists every recipient in .sops.yaml", () => {
    const { artefacts } = buildArtefacts(inputs);
    const secret = parse(artefacts.find((a) => a.path.endsWith("sops-age.sops.yaml"))!.content) as { data: Record<string, string> };
    expect(Buffer.from(secret.data["age.agekey"], "base64").toString()).toBe(`${inputs.clusterIdentity}\n`);
    const sopsYaml = artefacts.find((a) => a.path === ".sops.yaml")!.content;
    expect(sopsYaml).toContain(`${inputs.operatorRecipients[0]},${inputs.clusterRecipient}`);
  });

  it("adds the Git credentials Secret (and the FluxInstance pullSecret) only when credentials are given", () => {
    const credentials = gitCredentialsFor(inputs.config, { gitToken: "tok" });
    expect(credentials).toEqual({ transport: "https", username: "git", password: "tok" });
    expect(gitCredentialsFor(inputs.config, {})).toBeUndefined();
    const { artefacts } = buildArtefacts({ ...inputs, gitCredentials: credentials });
    const git = artefacts.find((a) => a.path === "clusters/homelab/flux-system/git-credentials.sops.yaml");
    expect(git?.encryption?.encryptedRegex).toBe("^(data|stringData)$");
    expect(artefacts.find((a) => a.path.endsWith("flux-instance.yaml"))!.content).toContain("pullSecret: flux-system");
    expect(buildArtefacts(inputs).artefacts.find((a) => a.path.endsWith("flux-instance.yaml"))!.content).not.toContain("pullSecret");
  });
});
