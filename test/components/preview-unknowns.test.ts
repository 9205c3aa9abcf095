import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { moduleBackedProvider } from "../../components/dynamic/serializable-provider";

// What the engine passes for a value that is not known yet during `pulumi preview`.
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DYNAMIC = join(__dirname, "../../components/dynamic");

const providers: Array<[string, string, Record<string, unknown>]> = [
  ["machine-secrets-provider", "machineSecretsProvider", { talosVersion: "v1.11.5", clusterName: "homelab", endpoints: ["192.168.10.11"], nodes: ["192.168.10.11"], importFrom: "gitops/talos/homelab/secrets.sops.yaml", sopsAgeIdentities: UNKNOWN }],
  ["config-apply-provider", "configApplyProvider", { node: "192.168.10.11", config: UNKNOWN, talosconfig: UNKNOWN }],
  ["bootstrap-provider", "bootstrapProvider", { node: UNKNOWN, configHash: UNKNOWN, talosconfig: UNKNOWN }],
  ["cluster-health-provider", "clusterHealthProvider", { controlPlanes: [{ name: "cp-1", address: "192.168.10.11" }], workers: [], talosconfig: UNKNOWN, kubeconfig: UNKNOWN }],
  ["admin-kubeconfig-provider", "adminKubeconfigProvider", { secretsYaml: UNKNOWN, clusterName: "homelab", endpoint: "https://192.168.10.10:6443" }],
  ["encrypted-gitops-tree-provider", "encryptedGitopsTreeProvider", { artefacts: UNKNOWN, recipients: [UNKNOWN], identities: UNKNOWN }],
];

describe("dynamic providers during pulumi preview (inputs not known yet)", () => {
  it.each(providers)("%s: check accepts unknown inputs and diff reports a pending change", async (file, exportName, news) => {
    const provider = moduleBackedProvider(join(DYNAMIC, file), exportName);
    const checked = await provider.check?.({}, news);
    expect(checked).toEqual({ inputs: news });
    const diff = await provider.diff?.("id", { ...news, configHash: "abc", kubeconfig: "old", files: {} }, news);
    expect(diff?.changes).toBe(true);
    expect(diff?.replaces ?? []).toEqual([]);
  });

  it("known inputs are still validated by check", async () => {
    const provider = moduleBackedProvider(join(DYNAMIC, "machine-secrets-provider"), "machineSecretsProvider");
    await expect(provider.check?.({}, { talosVersion: "v1.9.0", clusterName: "homelab" })).rejects.toThrow(/v1\.9\.0/);
  });
});
