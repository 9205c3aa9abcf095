/**
 * The Flux Kustomizations a person adds things under: `infrastructure` (controllers, CRDs, cluster services) and
 * `apps` (workloads), each applying its folder of the cluster's tree from the `flux-system` GitRepository with SOPS
 * decryption by the `sops-age` Secret. `apps` depends on `infrastructure`, and `infrastructure` waits for what it
 * applies to be ready, so apps never start before the CRDs and controllers they need.
 */
import { sopsDecryption } from "./decryption-patch";
import { FLUX_NAMESPACE, FLUX_SYNC_KUSTOMIZATION_NAME, PART_OF_LABEL } from "./names";
import type { FluxKustomization } from "./runtime-secrets/schemas";

export const INFRASTRUCTURE_KUSTOMIZATION = "infrastructure";
export const APPS_KUSTOMIZATION = "apps";

/** The scaffold's Kustomizations in the order Flux applies them (a later one `dependsOn` the earlier). */
export const SCAFFOLD_KUSTOMIZATIONS = [INFRASTRUCTURE_KUSTOMIZATION, APPS_KUSTOMIZATION] as const;
export type ScaffoldKustomization = (typeof SCAFFOLD_KUSTOMIZATIONS)[number];

/** The folder of the cluster's tree a scaffold Kustomization applies, relative to the repository root. */
export function scaffoldFolder(cluster: string, name: ScaffoldKustomization): string {
  return `clusters/${cluster}/${name}`;
}

function dependencies(name: ScaffoldKustomization): { name: string }[] {
  const index = SCAFFOLD_KUSTOMIZATIONS.indexOf(name);
  return SCAFFOLD_KUSTOMIZATIONS.slice(0, index).map((earlier) => ({ name: earlier }));
}

export function scaffoldKustomization(cluster: string, name: ScaffoldKustomization): FluxKustomization {
  const dependsOn = dependencies(name);
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } },
    spec: {
      interval: "10m",
      retryInterval: "1m",
      timeout: "5m",
      path: `./${scaffoldFolder(cluster, name)}`,
      prune: true,
      wait: name === INFRASTRUCTURE_KUSTOMIZATION,
      sourceRef: { kind: "GitRepository", name: FLUX_SYNC_KUSTOMIZATION_NAME },
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      decryption: sopsDecryption(),
    },
  };
}
