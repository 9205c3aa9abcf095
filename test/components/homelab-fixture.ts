import { createHash } from "node:crypto";
import { adminKubeconfigProvider } from "../../components/dynamic/admin-kubeconfig-provider";
import { adminTalosconfigProvider } from "../../components/dynamic/admin-talosconfig-provider";
import { clusterAgeIdentityProvider } from "../../components/dynamic/cluster-age-identity-provider";
import { encryptedGitopsTreeProvider } from "../../components/dynamic/encrypted-gitops-tree-provider";
import { generateAgeIdentity } from "../../sops/age-identities";
import { contractFor } from "../../talos/contract";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { serializeSecretsYaml } from "../../talos/secrets-yaml";
import type { SecretsBundle } from "../../talos/types";
import { exampleConfig, type DynamicMock } from "./pulumi-harness";

type Json = Record<string, unknown>;

export interface Fixture {
  readonly bundle: SecretsBundle;
  readonly secretsYaml: string;
  /** The cluster identity (the sops-age Secret). */
  readonly identity: string;
  readonly recipient: string;
  /** The operator identity: its recipient is the stack's ageRecipients (talos/ files are encrypted to it only). */
  readonly operatorIdentity: string;
  readonly operatorRecipient: string;
  readonly gitToken: string;
  readonly proxmoxToken: string;
  /** Every plaintext secret value that must never appear unwrapped in a resource input. */
  readonly secretStrings: string[];
}

let cached: Promise<Fixture> | undefined;

/** One bundle and identity per test file (RSA-4096 generation is the slow part). */
export function fixture(): Promise<Fixture> {
  cached ??= (async () => {
    const bundle = await generateSecretsBundle(contractFor("v1.11.5"));
    const { identity, recipient } = await generateAgeIdentity();
    const operator = await generateAgeIdentity();
    const gitToken = "ghp_exampletoken1234567890abcdef";
    const proxmoxToken = "root@pam!pulumi=11111111-2222-3333-4444-555555555555";
    const pemBody = (pem: string) => pem.split("\n").filter((l) => l && !l.startsWith("-----"))[1] ?? pem;
    return {
      bundle,
      secretsYaml: serializeSecretsYaml(bundle),
      identity,
      recipient,
      operatorIdentity: operator.identity,
      operatorRecipient: operator.recipient,
      gitToken,
      proxmoxToken,
      secretStrings: [
        identity,
        operator.identity,
        gitToken,
        proxmoxToken,
        bundle.cluster.secret,
        bundle.secrets.bootstrapToken,
        bundle.trustdInfo.token,
        bundle.secrets.secretboxEncryptionSecret ?? "",
        pemBody(bundle.certs.os.key),
        pemBody(bundle.certs.k8s.key),
        pemBody(bundle.certs.etcd.key),
        pemBody(bundle.certs.k8sServiceAccount.key),
        Buffer.from(bundle.certs.os.key).toString("base64").slice(0, 40),
      ].filter((s) => s !== ""),
    };
  })();
  return cached;
}

/** Stack config for a run: the example plus secrets set as Pulumi secrets. */
export async function stackConfig(mutate?: (config: Json & { "talos-homelab:nodes": Json[] }) => void) {
  const f = await fixture();
  const config = exampleConfig() as Json & { "talos-homelab:nodes": Json[] };
  config["talos-homelab:clusterAgeIdentity"] = f.identity;
  config["talos-homelab:gitToken"] = f.gitToken;
  config["talos-homelab:proxmoxApiToken"] = f.proxmoxToken;
  config["talos-homelab:ageRecipients"] = [f.operatorRecipient];
  delete config["talos-homelab:outputDir"];
  mutate?.(config);
  const secretKeys = ["talos-homelab:clusterAgeIdentity", "talos-homelab:gitToken", "talos-homelab:proxmoxApiToken"];
  return { config, secretKeys };
}

/** What each dynamic provider returns: the pure ones run for real, the ones that talk to nodes are faked. */
export function dynamicMock(extra: Record<string, (inputs: Json) => Json | Promise<Json>> = {}): DynamicMock {
  return async (type, _name, inputs) => {
    const f = await fixture();
    const custom = extra[type];
    if (custom) return custom(inputs);
    switch (type) {
      case "TalosMachineSecrets":
        return { secretsYaml: f.secretsYaml, origin: "generated" };
      case "AdminTalosconfig":
        return (await adminTalosconfigProvider.create(inputs)).outs as Json;
      case "AdminKubeconfig":
        return (await adminKubeconfigProvider.create(inputs)).outs as Json;
      case "ClusterAgeIdentity":
        return (await clusterAgeIdentityProvider.create(inputs)).outs as Json;
      case "EncryptedGitopsTree":
        return (await encryptedGitopsTreeProvider.create(inputs)).outs as Json;
      case "TalosConfigApply":
        return { configHash: createHash("sha256").update(String(inputs.config)).digest("hex"), appliedVia: "maintenance", appliedMode: "AUTO", warnings: [] };
      case "TalosBootstrap":
        return { outcome: "bootstrapped" };
      case "TalosClusterHealth":
        return { healthyAt: "2026-11-24T00:00:00Z" };
      case "FluxReady":
        return { readyAt: "2026-11-24T00:05:00Z" };
      case "TalosClusterChange":
      case "TalosNodeMembership":
        return {};
      case "TalosNodeUpgrade":
        return { talosVersion: inputs.talosVersion, installerImage: inputs.installerImage };
      default:
        throw new Error(`no mock for dynamic resource ${type}`);
    }
  };
}
