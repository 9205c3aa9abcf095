import type { AdminKubeconfigOptions } from "../../talos/kubeconfig";
import type { SecretsBundle } from "../../talos/types";
import { requiredString } from "./inputs";
import type { IssuedCredential } from "./issued-credential";

export const ADMIN_KUBECONFIG = "AdminKubeconfig";
export const ADMIN_KUBECONFIG_SECRET_OUTPUTS = ["kubeconfig", "secretsYaml"];

export interface AdminKubeconfigInputs {
  readonly secretsYaml: string;
  readonly clusterName: string;
  readonly endpoint: string;
}

export function adminKubeconfigInputs(raw: Record<string, unknown>): AdminKubeconfigInputs {
  return {
    secretsYaml: requiredString(ADMIN_KUBECONFIG, raw, "secretsYaml"),
    clusterName: requiredString(ADMIN_KUBECONFIG, raw, "clusterName"),
    endpoint: requiredString(ADMIN_KUBECONFIG, raw, "endpoint"),
  };
}

/** The admin kubeconfig: changes only when the cluster, endpoint or CA changed, or within 30 days of expiry. */
export function adminKubeconfigCredential(
  renderAdminKubeconfig: (bundle: SecretsBundle, options: AdminKubeconfigOptions) => Promise<string>,
): IssuedCredential<AdminKubeconfigInputs> {
  return {
    output: "kubeconfig",
    inputs: adminKubeconfigInputs,
    idParts: (inputs) => [inputs.clusterName, inputs.endpoint],
    render: (bundle, inputs, now, existing) =>
      renderAdminKubeconfig(bundle, { clusterName: inputs.clusterName, endpoint: inputs.endpoint, now, ...(existing !== undefined ? { existing } : {}) }),
  };
}
