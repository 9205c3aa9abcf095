import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { NodeRef } from "./dynamic/cluster-health-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface TalosClusterHealthArgs {
  /** Control planes by hostname (etcd member / Kubernetes node name) and Talos API address. */
  readonly controlPlanes: pulumi.Input<pulumi.Input<NodeRef>[]>;
  readonly workers?: pulumi.Input<pulumi.Input<NodeRef>[]>;
  readonly talosconfig: pulumi.Input<string>;
  /** The admin kubeconfig (embedded client certificate), used directly over https. */
  readonly kubeconfig: pulumi.Input<string>;
  /** Give up after this long (default 900), naming the failing checks. */
  readonly timeoutSeconds?: pulumi.Input<number>;
  readonly pollSeconds?: pulumi.Input<number>;
  /** Also require STATE and EPHEMERAL to be LUKS2 sealed to the TPM on every node (security.tpmDiskEncryption). */
  readonly requireTpmVolumes?: pulumi.Input<boolean>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "cluster-health-provider"), "clusterHealthProvider");

/**
 * Waits until etcd members match the control planes, every node is Ready, /readyz answers, and (requireTpmVolumes)
 * every node reports STATE and EPHEMERAL as LUKS2 with a TPM-sealed key.
 */
export class TalosClusterHealth extends pulumi.dynamic.Resource {
  declare readonly healthyAt: pulumi.Output<string>;

  constructor(name: string, args: TalosClusterHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        workers: args.workers ?? [],
        requireTpmVolumes: args.requireTpmVolumes ?? false,
        talosconfig: pulumi.secret(args.talosconfig),
        kubeconfig: pulumi.secret(args.kubeconfig),
        healthyAt: undefined,
      },
      opts,
      "talos-homelab",
      "TalosClusterHealth",
    );
  }
}
