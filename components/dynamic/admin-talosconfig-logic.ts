import type { TalosconfigOptions } from "../../talos/talosconfig";
import type { SecretsBundle } from "../../talos/types";
import { requiredString, stringList } from "./inputs";
import type { IssuedCredential } from "./issued-credential";

export const ADMIN_TALOSCONFIG = "AdminTalosconfig";
export const ADMIN_TALOSCONFIG_SECRET_OUTPUTS = ["talosconfig", "secretsYaml"];

export interface AdminTalosconfigInputs {
  readonly secretsYaml: string;
  /** The context name (the cluster name). */
  readonly clusterName: string;
  /** Talos API endpoints (node IPs; the VIP is not a Talos API endpoint). */
  readonly endpoints: readonly string[];
  readonly nodes: readonly string[];
}

export function adminTalosconfigInputs(raw: Record<string, unknown>): AdminTalosconfigInputs {
  return {
    secretsYaml: requiredString(ADMIN_TALOSCONFIG, raw, "secretsYaml"),
    clusterName: requiredString(ADMIN_TALOSCONFIG, raw, "clusterName"),
    endpoints: stringList(ADMIN_TALOSCONFIG, raw, "endpoints"),
    nodes: stringList(ADMIN_TALOSCONFIG, raw, "nodes"),
  };
}

/** The os:admin talosconfig: re-rendered for new endpoints or nodes, its certificate renewed within 30 days of expiry. */
export function adminTalosconfigCredential(
  renderTalosconfig: (bundle: SecretsBundle, options: TalosconfigOptions) => Promise<string>,
): IssuedCredential<AdminTalosconfigInputs> {
  return {
    output: "talosconfig",
    inputs: adminTalosconfigInputs,
    idParts: (inputs) => [inputs.clusterName],
    render: (bundle, inputs, now, existing) =>
      renderTalosconfig(bundle, { contextName: inputs.clusterName, endpoints: inputs.endpoints, nodes: inputs.nodes, now, ...(existing !== undefined ? { existing } : {}) }),
  };
}
