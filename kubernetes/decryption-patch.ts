/**
 * The FluxInstance patch that turns on SOPS decryption for the `flux-system` Kustomization the operator generates
 * from `spec.sync`, with the keys of the `sops-age` Secret.
 */
import { stringify } from "yaml";
import { FLUX_SYNC_KUSTOMIZATION_NAME, SOPS_AGE_SECRET_NAME } from "./names";
import type { JsonPatchOperation, KustomizationDecryption, KustomizePatch } from "./types";

export const KUSTOMIZATION_GROUP = "kustomize.toolkit.fluxcd.io";

export function sopsDecryption(): KustomizationDecryption {
  return { provider: "sops", secretRef: { name: SOPS_AGE_SECRET_NAME } };
}

export function decryptionPatch(): KustomizePatch {
  const operations: JsonPatchOperation[] = [{ op: "add", path: "/spec/decryption", value: sopsDecryption() }];
  return {
    patch: stringify(operations),
    target: { group: KUSTOMIZATION_GROUP, kind: "Kustomization", name: FLUX_SYNC_KUSTOMIZATION_NAME },
  };
}
