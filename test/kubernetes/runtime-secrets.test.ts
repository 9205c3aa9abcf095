import { describe, expect, it } from "vitest";
import { ManifestError } from "../../kubernetes";
import {
  clusterSecretStore,
  documentsYaml,
  engineRelease,
  engineValues,
  helmRelease,
  raftConfig,
  runtimeSecretsFiles,
  sealedSecretsRelease,
  type EsoLayer,
  type HelmRelease,
} from "../../kubernetes/runtime-secrets";
import { OPENBAO_CHART } from "../../kubernetes/runtime-secrets/versions";

const layer = (engine: "openbao" | "vault", replicas: number): EsoLayer => ({
  mode: engine === "openbao" ? "openbao-eso" : "vault-eso",
  engine,
  replicas,
  storageSize: "10Gi",
  namespaces: { externalSecrets: "external-secrets", engine },
  chartVersions: { externalSecrets: "0.16.2", engine: "1.0.0" },
});

describe("runtime secrets manifests", () => {
  it("joins every Raft peer over TLS, one retry_join per replica", () => {
    expect(raftConfig(layer("openbao", 1)).match(/retry_join/g)).toHaveLength(1);
    const five = raftConfig(layer("openbao", 5));
    expect(five.match(/retry_join/g)).toHaveLength(5);
    expect(five).toContain('leader_api_addr = "https://openbao-4.openbao-internal:8200"');
    expect(five).toContain('leader_ca_cert_file = "/openbao/userconfig/openbao-server-tls/ca.crt"');
  });

  it("uses Vault's paths and variable names for vault-eso", () => {
    const values = engineValues(layer("vault", 3)) as { server: { extraEnvironmentVars: Record<string, string>; ha: { raft: { config: string } } } };
    expect(values.server.extraEnvironmentVars).toEqual({ VAULT_CACERT: "/vault/userconfig/vault-server-tls/ca.crt" });
    expect(values.server.ha.raft.config).toContain('path = "/vault/data"');
    expect(engineRelease(layer("vault", 3)).spec.chart.spec.sourceRef).toEqual({ kind: "HelmRepository", name: "hashicorp", namespace: "flux-system" });
    expect(clusterSecretStore(layer("vault", 3)).spec.provider.vault.caProvider).toEqual({ type: "Secret", name: "vault-server-tls", namespace: "vault", key: "ca.crt" });
  });

  it("passes the storage class only when one is configured", () => {
    const without = engineValues(layer("openbao", 1)) as { server: { dataStorage: Record<string, unknown> } };
    expect(without.server.dataStorage).toEqual({ enabled: true, size: "10Gi" });
    const withClass = engineValues({ ...layer("openbao", 1), storageClass: "fast" }) as { server: { dataStorage: Record<string, unknown> } };
    expect(withClass.server.dataStorage).toEqual({ enabled: true, size: "10Gi", storageClass: "fast" });
  });

  it("refuses a misplaced field before writing, naming its path (strict schemas)", () => {
    const release = helmRelease({ name: "x", namespace: "x", source: OPENBAO_CHART, version: "1.0.0", values: {} });
    const misplaced = { ...release, spec: { ...release.spec, targetNamespaces: "x" } } as unknown as HelmRelease;
    expect(() => documentsYaml([misplaced])).toThrow(ManifestError);
    expect(() => documentsYaml([misplaced])).toThrow(/HelmRelease "x" is invalid: spec: Unrecognized key: "targetNamespaces"/);
  });

  it("writes plain YAML: no anchors or aliases", () => {
    for (const file of runtimeSecretsFiles("lab", layer("openbao", 3))) expect(file.content, file.path).not.toMatch(/[&*]a\d+\b/);
  });

  it("names the sealed-secrets release as kubeseal expects and renders no store for it", () => {
    expect(sealedSecretsRelease({ mode: "sealed-secrets", namespace: "sealed-secrets", chartVersion: "2.17.2" }).metadata.name).toBe("sealed-secrets-controller");
    const paths = runtimeSecretsFiles("lab", { mode: "sealed-secrets", namespace: "sealed-secrets", chartVersion: "2.17.2" }).map((f) => f.path);
    expect(paths.some((p) => p.includes("/store/"))).toBe(false);
    expect(runtimeSecretsFiles("lab", { mode: "none" })).toEqual([]);
  });
});
