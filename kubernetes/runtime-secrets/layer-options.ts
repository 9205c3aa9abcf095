/** What the runtime secrets layer is built from: the validated `runtimeSecrets` stack config (see config/runtime-secrets.ts). */

export type SecretsEngine = "openbao" | "vault";

export interface EsoLayer {
  readonly mode: "openbao-eso" | "vault-eso";
  readonly engine: SecretsEngine;
  /** OpenBao/Vault server pods, each a Raft peer. */
  readonly replicas: number;
  readonly storageClass?: string;
  readonly storageSize: string;
  readonly namespaces: { readonly externalSecrets: string; readonly engine: string };
  readonly chartVersions: { readonly externalSecrets: string; readonly engine: string };
}

export interface SealedSecretsLayer {
  readonly mode: "sealed-secrets";
  readonly namespace: string;
  readonly chartVersion: string;
}

export type RuntimeSecretsLayer = { readonly mode: "none" } | EsoLayer | SealedSecretsLayer;
