/** Fixed names of the runtime secrets layer's objects, shared by the manifests that refer to each other. */

/** Flux Kustomization applying the controllers (Namespaces, HelmRepositories, HelmReleases). */
export const CONTROLLERS_KUSTOMIZATION = "runtime-secrets-controllers";

/** Flux Kustomization applying the ClusterSecretStore and the example ExternalSecret, after the controllers. */
export const STORE_KUSTOMIZATION = "runtime-secrets-store";

/** Release (and so service account) name of External Secrets Operator. */
export const EXTERNAL_SECRETS_RELEASE = "external-secrets";

/** Release name of the Sealed Secrets controller; `kubeseal` looks for this name by default. */
export const SEALED_SECRETS_RELEASE = "sealed-secrets-controller";

/** The Vault/OpenBao auth mount and role the ClusterSecretStore logs in with (created by the init procedure). */
export const KUBERNETES_AUTH_MOUNT = "kubernetes";
export const STORE_ROLE = "external-secrets";

/** The KV version 2 mount the store reads (enabled by the init procedure). */
export const KV_MOUNT = "secret";

/** Secret (tls.crt, tls.key, ca.crt) the engine serves TLS with; created by the init procedure, never rendered. */
export function engineTlsSecretName(engine: string): string {
  return `${engine}-server-tls`;
}
