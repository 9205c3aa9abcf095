import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface TalosClusterChangeArgs {
  readonly talosVersion: string;
  /** Without the leading "v". */
  readonly kubernetesVersion: string;
  readonly installerImage: string;
  /** Node names by role. */
  readonly controlPlanes: readonly string[];
  readonly workers: readonly string[];
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "cluster-change-provider"), "clusterChangeProvider");

/**
 * The cluster's versions and node set as last applied. Its check compares them with the new ones during preview and
 * refuses a skipped Talos minor, a Kubernetes jump of more than one minor, or a node change that would break etcd's
 * quorum or leave no control plane, before anything changes. Every node's roll-out depends on it.
 */
export class TalosClusterChange extends pulumi.dynamic.Resource {
  declare readonly talosVersion: pulumi.Output<string>;
  declare readonly kubernetesVersion: pulumi.Output<string>;

  constructor(name: string, args: TalosClusterChangeArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, controlPlanes: [...args.controlPlanes], workers: [...args.workers] }, opts, "talos-homelab", "TalosClusterChange");
  }
}
