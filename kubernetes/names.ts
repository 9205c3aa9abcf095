/** Fixed names of the Flux bootstrap objects; Flux and the Flux Operator expect some of them verbatim. */

/** The namespace the Flux Operator, its FluxInstance and the generated sync objects live in. */
export const FLUX_NAMESPACE = "flux-system";

/** The FluxInstance must be named `flux` (the operator reconciles only that name). */
export const FLUX_INSTANCE_NAME = "flux";

/** The Kustomization (and source) the operator generates from `spec.sync`: named after the namespace. */
export const FLUX_SYNC_KUSTOMIZATION_NAME = FLUX_NAMESPACE;

export const SOPS_AGE_SECRET_NAME = "sops-age";

/** kustomize-controller imports only Secret entries whose name ends in `.agekey`. */
export const SOPS_AGE_SECRET_KEY = "age.agekey";

/** Same name `flux bootstrap` uses, so a cluster can move between the two install paths. */
export const GIT_CREDENTIALS_SECRET_NAME = "flux-system";

/** Label on every object this project renders (Pulumi sets its own `managed-by`, so this uses `part-of`). */
export const PART_OF_LABEL = { "app.kubernetes.io/part-of": "talos-homelab" } as const;
