export {
  clusterIdentityFile,
  clusterIdentityRecipient,
  clusterKeyRingFile,
  ClusterIdentityError,
  normalizeClusterIdentity,
  parseClusterKeyRing,
  type ClusterKeyRing,
} from "./cluster-identity";
export { decryptionPatch, KUSTOMIZATION_GROUP, sopsDecryption } from "./decryption-patch";
export {
  branchRef,
  DEFAULT_FLUX_COMPONENTS,
  fluxInstance,
  fluxInstanceMetadata,
  fluxSync,
  type FluxInstanceOptions,
  type FluxRepository,
} from "./flux-instance";
export {
  gitCredentialsEntries,
  GitCredentialsError,
  gitCredentialsSecret,
  gitCredentialsSecretData,
  gitCredentialsSecretMetadata,
  type GitCredentials,
} from "./git-credentials-secret";
export {
  APPS_KUSTOMIZATION,
  INFRASTRUCTURE_KUSTOMIZATION,
  SCAFFOLD_KUSTOMIZATIONS,
  scaffoldFolder,
  scaffoldKustomization,
  type ScaffoldKustomization,
} from "./flux-kustomizations";
export { GITIGNORE_PATTERNS, renderGitignore } from "./gitignore";
export { ManifestError, manifestYaml, validateManifest, type Manifest } from "./manifest-yaml";
export * from "./names";
export { fluxNamespace } from "./namespace";
export { fluxInstanceSchema, namespaceSchema, secretSchema } from "./schemas";
export { base64Data } from "./secret-data";
export {
  clustersPathRegex,
  etcdSnapshotsPathRegex,
  KUBERNETES_ENCRYPTED_REGEX,
  renderSopsConfig,
  renderSopsRulesBlock,
  SOPS_BLOCK_INDENT,
  sopsBlockMarkers,
  sopsConfig,
  sopsRecipients,
  talosPathRegex,
  type SopsConfig,
  type SopsConfigOptions,
  type SopsCreationRule,
} from "./sops-config";
export {
  SOPS_CANARY_KEY,
  sopsCanaryDigest,
  sopsCanaryFile,
  sopsCanaryName,
  sopsCanarySecret,
  sopsCanaryValue,
} from "./sops-canary";
export { allTreeRecipients, recipientsFor, type Readers, type TreeRecipients } from "./recipients-by-need";
export { FLUX_RECONCILE_ANNOTATION, sopsAgeSecret, sopsAgeSecretData, sopsAgeSecretMetadata } from "./sops-age-secret";
export type * from "./types";
export * from "./versions";
