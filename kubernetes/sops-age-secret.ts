/**
 * The `sops-age` Secret kustomize-controller decrypts with. It uses base64 `data` rather than `stringData`: `data`
 * is stored verbatim, so Pulumi's inputs, the live object and the SOPS-encrypted copy in Git all hold the same value
 * (`stringData` is write-only and would be converted by the API server).
 */
import { clusterKeyRingFile } from "./cluster-identity";
import { FLUX_NAMESPACE, PART_OF_LABEL, SOPS_AGE_SECRET_KEY, SOPS_AGE_SECRET_NAME } from "./names";
import { base64Data } from "./secret-data";
import type { Secret } from "./types";

/**
 * kustomize-controller leaves an in-cluster object with this annotation alone. Set on the Pulumi-managed Secret only
 * while it holds two identities: a Flux still on the commit before the rotation would otherwise re-apply that
 * commit's single-identity `sops-age` and lose the new identity before the rotated tree reaches it.
 */
export const FLUX_RECONCILE_ANNOTATION = "kustomize.toolkit.fluxcd.io/reconcile";

/**
 * The Secret's `data`: `age.agekey` holding the identity file (validated; throws without echoing the key). During a
 * rotation it also holds the previous identities, one per line, which kustomize-controller and sops all try.
 */
export function sopsAgeSecretData(clusterIdentity: string, previous: readonly string[] = []): Record<string, string> {
  return base64Data({ [SOPS_AGE_SECRET_KEY]: clusterKeyRingFile(clusterIdentity, previous) });
}

/** `overlap`: the in-cluster copy during a rotation, which Flux must not overwrite from an older commit. */
export function sopsAgeSecretMetadata(overlap = false): Secret["metadata"] {
  return {
    name: SOPS_AGE_SECRET_NAME,
    namespace: FLUX_NAMESPACE,
    labels: { ...PART_OF_LABEL },
    ...(overlap ? { annotations: { [FLUX_RECONCILE_ANNOTATION]: "disabled" } } : {}),
  };
}

/** The manifest committed to Git (never annotated: Flux applies it once the overlap is over). */
export function sopsAgeSecret(clusterIdentity: string, previous: readonly string[] = []): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: sopsAgeSecretMetadata(),
    type: "Opaque",
    data: sopsAgeSecretData(clusterIdentity, previous),
  };
}
