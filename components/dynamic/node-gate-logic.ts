import type { ProgressLog } from "../../talos/api/operations";
import { type RolloutClock, type RolloutKube, type RolloutNode, type RolloutTalos, errorMessage } from "./rollout-api";

/** What a node must show before the roll-out moves on. */
export interface GateExpectation {
  /** The Talos version tag the node must report. */
  readonly talosVersion?: string;
  /** The kubelet version the Kubernetes node must report, without the leading "v". */
  readonly kubernetesVersion?: string;
}

export interface GateTarget {
  readonly node: RolloutNode;
  /** Every control plane of the cluster: etcd must have each as a healthy member. */
  readonly controlPlanes: readonly RolloutNode[];
}

export interface GateClients {
  readonly talos: RolloutTalos;
  readonly kube: RolloutKube;
}

async function versionFailures(target: GateTarget, expect: GateExpectation, talos: RolloutTalos): Promise<string[]> {
  if (expect.talosVersion === undefined) return [];
  try {
    const running = await talos.version(target.node.address);
    return running === expect.talosVersion ? [] : [`Talos on ${target.node.name} reports ${running}, not ${expect.talosVersion} yet`];
  } catch (err) {
    return [`Talos on ${target.node.name}: Version failed: ${errorMessage(err)}`];
  }
}

/**
 * etcd seen from each control plane: every control plane is a member, and etcd reports no error for its own
 * member. A member no control plane names any more (one being removed) is not a failure: it leaves when its
 * TalosNodeMembership is deleted, which Pulumi does after every update.
 */
export async function etcdFailures(controlPlanes: readonly RolloutNode[], talos: RolloutTalos): Promise<string[]> {
  const failures: string[] = [];
  for (const cp of controlPlanes) {
    try {
      const members = (await talos.etcdMembers(cp.address)).map((m) => m.hostname);
      const missing = controlPlanes.filter((c) => !members.includes(c.name)).map((c) => c.name);
      if (missing.length > 0) failures.push(`etcd on ${cp.name}: members [${members.join(", ")}] lack [${missing.join(", ")}]`);
      const errors = await talos.etcdErrors(cp.address);
      if (errors.length > 0) failures.push(`etcd on ${cp.name} is unhealthy: ${errors.join("; ")}`);
    } catch (err) {
      failures.push(`etcd on ${cp.name}: ${errorMessage(err)}`);
    }
  }
  return failures;
}

async function kubeFailures(target: GateTarget, expect: GateExpectation, kube: RolloutKube): Promise<string[]> {
  const name = target.node.name;
  try {
    const node = await kube.node(name);
    if (node === undefined) return [`kubernetes node ${name} is not registered`];
    const failures = node.ready ? [] : [`kubernetes node ${name} is not Ready (${node.detail || "no reason given"})`];
    const kubelet = expect.kubernetesVersion === undefined ? undefined : `v${expect.kubernetesVersion.replace(/^v/, "")}`;
    if (kubelet !== undefined && node.kubeletVersion !== kubelet) {
      failures.push(`kubernetes node ${name} runs kubelet ${node.kubeletVersion || "(unknown)"}, not ${kubelet} yet`);
    }
    return failures;
  } catch (err) {
    return [`kubernetes node ${name}: ${errorMessage(err)}`];
  }
}

/** Everything that keeps `target.node` from passing its health gate now (empty = healthy). */
export async function gateFailures(target: GateTarget, expect: GateExpectation, clients: GateClients): Promise<string[]> {
  const version = await versionFailures(target, expect, clients.talos);
  // A control plane's health is the cluster's etcd; a worker's does not touch etcd.
  const etcd = target.node.role === "controlplane" ? await etcdFailures(target.controlPlanes, clients.talos) : [];
  const kube = await kubeFailures(target, expect, clients.kube);
  return [...version, ...etcd, ...kube];
}

export interface GatePolicy {
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
}

/**
 * Polls the gate until it passes, logging progress each round; on timeout throws an Error listing every failing
 * check (the caller names the node and step).
 */
export async function waitForGate(
  target: GateTarget,
  expect: GateExpectation,
  clients: GateClients,
  policy: GatePolicy,
  clock: RolloutClock,
  log: ProgressLog,
): Promise<void> {
  const start = clock.now();
  const deadline = start + policy.timeoutSeconds * 1000;
  for (let round = 1; ; round++) {
    const failures = await gateFailures(target, expect, clients);
    const elapsed = Math.round((clock.now() - start) / 1000);
    if (failures.length === 0) {
      log(`node ${target.node.name} healthy after ${elapsed}s`);
      return;
    }
    if (clock.now() >= deadline) {
      throw new Error(`not healthy after ${policy.timeoutSeconds}s; failing checks:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    }
    log(`waiting for node ${target.node.name} (${elapsed}s, round ${round}): ${failures.length} check(s) failing; first: ${failures[0]}`);
    await clock.sleep(Math.min(policy.pollSeconds * 1000, Math.max(0, deadline - clock.now())));
  }
}
