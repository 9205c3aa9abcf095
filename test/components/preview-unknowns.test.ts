import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { configHash } from "../../components/dynamic/config-apply-logic";
import { moduleBackedProvider } from "../../components/dynamic/serializable-provider";

// What the engine passes for a value that is not known yet during `pulumi preview`.
const UNKNOWN = pulumi.runtime.unknownValue;
const DYNAMIC = join(__dirname, "../../components/dynamic");

const providers: Array<[string, string, Record<string, unknown>]> = [
  ["admin-talosconfig-provider", "adminTalosconfigProvider", { secretsYaml: UNKNOWN, clusterName: "homelab", endpoints: ["192.168.10.11"], nodes: [] }],
  ["config-apply-provider", "configApplyProvider", { node: "192.168.10.11", config: UNKNOWN, talosconfig: UNKNOWN }],
  ["cluster-health-provider", "clusterHealthProvider", { controlPlanes: [{ name: "cp-1", address: "192.168.10.11" }], workers: [{ name: "w-1", address: UNKNOWN }], talosconfig: UNKNOWN, kubeconfig: UNKNOWN }],
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

  const CONFIG = "version: v1alpha1\nmachine:\n  type: controlplane\n";
  const applied = async (config: string) => {
    return { node: "192.168.10.11", machineId: "1101", configHash: configHash(config), path: "configured", mode: "AUTO", warnings: [] };
  };
  const unknownCredentials: Array<[string, string, Record<string, unknown>, () => Promise<Record<string, unknown>>]> = [
    ["config-apply-provider", "configApplyProvider", { node: "192.168.10.11", machineId: "1101", config: CONFIG, talosconfig: UNKNOWN }, () => applied(CONFIG)],
    ["bootstrap-provider", "bootstrapProvider", { node: UNKNOWN, configHash: UNKNOWN, talosconfig: UNKNOWN }, async () => ({ node: "192.168.10.11", outcome: "bootstrapped" })],
    [
      "machine-secrets-provider",
      "machineSecretsProvider",
      { talosVersion: "v1.11.5", importFrom: "gitops/talos/homelab/secrets.sops.yaml", sopsAgeIdentities: UNKNOWN },
      async () => ({ talosVersion: "v1.11.5", secretsYaml: "cluster: {}\n", origin: "generated" }),
    ],
    [
      "cluster-health-provider",
      "clusterHealthProvider",
      { controlPlanes: [{ name: "cp-1", address: "192.168.10.11" }], workers: [], talosconfig: UNKNOWN, kubeconfig: UNKNOWN },
      async () => ({ controlPlanes: [{ name: "cp-1", address: "192.168.10.11" }], workers: [], healthyAt: "2026-11-24T00:00:00Z" }),
    ],
  ];

  it.each(unknownCredentials)("%s: inputs its diff ignores (a talosconfig/kubeconfig renewal) are no pending change when unknown", async (file, exportName, news, olds) => {
    const provider = moduleBackedProvider(join(DYNAMIC, file), exportName);
    expect(await provider.diff?.("id", await olds(), news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("an apply whose config is not known yet still shows as a pending change", async () => {
    const provider = moduleBackedProvider(join(DYNAMIC, "config-apply-provider"), "configApplyProvider");
    const news = { node: "192.168.10.11", machineId: "1101", config: UNKNOWN, talosconfig: UNKNOWN };
    expect((await provider.diff?.("id", await applied(CONFIG), news))?.changes).toBe(true);
    const replaced = { node: "192.168.10.11", machineId: UNKNOWN, config: CONFIG, talosconfig: "known" };
    expect((await provider.diff?.("id", await applied(CONFIG), replaced))?.changes).toBe(true);
  });

  it("known inputs are still validated by check", async () => {
    const provider = moduleBackedProvider(join(DYNAMIC, "machine-secrets-provider"), "machineSecretsProvider");
    await expect(provider.check?.({}, { talosVersion: "v1.9.0" })).rejects.toThrow(/v1\.9\.0/);
  });
});
