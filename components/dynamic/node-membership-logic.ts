import type * as pulumi from "@pulumi/pulumi";
import type { ProgressLog } from "../../talos/api/operations";
import { optionalNumber, optionalString, requiredString } from "./inputs";
import { type GateClients, type GatePolicy, type GateTarget, waitForGate } from "./node-gate-logic";
import { type RolloutClock, RolloutStepError, errorMessage } from "./rollout-api";
import { rolloutNode, rolloutNodes, sameNode } from "./rollout-inputs";
import { removeNode } from "./node-removal-logic";

export const NODE_MEMBERSHIP = "TalosNodeMembership";

export interface NodeMembershipInputs extends GateTarget, GatePolicy {
  readonly talosVersion: string;
  /** Without the leading "v". */
  readonly kubernetesVersion?: string;
  readonly talosconfig: string;
  readonly kubeconfig: string;
  /** Bound on cordon + drain when the node is removed (default 300). */
  readonly drainTimeoutSeconds: number;
}

/** Everything delete needs: Pulumi hands delete only the last outputs. */
export type NodeMembershipOutputs = NodeMembershipInputs;

/** Credentials and timeouts decide nothing; the other control planes only tell delete where etcd is. */
export const NODE_MEMBERSHIP_DIFF_IGNORES = ["talosconfig", "kubeconfig", "timeoutSeconds", "pollSeconds", "drainTimeoutSeconds", "controlPlanes"];

export function nodeMembershipTarget(raw: Record<string, unknown>): Pick<NodeMembershipInputs, "node" | "talosVersion" | "kubernetesVersion"> {
  return {
    node: rolloutNode(NODE_MEMBERSHIP, raw, "node"),
    talosVersion: requiredString(NODE_MEMBERSHIP, raw, "talosVersion"),
    kubernetesVersion: optionalString(NODE_MEMBERSHIP, raw, "kubernetesVersion"),
  };
}

export function nodeMembershipInputs(raw: Record<string, unknown>): NodeMembershipInputs {
  return {
    ...nodeMembershipTarget(raw),
    controlPlanes: rolloutNodes(NODE_MEMBERSHIP, raw, "controlPlanes"),
    talosconfig: requiredString(NODE_MEMBERSHIP, raw, "talosconfig"),
    kubeconfig: requiredString(NODE_MEMBERSHIP, raw, "kubeconfig"),
    timeoutSeconds: optionalNumber(NODE_MEMBERSHIP, raw, "timeoutSeconds") ?? 900,
    pollSeconds: optionalNumber(NODE_MEMBERSHIP, raw, "pollSeconds") ?? 10,
    drainTimeoutSeconds: optionalNumber(NODE_MEMBERSHIP, raw, "drainTimeoutSeconds") ?? 300,
  };
}

/**
 * A node joining: nothing to do here. A new control plane joins etcd by itself once its config is applied;
 * TalosClusterHealth, whose node list changed, waits until etcd names it.
 */
export function createNodeMembership(inputs: NodeMembershipInputs, log: ProgressLog): { id: string; outs: NodeMembershipOutputs } {
  log(`node ${inputs.node.name} (${inputs.node.role}) is a member of the cluster`);
  return { id: `${inputs.node.name}-membership`, outs: inputs };
}

/** A version change is an update (the node's health gate); so is a changed address or role (recorded only). */
export function diffNodeMembership(olds: NodeMembershipOutputs, news: ReturnType<typeof nodeMembershipTarget>): pulumi.dynamic.DiffResult {
  const changes =
    !sameNode(olds.node, news.node) || olds.talosVersion !== news.talosVersion || (olds.kubernetesVersion ?? "") !== (news.kubernetesVersion ?? "");
  return { changes, replaces: [], deleteBeforeReplace: false };
}

export interface NodeMembershipDeps {
  readonly clients: GateClients;
  readonly clock: RolloutClock;
  readonly log: ProgressLog;
}

/**
 * After the node's config apply (new Kubernetes component images, or the config of a new Talos contract): waits
 * until the node runs the versions, its kubelet reports the Kubernetes version and is Ready, and etcd has every
 * control plane healthy. The next node's roll-out depends on this resource, so this is its gate.
 */
export async function updateNodeMembership(
  inputs: NodeMembershipInputs,
  olds: Partial<NodeMembershipOutputs>,
  deps: NodeMembershipDeps,
): Promise<{ outs: NodeMembershipOutputs }> {
  const k8sChanged = (olds.kubernetesVersion ?? "") !== (inputs.kubernetesVersion ?? "");
  const expect = { talosVersion: inputs.talosVersion, ...(k8sChanged && inputs.kubernetesVersion !== undefined ? { kubernetesVersion: inputs.kubernetesVersion } : {}) };
  deps.log(
    `node ${inputs.node.name}: waiting for Talos ${inputs.talosVersion}` +
      (expect.kubernetesVersion !== undefined ? ` and kubelet v${expect.kubernetesVersion}` : "") +
      ", Ready, etcd healthy",
  );
  try {
    await waitForGate(inputs, expect, deps.clients, inputs, deps.clock, deps.log);
  } catch (err) {
    throw new RolloutStepError(NODE_MEMBERSHIP, inputs.node, "health after config apply", errorMessage(err));
  }
  return { outs: inputs };
}

/** Removal: cordon, drain, etcd leave (control planes), graceful reset, Kubernetes node deleted; then Pulumi deletes the VM. */
export async function deleteNodeMembership(props: NodeMembershipOutputs, deps: NodeMembershipDeps): Promise<void> {
  await removeNode(props, deps);
}
