import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ADMIN_KUBECONFIG_SECRET_OUTPUTS } from "./dynamic/admin-kubeconfig-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface AdminKubeconfigArgs {
  /** The machine secrets (secrets.yaml text); the client certificate is issued by its Kubernetes CA. */
  readonly secretsYaml: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  /** The cluster endpoint, https://<vip>:6443. */
  readonly endpoint: pulumi.Input<string>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "admin-kubeconfig-provider"), "adminKubeconfigProvider");

/**
 * The admin kubeconfig (CN=admin, O=system:masters), issued locally from the Kubernetes CA and kept in
 * state, so it is stable across runs and renewed only within 30 days of expiry.
 */
export class AdminKubeconfig extends pulumi.dynamic.Resource {
  declare readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: AdminKubeconfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, secretsYaml: pulumi.secret(args.secretsYaml), kubeconfig: undefined },
      { ...opts, additionalSecretOutputs: [...ADMIN_KUBECONFIG_SECRET_OUTPUTS, ...(opts?.additionalSecretOutputs ?? [])] },
      "talos-homelab",
      "AdminKubeconfig",
    );
  }
}
