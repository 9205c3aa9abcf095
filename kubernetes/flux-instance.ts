/**
 * The FluxInstance the Flux Operator installs Flux from: the pinned distribution, a Git sync of the configured
 * repository/branch/path, and the patch that gives the generated `flux-system` Kustomization SOPS decryption.
 */
import { decryptionPatch } from "./decryption-patch";
import { FLUX_INSTANCE_NAME, FLUX_NAMESPACE, GIT_CREDENTIALS_SECRET_NAME, PART_OF_LABEL } from "./names";
import type { FluxComponent, FluxInstance, FluxSync } from "./types";
import { FLUX_DISTRIBUTION_REGISTRY, FLUX_DISTRIBUTION_VERSION } from "./versions";

export const DEFAULT_FLUX_COMPONENTS: readonly FluxComponent[] = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
];

export interface FluxRepository {
  readonly url: string;
  readonly branch: string;
  /** Folder in the repository Flux reconciles, e.g. `clusters/homelab`. */
  readonly path: string;
}

export interface FluxInstanceOptions {
  readonly repository: FluxRepository;
  /** Whether the Git credentials Secret exists (a public repository needs none). */
  readonly hasGitCredentials: boolean;
  readonly components?: readonly FluxComponent[];
}

/** A branch name as a full Git ref; a value that already is a ref (`refs/...`) is kept. */
export function branchRef(branch: string): string {
  return branch.startsWith("refs/") ? branch : `refs/heads/${branch}`;
}

export function fluxSync(repository: FluxRepository, hasGitCredentials: boolean): FluxSync {
  return {
    kind: "GitRepository",
    url: repository.url,
    ref: branchRef(repository.branch),
    path: repository.path,
    ...(hasGitCredentials ? { pullSecret: GIT_CREDENTIALS_SECRET_NAME } : {}),
  };
}

export function fluxInstanceMetadata(): FluxInstance["metadata"] {
  return { name: FLUX_INSTANCE_NAME, namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } };
}

export function fluxInstance(options: FluxInstanceOptions): FluxInstance {
  return {
    apiVersion: "fluxcd.controlplane.io/v1",
    kind: "FluxInstance",
    metadata: fluxInstanceMetadata(),
    spec: {
      distribution: { version: FLUX_DISTRIBUTION_VERSION, registry: FLUX_DISTRIBUTION_REGISTRY },
      components: [...(options.components ?? DEFAULT_FLUX_COMPONENTS)],
      cluster: { type: "kubernetes", networkPolicy: true },
      kustomize: { patches: [decryptionPatch()] },
      sync: fluxSync(options.repository, options.hasGitCredentials),
    },
  };
}
