import * as pulumi from "@pulumi/pulumi";
import type { HomelabConfig, HomelabNode } from "../config";
import { imageFor } from "../gitops/cluster-inputs";
import type { RolloutNode } from "./dynamic/rollout-api";
import { TalosClusterChange } from "./talos-cluster-change";
import { TalosNodeMembership } from "./talos-node-membership";
import { TalosNodeUpgrade } from "./talos-node-upgrade";

/** The order Kubernetes version skew and etcd allow: control planes one at a time, then workers (config order within each). */
export function rolloutOrder(nodes: readonly HomelabNode[]): HomelabNode[] {
  return [...nodes.filter((n) => n.role === "controlplane"), ...nodes.filter((n) => n.role === "worker")];
}

export const rolloutNode = (n: HomelabNode): RolloutNode => ({ name: n.name, address: n.address.address, role: n.role });

export interface RolloutCredentials {
  readonly talosconfig: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
}

/** The cluster-wide guard every node's roll-out depends on (its check refuses unsupported changes in preview). */
export function clusterChange(config: HomelabConfig, parent: pulumi.Resource): TalosClusterChange {
  const names = (role: HomelabNode["role"]) => config.nodes.filter((n) => n.role === role).map((n) => n.name);
  return new TalosClusterChange(
    `${config.clusterName}-cluster-change`,
    {
      talosVersion: config.talosVersion,
      kubernetesVersion: config.kubernetesVersion,
      installerImage: imageFor(config).installerImage,
      controlPlanes: names("controlplane"),
      workers: names("worker"),
    },
    { parent },
  );
}

/** One node's Talos upgrade, before its config apply: it waits for the previous node's gate (`after`). */
export function nodeUpgrade(
  config: HomelabConfig,
  node: HomelabNode,
  credentials: RolloutCredentials,
  opts: { parent: pulumi.Resource; dependsOn: pulumi.Resource[] },
): TalosNodeUpgrade {
  return new TalosNodeUpgrade(
    `${config.clusterName}-${node.name}-upgrade`,
    {
      node: rolloutNode(node),
      controlPlanes: config.nodes.filter((n) => n.role === "controlplane").map(rolloutNode),
      talosVersion: config.talosVersion,
      installerImage: imageFor(config).installerImage,
      kubernetesVersion: config.kubernetesVersion,
      ...credentials,
    },
    opts,
  );
}

/**
 * One node's membership, after its config apply: the health gate of a version change, and removal on delete.
 * `deletedWith` the cluster change: when the whole cluster goes (`pulumi destroy`, a cluster rename), Pulumi skips
 * the per-node removal (draining a cluster that is being torn down would end refusing its last control plane).
 */
export function nodeMembership(
  config: HomelabConfig,
  node: HomelabNode,
  credentials: RolloutCredentials,
  opts: { parent: pulumi.Resource; dependsOn: pulumi.Resource[]; deletedWith: TalosClusterChange },
): TalosNodeMembership {
  return new TalosNodeMembership(
    `${config.clusterName}-${node.name}-membership`,
    {
      node: rolloutNode(node),
      controlPlanes: config.nodes.filter((n) => n.role === "controlplane").map(rolloutNode),
      talosVersion: config.talosVersion,
      kubernetesVersion: config.kubernetesVersion,
      ...credentials,
    },
    opts,
  );
}
