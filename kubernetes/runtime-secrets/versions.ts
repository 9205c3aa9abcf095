/**
 * The Helm charts of the runtime secrets layer: where each comes from and the version pinned by default.
 * A stack may pin another exact version (config `runtimeSecrets.chartVersions`).
 *
 * External Secrets 0.16.2 is the release whose `external-secrets.io/v1` Go types the compat check decodes against.
 */
export interface ChartSource {
  /** Name of the HelmRepository object. */
  readonly repository: string;
  readonly url: string;
  readonly chart: string;
  readonly defaultVersion: string;
}

export const EXTERNAL_SECRETS_CHART: ChartSource = {
  repository: "external-secrets",
  url: "https://charts.external-secrets.io",
  chart: "external-secrets",
  defaultVersion: "0.16.2",
};

export const OPENBAO_CHART: ChartSource = {
  repository: "openbao",
  url: "https://openbao.github.io/openbao-helm",
  chart: "openbao",
  defaultVersion: "0.28.0",
};

export const VAULT_CHART: ChartSource = {
  repository: "hashicorp",
  url: "https://helm.releases.hashicorp.com",
  chart: "vault",
  defaultVersion: "0.30.0",
};

export const SEALED_SECRETS_CHART: ChartSource = {
  repository: "sealed-secrets",
  url: "https://bitnami-labs.github.io/sealed-secrets",
  chart: "sealed-secrets",
  defaultVersion: "2.17.2",
};
