import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { RolloutNode } from "./dynamic/rollout-api";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface TalosNodeUpgradeArgs {
  readonly node: RolloutNode;
  /** Every control plane: the health gate needs etcd healthy with all of them. */
  readonly controlPlanes: readonly RolloutNode[];
  readonly talosVersion: string;
  /** The Image Factory installer for the version and schematic (`-secureboot` with SecureBoot). */
  readonly installerImage: string;
  readonly kubernetesVersion?: string;
  readonly talosconfig: pulumi.Input<string>;
  readonly kubeconfig: pulumi.Input<string>;
  /** Bound on each wait (pre-flight, after the upgrade); default 1800. */
  readonly timeoutSeconds?: number;
  readonly pollSeconds?: number;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "node-upgrade-provider"), "nodeUpgradeProvider");

/**
 * Upgrades one node's Talos when the installer image (version or schematic) changes: Upgrade API, then waits for the
 * new version, etcd and the Kubernetes node. Depends on the previous node's TalosNodeMembership, so Pulumi rolls
 * the nodes one at a time; a failed node keeps its old state and the next `pulumi up` resumes there.
 */
export class TalosNodeUpgrade extends pulumi.dynamic.Resource {
  declare readonly talosVersion: pulumi.Output<string>;
  declare readonly installerImage: pulumi.Output<string>;
  declare readonly upgradedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: TalosNodeUpgradeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        controlPlanes: [...args.controlPlanes],
        talosconfig: pulumi.secret(args.talosconfig),
        kubeconfig: pulumi.secret(args.kubeconfig),
        upgradedAt: undefined,
      },
      opts,
      "talos-homelab",
      "TalosNodeUpgrade",
    );
  }
}
