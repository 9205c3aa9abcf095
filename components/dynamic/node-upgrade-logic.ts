import type * as pulumi from "@pulumi/pulumi";
import type { ProgressLog } from "../../talos/api/operations";
import { talosUpgradeProblem } from "../../talos/upgrade-path";
import { optionalNumber, optionalString, requiredString } from "./inputs";
import { type GateClients, type GatePolicy, type GateTarget, waitForGate } from "./node-gate-logic";
import { type RolloutClock, type RolloutNode, RolloutStepError, errorMessage } from "./rollout-api";
import { rolloutNode, rolloutNodes } from "./rollout-inputs";

export const NODE_UPGRADE = "TalosNodeUpgrade";

export interface NodeUpgradeInputs extends GateTarget, GatePolicy {
  /** The Talos version the node must run. */
  readonly talosVersion: string;
  /** The installer image for that version and the schematic (`-secureboot` with SecureBoot). */
  readonly installerImage: string;
  /** Kubernetes version the node's kubelet runs (only passed through; the gate checks it when set). */
  readonly kubernetesVersion?: string;
  readonly talosconfig: string;
  readonly kubeconfig: string;
}

export interface NodeUpgradeOutputs {
  readonly node: RolloutNode;
  readonly talosVersion: string;
  readonly installerImage: string;
  /** When this resource last upgraded the node; absent when the node was installed at this version. */
  readonly upgradedAt?: string;
}

/** Inputs diff never reads: credentials, timeouts and the other control planes decide nothing about this node's image. */
export const NODE_UPGRADE_DIFF_IGNORES = ["talosconfig", "kubeconfig", "timeoutSeconds", "pollSeconds", "controlPlanes", "kubernetesVersion"];

export function nodeUpgradeTarget(raw: Record<string, unknown>): Pick<NodeUpgradeInputs, "node" | "talosVersion" | "installerImage"> {
  return {
    node: rolloutNode(NODE_UPGRADE, raw, "node"),
    talosVersion: requiredString(NODE_UPGRADE, raw, "talosVersion"),
    installerImage: requiredString(NODE_UPGRADE, raw, "installerImage"),
  };
}

export function nodeUpgradeInputs(raw: Record<string, unknown>): NodeUpgradeInputs {
  return {
    ...nodeUpgradeTarget(raw),
    controlPlanes: rolloutNodes(NODE_UPGRADE, raw, "controlPlanes"),
    kubernetesVersion: optionalString(NODE_UPGRADE, raw, "kubernetesVersion"),
    talosconfig: requiredString(NODE_UPGRADE, raw, "talosconfig"),
    kubeconfig: requiredString(NODE_UPGRADE, raw, "kubeconfig"),
    timeoutSeconds: optionalNumber(NODE_UPGRADE, raw, "timeoutSeconds") ?? 1800,
    pollSeconds: optionalNumber(NODE_UPGRADE, raw, "pollSeconds") ?? 10,
  };
}

/** Refuses, during preview, a version change Talos does not support (e.g. a skipped minor), naming the path. */
export function checkNodeUpgrade(olds: Record<string, unknown>, news: Record<string, unknown>): void {
  const from = olds.talosVersion;
  const to = news.talosVersion;
  if (typeof from !== "string" || typeof to !== "string" || from === to) return;
  const problem = talosUpgradeProblem(from, to);
  if (problem !== undefined) throw new Error(`${NODE_UPGRADE}: talosVersion "${to}": ${problem}`);
}

/** A new node is installed at the configured version by its first config apply: nothing to upgrade. */
export function createNodeUpgrade(inputs: NodeUpgradeInputs, log: ProgressLog): { id: string; outs: NodeUpgradeOutputs } {
  log(`node ${inputs.node.name}: installed at ${inputs.talosVersion} (${inputs.installerImage}); later version changes upgrade it`);
  return { id: `${inputs.node.name}-upgrade`, outs: { node: inputs.node, talosVersion: inputs.talosVersion, installerImage: inputs.installerImage } };
}

/** An upgrade when the installer image (version, schematic or SecureBoot flavour) changes; nothing else. */
export function diffNodeUpgrade(olds: NodeUpgradeOutputs, news: ReturnType<typeof nodeUpgradeTarget>): pulumi.dynamic.DiffResult {
  const changes = olds.installerImage !== news.installerImage || olds.talosVersion !== news.talosVersion;
  return { changes, replaces: [], deleteBeforeReplace: false };
}

