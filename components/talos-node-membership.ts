import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { RolloutNode } from "./dynamic/rollout-api";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface TalosNodeMembershipArgs {
  readonly node: RolloutNode;
  readonly controlPlanes: readonly RolloutNode[];
  readonly talosVersion: string;
  /** Without the leading "v". */
  readonly kubernetesVersion: string;
  readonly talosconfig: pulumi.Input<string>;
  readonly kubeconfig: pulumi.Input<string>;
  /** Bound on the health gate (default 900). */
  readonly timeoutSeconds?: number;
  /** Bound on cordon + drain at removal (default 300). */
  readonly drainTimeoutSeconds?: number;
  readonly pollSeconds?: number;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "node-membership-provider"), "nodeMembershipProvider");

/**
 * A node's place in the cluster. Update (after the node's config apply on a version change) is its health gate:
 * Talos version, kubelet version, Ready, etcd healthy. Delete (the node left the stack) cordons and drains it, makes
 * a control plane leave etcd and resets it gracefully; it depends on the node's VM, so Pulumi deletes it first.
 */
export class TalosNodeMembership extends pulumi.dynamic.Resource {
  constructor(name: string, args: TalosNodeMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, controlPlanes: [...args.controlPlanes], talosconfig: pulumi.secret(args.talosconfig), kubeconfig: pulumi.secret(args.kubeconfig) },
      // Delete reads the credentials from the state: keep them secret there too.
      { ...opts, additionalSecretOutputs: ["talosconfig", "kubeconfig"] },
      "talos-homelab",
      "TalosNodeMembership",
    );
  }
}
