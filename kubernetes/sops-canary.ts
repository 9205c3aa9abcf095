/**
 * The SOPS canary: one small Secret per scaffold Kustomization, committed SOPS-encrypted (to the operators and the
 * cluster identity) in that Kustomization's folder. When kustomize-controller has decrypted and applied it, the
 * Secret exists in `flux-system` with the expected value, which proves Flux decrypts that folder with the cluster
 * identity. The value names the cluster and the Kustomization (nothing secret) and does not depend on the keys, so a
 * key rotation re-encrypts the file (fresh data key) without changing what Flux applies.
 */
import { createHash } from "node:crypto";
import type { ScaffoldKustomization } from "./flux-kustomizations";
import { FLUX_NAMESPACE, PART_OF_LABEL } from "./names";
import { base64Data } from "./secret-data";
import type { Secret } from "./types";

/** The one entry of a canary Secret's `data`. */
export const SOPS_CANARY_KEY = "canary";

export function sopsCanaryName(kustomization: ScaffoldKustomization): string {
  return `sops-canary-${kustomization}`;
}

/** The canary's file name inside the Kustomization's folder. */
export function sopsCanaryFile(kustomization: ScaffoldKustomization): string {
  return `${sopsCanaryName(kustomization)}.sops.yaml`;
}

export function sopsCanaryValue(cluster: string, kustomization: ScaffoldKustomization): string {
  return `talos-homelab SOPS canary: cluster ${cluster}, Kustomization ${kustomization}, decrypted by kustomize-controller`;
}

/** `sha256:<hex>` of a canary value, as the wait after `pulumi up` compares it with the live Secret. */
export function sopsCanaryDigest(value: string): string {
  return `sha256:${createHash("sha256").update(value, "utf8").digest("hex")}`;
}

export function sopsCanarySecret(cluster: string, kustomization: ScaffoldKustomization): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: sopsCanaryName(kustomization), namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } },
    type: "Opaque",
    data: base64Data({ [SOPS_CANARY_KEY]: sopsCanaryValue(cluster, kustomization) }),
  };
}
