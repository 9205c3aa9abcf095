import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface TalosConfigApplyArgs {
  /** The node's IP (Talos API on port 50000). */
  readonly node: pulumi.Input<string>;
  /** Dial this endpoint instead and proxy to `node` (configured mode only). */
  readonly endpoint?: pulumi.Input<string>;
  /** The rendered machine config. Stored as a secret. */
  readonly config: pulumi.Input<string>;
  /**
   * Every leaf path of `config` with a keyed digest of its value (talos/machine-config/path-digests.ts). Not
   * secret: a preview's diff shows which paths change, never a value.
   */
  readonly configPaths?: pulumi.Input<Record<string, string>>;
  /** talosconfig with the Talos API CA and an os:admin client certificate (AdminTalosconfig.talosconfig). */
  readonly talosconfig: pulumi.Input<string>;
  /** Pin the maintenance-mode certificate (SHA-256, hex) instead of trusting it blindly. */
  readonly maintenanceFingerprint?: pulumi.Input<string>;
  /** How long to keep retrying while the node is unreachable (default 600). */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** Identity of the machine (e.g. the VM's id): when the VM is replaced, its new disk gets a fresh first apply. */
  readonly machineId?: pulumi.Input<string>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "config-apply-provider"), "configApplyProvider");

/** Pushes a machine config to a node over the Talos API; unchanged configs are no-ops. */
export class TalosConfigApply extends pulumi.dynamic.Resource {
  declare readonly node: pulumi.Output<string>;
  declare readonly configHash: pulumi.Output<string>;
  declare readonly configPaths: pulumi.Output<Record<string, string> | undefined>;
  declare readonly appliedVia: pulumi.Output<string>;
  declare readonly appliedMode: pulumi.Output<string>;
  declare readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: TalosConfigApplyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        config: pulumi.secret(args.config),
        talosconfig: pulumi.secret(args.talosconfig),
        configHash: undefined,
        appliedVia: undefined,
        appliedMode: undefined,
        warnings: undefined,
      },
      opts,
      "talos-homelab",
      "TalosConfigApply",
    );
  }
}
