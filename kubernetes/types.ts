/** The manifest shapes this project writes: the subset of the Kubernetes and Flux Operator APIs it uses. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Cluster-scoped objects carry no namespace. */
export type ClusterObjectMeta = Omit<ObjectMeta, "namespace">;

export interface Namespace {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ClusterObjectMeta;
}

export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta & { namespace: string };
  type?: string;
  immutable?: boolean;
  /** Values are base64. */
  data?: Record<string, string>;
  /** Write-only plain values, merged into `data` by the API server. */
  stringData?: Record<string, string>;
}

export type FluxComponent =
  | "source-controller"
  | "kustomize-controller"
  | "helm-controller"
  | "notification-controller"
  | "image-reflector-controller"
  | "image-automation-controller"
  | "source-watcher";

export interface FluxDistribution {
  /** Semver expression, e.g. `2.9.x`. */
  version: string;
  registry: string;
  imagePullSecret?: string;
  /** `oci://…` artifact with the distribution manifests. */
  artifact?: string;
  artifactPullSecret?: string;
}

export interface FluxCluster {
  type?: "kubernetes" | "openshift" | "aws" | "azure" | "gcp";
  size?: "small" | "medium" | "large";
  domain?: string;
  multitenant?: boolean;
  networkPolicy?: boolean;
}

/** A kustomize patch selector. The Flux Operator applies every patch in its own namespace, so there is no `namespace`. */
export interface KustomizePatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export interface KustomizePatch {
  /** A strategic-merge patch or a JSON 6902 patch, as YAML text. */
  patch: string;
  target?: KustomizePatchTarget;
}

export interface FluxSync {
  kind: "GitRepository" | "OCIRepository" | "Bucket";
  url: string;
  /** For Git a full ref name, e.g. `refs/heads/main`. */
  ref: string;
  path: string;
  /** A Go duration, e.g. `1m`. */
  interval?: string;
  name?: string;
  pullSecret?: string;
  provider?: "generic" | "aws" | "azure" | "gcp" | "github";
}

export interface FluxInstanceSpec {
  distribution: FluxDistribution;
  components?: FluxComponent[];
  cluster?: FluxCluster;
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  storage?: { class: string; size: string };
  kustomize?: { patches?: KustomizePatch[] };
  wait?: boolean;
  migrateResources?: boolean;
  sync?: FluxSync;
}

export interface FluxInstance {
  apiVersion: "fluxcd.controlplane.io/v1";
  kind: "FluxInstance";
  metadata: ObjectMeta & { namespace: string };
  spec: FluxInstanceSpec;
}

/** A JSON 6902 operation as this project writes it. */
export interface JsonPatchOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
}

/** Flux Kustomization `spec.decryption`. */
export interface KustomizationDecryption {
  provider: "sops";
  secretRef: { name: string };
}
