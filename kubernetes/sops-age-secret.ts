/**
 * The `sops-age` Secret kustomize-controller decrypts with. It uses base64 `data` rather than `stringData`: `data`
 * is stored verbatim, so Pulumi's inputs, the live object and the SOPS-encrypted copy in Git all hold the same value
 * (`stringData` is write-only and would be converted by the API server).
 */
import { clusterIdentityFile } from "./cluster-identity";
import { FLUX_NAMESPACE, PART_OF_LABEL, SOPS_AGE_SECRET_KEY, SOPS_AGE_SECRET_NAME } from "./names";
import { base64Data } from "./secret-data";
import type { Secret } from "./types";

/** The Secret's `data`: `age.agekey` holding the identity file (validated; throws without echoing the key). */
export function sopsAgeSecretData(clusterIdentity: string): Record<string, string> {
  return base64Data({ [SOPS_AGE_SECRET_KEY]: clusterIdentityFile(clusterIdentity) });
}

export function sopsAgeSecretMetadata(): Secret["metadata"] {
  return { name: SOPS_AGE_SECRET_NAME, namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } };
}

export function sopsAgeSecret(clusterIdentity: string): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: sopsAgeSecretMetadata(),
    type: "Opaque",
    data: sopsAgeSecretData(clusterIdentity),
  };
}
