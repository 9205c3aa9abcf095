import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ADMIN_TALOSCONFIG_SECRET_OUTPUTS } from "./dynamic/admin-talosconfig-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface AdminTalosconfigArgs {
  /** The machine secrets (secrets.yaml text); the client certificate is issued by its Talos API CA. */
  readonly secretsYaml: pulumi.Input<string>;
  /** The context name (the cluster name). */
  readonly clusterName: pulumi.Input<string>;
  /** Talos API endpoints (control-plane node IPs, not the VIP). */
  readonly endpoints: pulumi.Input<pulumi.Input<string>[]>;
  readonly nodes?: pulumi.Input<pulumi.Input<string>[]>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "admin-talosconfig-provider"), "adminTalosconfigProvider");

/**
 * The os:admin talosconfig, issued locally from the Talos API CA and kept in state: stable across runs,
 * renewed only within 30 days of expiry. Apart from the machine secrets, so a renewal leaves them (and
 * every machine config) unchanged.
 */
export class AdminTalosconfig extends pulumi.dynamic.Resource {
  declare readonly talosconfig: pulumi.Output<string>;

  constructor(name: string, args: AdminTalosconfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, nodes: args.nodes ?? [], secretsYaml: pulumi.secret(args.secretsYaml), talosconfig: undefined },
      { ...opts, additionalSecretOutputs: [...ADMIN_TALOSCONFIG_SECRET_OUTPUTS, ...(opts?.additionalSecretOutputs ?? [])] },
      "talos-homelab",
      "AdminTalosconfig",
    );
  }
}
