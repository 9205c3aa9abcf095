import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_AGE_IDENTITY_SECRET_OUTPUTS } from "./dynamic/cluster-age-identity-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface ClusterAgeIdentityArgs {
  /**
   * Free-form values recorded with the identity. Unlike `random` keepers, changing them does NOT regenerate it:
   * Flux's `sops-age` Secret and every file already in Git are encrypted to this identity, so a silent rotation
   * would lock Flux out. Rotate deliberately with `talos-homelab rotate` (docs/operations.md, "Rotating keys"): it
   * moves the stack to a configured identity with an overlap window in which the `sops-age` Secret holds both.
   */
  readonly keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "cluster-age-identity-provider"), "clusterAgeIdentityProvider");

/**
 * The cluster's age X25519 identity, generated once and kept in state as a secret. The state is its only copy
 * besides Flux's `sops-age` Secret: deleting the resource forgets it, so protect it (`protect: true`) and back it up.
 */
export class ClusterAgeIdentity extends pulumi.dynamic.Resource {
  /** `AGE-SECRET-KEY-1…`. Secret. */
  declare readonly identity: pulumi.Output<string>;
  /** `age1…`: add it to the SOPS recipients. */
  declare readonly recipient: pulumi.Output<string>;

  constructor(name: string, args: ClusterAgeIdentityArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { keepers: args.keepers, identity: undefined, recipient: undefined },
      { ...opts, additionalSecretOutputs: [...CLUSTER_AGE_IDENTITY_SECRET_OUTPUTS, ...(opts?.additionalSecretOutputs ?? [])] },
      "talos-homelab",
      "ClusterAgeIdentity",
    );
  }
}
