/**
 * Every version the Flux bootstrap installs, pinned here and nowhere else.
 *
 * The chart version is the Flux Operator release; the distribution version is the Flux release line the operator
 * installs and keeps patched (a semver range, resolved by the operator against the manifests it ships).
 */
export const FLUX_OPERATOR_CHART = "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator";
export const FLUX_OPERATOR_CHART_VERSION = "0.58.1";
export const FLUX_DISTRIBUTION_VERSION = "2.9.x";
export const FLUX_DISTRIBUTION_REGISTRY = "ghcr.io/fluxcd";
