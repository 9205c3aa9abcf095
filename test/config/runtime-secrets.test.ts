import { describe, expect, it } from "vitest";
import { validateConfig } from "../../config";
import { EXTERNAL_SECRETS_CHART, OPENBAO_CHART, SEALED_SECRETS_CHART, VAULT_CHART } from "../../kubernetes/runtime-secrets";
import { problems, withChange } from "./fixtures";

type Json = Record<string, unknown>;

function withLayer(section: Json, nodeCount?: number): Json {
  return withChange((c) => {
    c.runtimeSecrets = section;
    if (nodeCount !== undefined) c.nodes = c.nodes.filter((n) => n.role === "controlplane").slice(0, nodeCount);
  });
}

describe("runtimeSecrets config", () => {
  it("defaults to none: an omitted section equals an empty one", () => {
    expect(validateConfig(withChange((c) => delete c.runtimeSecrets)).config.runtimeSecrets).toEqual({ mode: "none" });
    expect(validateConfig(withLayer({})).config.runtimeSecrets).toEqual({ mode: "none" });
  });

  it("openbao-eso: 3 Raft peers with 3+ nodes, own namespaces, pinned chart versions", () => {
    expect(validateConfig(withLayer({ mode: "openbao-eso" })).config.runtimeSecrets).toEqual({
      mode: "openbao-eso",
      engine: "openbao",
      replicas: 3,
      storageSize: "10Gi",
      namespaces: { externalSecrets: "external-secrets", engine: "openbao" },
      chartVersions: { externalSecrets: EXTERNAL_SECRETS_CHART.defaultVersion, engine: OPENBAO_CHART.defaultVersion },
    });
  });

  it("vault-eso with one node: a single peer; given values are kept (a leading v dropped)", () => {
    const layer = validateConfig(
      withLayer({ mode: "vault-eso", storageClass: "local-path", storageSize: "5Gi", namespaces: { engine: "secrets" }, chartVersions: { vault: "v0.29.1" } }, 1),
    ).config.runtimeSecrets;
    expect(layer).toEqual({
      mode: "vault-eso",
      engine: "vault",
      replicas: 1,
      storageClass: "local-path",
      storageSize: "5Gi",
      namespaces: { externalSecrets: "external-secrets", engine: "secrets" },
      chartVersions: { externalSecrets: EXTERNAL_SECRETS_CHART.defaultVersion, engine: "0.29.1" },
    });
    expect(VAULT_CHART.defaultVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("sealed-secrets: the controller's namespace and chart only", () => {
    expect(validateConfig(withLayer({ mode: "sealed-secrets" })).config.runtimeSecrets).toEqual({
      mode: "sealed-secrets",
      namespace: "sealed-secrets",
      chartVersion: SEALED_SECRETS_CHART.defaultVersion,
    });
  });

  const invalid: Array<[string, Json, RegExp]> = [
    ["unknown mode", withLayer({ mode: "vault" }), /runtimeSecrets\.mode = "vault": .*none.*openbao-eso.*vault-eso.*sealed-secrets/],
    ["misspelled key", withLayer({ mode: "openbao-eso", replica: 3 }), /runtimeSecrets: Unrecognized key: "replica"/],
    ["even replicas", withLayer({ mode: "openbao-eso", replicas: 2 }), /runtimeSecrets\.replicas = 2: is not an odd number of Raft peers\. Fix: use 1, 3 or 5/],
    ["more replicas than nodes", withLayer({ mode: "openbao-eso", replicas: 3 }, 1), /runtimeSecrets\.replicas = 3: is more than the 1 node\(s\).*Fix: use at most 1/],
    ["bad storage class", withLayer({ mode: "vault-eso", storageClass: "Fast_SSD" }), /runtimeSecrets\.storageClass = "Fast_SSD": is not a StorageClass name\. Fix:/],
    ["bad storage size", withLayer({ mode: "openbao-eso", storageSize: "10GB" }), /runtimeSecrets\.storageSize = "10GB": is not a volume size\. Fix: write a whole number of Mi, Gi or Ti/],
    ["namespace not a DNS label", withLayer({ mode: "openbao-eso", namespaces: { externalSecrets: "External" } }), /runtimeSecrets\.namespaces\.externalSecrets = "External": is not a namespace name/],
    ["reserved namespace", withLayer({ mode: "sealed-secrets", namespaces: { sealedSecrets: "flux-system" } }), /runtimeSecrets\.namespaces\.sealedSecrets = "flux-system": is a namespace Kubernetes or Flux owns/],
    ["engine shares ESO's namespace", withLayer({ mode: "openbao-eso", namespaces: { engine: "external-secrets" } }), /runtimeSecrets\.namespaces\.engine = "external-secrets": is the same namespace as namespaces\.externalSecrets/],
    ["chart version range", withLayer({ mode: "openbao-eso", chartVersions: { openbao: "0.x" } }), /runtimeSecrets\.chartVersions\.openbao = "0\.x": is not an exact chart version\. Fix: pin one release/],
    ["latest", withLayer({ mode: "sealed-secrets", chartVersions: { sealedSecrets: "latest" } }), /runtimeSecrets\.chartVersions\.sealedSecrets = "latest": is not an exact chart version/],
    ["engine key with sealed-secrets", withLayer({ mode: "sealed-secrets", replicas: 3 }), /runtimeSecrets\.replicas = 3: applies only to the openbao-eso and vault-eso modes, not to mode sealed-secrets/],
    ["engine key with none", withLayer({ storageClass: "fast" }), /runtimeSecrets\.storageClass = "fast": applies only to .* not to mode none/],
  ];
  it.each(invalid)("refuses %s with field, value and fix", (_name, input, expected) => {
    expect(problems(input)).toMatch(expected);
  });

  it("reports every runtimeSecrets problem at once", () => {
    const message = problems(withLayer({ mode: "openbao-eso", replicas: 4, storageSize: "big", chartVersions: { externalSecrets: "^0.16" } }));
    expect(message).toMatch(/\(3 problems\)/);
  });
});