export interface NodeUpgradeDeps {
  readonly clients: GateClients;
  readonly clock: RolloutClock;
  readonly log: ProgressLog;
}

async function step<T>(inputs: NodeUpgradeInputs, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RolloutStepError) throw err;
    throw new RolloutStepError(NODE_UPGRADE, inputs.node, name, errorMessage(err));
  }
}

/** The running version, or undefined while the node does not answer (the pre-flight gate then waits for it). */
async function runningVersion(inputs: NodeUpgradeInputs, deps: NodeUpgradeDeps): Promise<string | undefined> {
  try {
    return await deps.clients.talos.version(inputs.node.address);
  } catch (err) {
    deps.log(`node ${inputs.node.name}: Version failed (${errorMessage(err)}); waiting for it in the pre-flight check`);
    return undefined;
  }
}

/**
 * After an Upgrade that keeps the version (a new schematic or SecureBoot flavour), the version cannot show that the
 * node rebooted: wait until it stops answering once (bounded), so the gate does not pass before the reboot.
 */
async function waitForReboot(inputs: NodeUpgradeInputs, deps: NodeUpgradeDeps): Promise<void> {
  const deadline = deps.clock.now() + inputs.timeoutSeconds * 1000;
  for (;;) {
    try {
      await deps.clients.talos.version(inputs.node.address);
    } catch {
      deps.log(`node ${inputs.node.name} is rebooting into ${inputs.installerImage}`);
      return;
    }
    if (deps.clock.now() >= deadline) throw new Error(`the node still answered after ${inputs.timeoutSeconds}s: it did not reboot into the new image`);
    await deps.clock.sleep(Math.min(inputs.pollSeconds * 1000, 2000));
  }
}

/**
 * Upgrades one node: pre-flight gate (the cluster is healthy before this node goes down, so two control planes are
 * never down at once), the Upgrade API with the new installer, then the gate until the node reports the new version,
 * etcd has every control plane healthy and the Kubernetes node is Ready. A node already at a new version (a resumed
 * roll-out) skips straight to the gate; a change of image alone (same version) always upgrades, as the version
 * cannot tell whether it happened.
 */
export async function updateNodeUpgrade(
  inputs: NodeUpgradeInputs,
  deps: NodeUpgradeDeps,
  olds?: Partial<Pick<NodeUpgradeOutputs, "talosVersion">>,
): Promise<{ outs: NodeUpgradeOutputs }> {
  const { node } = inputs;
  const target = { node, controlPlanes: inputs.controlPlanes };
  const imageOnly = olds?.talosVersion === inputs.talosVersion;
  let running = await runningVersion(inputs, deps);
  if (running === inputs.talosVersion && !imageOnly) {
    deps.log(`node ${node.name} already runs ${running}: resuming at its health gate`);
  } else {
    await step(inputs, "pre-flight health", () => waitForGate(target, {}, deps.clients, inputs, deps.clock, deps.log));
    running ??= await step(inputs, "version", () => deps.clients.talos.version(node.address));
    const problem = running === inputs.talosVersion ? undefined : talosUpgradeProblem(running, inputs.talosVersion);
    if (problem !== undefined) throw new RolloutStepError(NODE_UPGRADE, node, "upgrade path", problem);
    deps.log(`node ${node.name}: upgrading ${running} -> ${inputs.talosVersion} with ${inputs.installerImage}`);
    await step(inputs, "upgrade", () => deps.clients.talos.upgrade(node.address, inputs.installerImage));
    if (imageOnly) await step(inputs, "reboot", () => waitForReboot(inputs, deps));
  }
  await step(inputs, "health after upgrade", () =>
    waitForGate(target, { talosVersion: inputs.talosVersion }, deps.clients, inputs, deps.clock, deps.log),
  );
  deps.log(`node ${node.name} runs ${inputs.talosVersion} and is healthy`);
  return {
    outs: { node, talosVersion: inputs.talosVersion, installerImage: inputs.installerImage, upgradedAt: new Date(deps.clock.now()).toISOString() },
  };
}
