/**
 * The Flux Kustomizations that apply the layer from the cluster's Git source in two steps: the controllers, then
 * (once their CRDs and pods are ready: `wait`) the store that needs them, ordered with `dependsOn`.
 */
import { FLUX_NAMESPACE, FLUX_SYNC_KUSTOMIZATION_NAME, PART_OF_LABEL } from "../names";
import type { FluxKustomization, KustomizeFile } from "./schemas";

export interface FluxKustomizationOptions {
  readonly name: string;
  /** Folder relative to the repository root, `/`-separated, without `./`. */
  readonly path: string;
  readonly dependsOn?: readonly string[];
}

export function fluxKustomization(options: FluxKustomizationOptions): FluxKustomization {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: options.name, namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } },
    spec: {
      interval: "30m",
      retryInterval: "2m",
      timeout: "10m",
      path: `./${options.path}`,
      prune: true,
      wait: true,
      sourceRef: { kind: "GitRepository", name: FLUX_SYNC_KUSTOMIZATION_NAME },
      ...(options.dependsOn !== undefined && options.dependsOn.length > 0 ? { dependsOn: options.dependsOn.map((name) => ({ name })) } : {}),
    },
  };
}

/**
 * A kustomize `kustomization.yaml` listing a folder's files. In `infrastructure/` it keeps the cluster's
 * `flux-system` sync from descending into the layer's folders (which the Kustomizations above apply in order).
 */
export function kustomizeFile(resources: readonly string[]): KustomizeFile {
  return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [...resources] };
}
