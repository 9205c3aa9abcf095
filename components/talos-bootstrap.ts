import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { moduleBackedProvider } from "./dynamic/serializable-provider";
import type { TalosConfigApply } from "./talos-config-apply";

export interface TalosBootstrapArgs {
  /** The apply of the first control plane's config: bootstrap runs after it, on its node. */
  readonly configApply: TalosConfigApply;
  readonly talosconfig: pulumi.Input<string>;
  readonly endpoint?: pulumi.Input<string>;
  /** How long to wait for the node to accept Bootstrap (default 900). */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** Bootstrap etcd from this SOPS-encrypted snapshot (absolute path; `etcdRecoverFrom`) instead of empty. */
  readonly recoverFrom?: pulumi.Input<string>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "bootstrap-provider"), "bootstrapProvider");

/** Bootstraps etcd once, on the first control-plane node, after its config is applied. */
export class TalosBootstrap extends pulumi.dynamic.Resource {
  declare readonly node: pulumi.Output<string>;
  /** "bootstrapped", or "already-bootstrapped" when etcd already had data. */
  declare readonly outcome: pulumi.Output<string>;
  /** The snapshot etcd was recovered from, when `recoverFrom` was given. */
  declare readonly recoveredFrom: pulumi.Output<string | undefined>;

  constructor(name: string, args: TalosBootstrapArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        node: args.configApply.node,
        configHash: args.configApply.configHash,
        endpoint: args.endpoint,
        talosconfig: pulumi.secret(args.talosconfig),
        timeoutSeconds: args.timeoutSeconds,
        recoverFrom: args.recoverFrom,
        outcome: undefined,
        recoveredFrom: undefined,
      },
      // node and configHash are outputs of the apply, so the engine orders bootstrap after it.
      opts,
      "talos-homelab",
      "TalosBootstrap",
    );
  }
}
