import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { ProgressLog } from "../../talos/api/operations";
import { optionalNumber, requiredString } from "./inputs";
import type { KubeNodeStatus, KubeResponse } from "./kube-client";

export const CLUSTER_HEALTH = "TalosClusterHealth";

export interface NodeRef {
  /** Hostname: the etcd member name and the Kubernetes node name. */
  readonly name: string;
  readonly address: string;
}

export interface ClusterHealthInputs {
  readonly controlPlanes: readonly NodeRef[];
  readonly workers: readonly NodeRef[];
  readonly talosconfig: string;
  /** Admin kubeconfig with embedded client certificate data. */
  readonly kubeconfig: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
}

export interface ClusterHealthOutputs {
  readonly controlPlanes: readonly NodeRef[];
  readonly workers: readonly NodeRef[];
  readonly healthyAt: string;
}

function nodeRefs(raw: Record<string, unknown>, field: string): NodeRef[] {
  const value = raw[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${CLUSTER_HEALTH}: "${field}" must be a list of {name, address}`);
  return value.map((item: unknown, i) => {
    const ref = item as Partial<NodeRef> | null;
    if (typeof ref?.name !== "string" || ref.name === "" || typeof ref.address !== "string" || ref.address === "") {
      throw new Error(`${CLUSTER_HEALTH}: ${field}[${i}] must have a non-empty "name" and "address"`);
    }
    return { name: ref.name, address: ref.address };
  });
}

/** The inputs that decide whether to wait again: the nodes. Credentials and timeouts do not. */
export type ClusterHealthTarget = Pick<ClusterHealthInputs, "controlPlanes" | "workers">;

/** Inputs diff never reads: a renewed talosconfig or kubeconfig is not a reason to wait again. */
export const CLUSTER_HEALTH_DIFF_IGNORES = ["talosconfig", "kubeconfig", "timeoutSeconds", "pollSeconds"];

export function clusterHealthTarget(raw: Record<string, unknown>): ClusterHealthTarget {
  const controlPlanes = nodeRefs(raw, "controlPlanes");
  if (controlPlanes.length === 0) throw new Error(`${CLUSTER_HEALTH}: "controlPlanes" needs at least one node`);
  return { controlPlanes, workers: nodeRefs(raw, "workers") };
}

export function clusterHealthInputs(raw: Record<string, unknown>): ClusterHealthInputs {
  return {
    ...clusterHealthTarget(raw),
    talosconfig: requiredString(CLUSTER_HEALTH, raw, "talosconfig"),
    kubeconfig: requiredString(CLUSTER_HEALTH, raw, "kubeconfig"),
    timeoutSeconds: optionalNumber(CLUSTER_HEALTH, raw, "timeoutSeconds") ?? 900,
    pollSeconds: optionalNumber(CLUSTER_HEALTH, raw, "pollSeconds") ?? 10,
  };
}

/** What the health loop observes; real probes call the Talos and Kubernetes APIs. */
export interface HealthProbes {
  etcdMemberNames(controlPlane: NodeRef): Promise<string[]>;
  kubernetesNodes(): Promise<KubeNodeStatus[]>;
  readyz(): Promise<KubeResponse>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const list = (names: readonly string[]) => `[${[...names].sort().join(", ")}]`;

/**
 * etcd as seen by each control plane: its member list must name every control plane. A member that is no control
 * plane any more is not a failure here: a removed control plane leaves etcd when its TalosNodeMembership is
 * deleted, which Pulumi does after this resource's update.
 */
export async function checkEtcd(inputs: ClusterHealthInputs, probes: HealthProbes): Promise<string[]> {
  const expected = inputs.controlPlanes.map((node) => node.name);
  const failures: string[] = [];
  for (const node of inputs.controlPlanes) {
    try {
      const members = await probes.etcdMemberNames(node);
      const missing = expected.filter((name) => !members.includes(name));
      const extra = members.filter((name) => !expected.includes(name));
      if (missing.length > 0) {
        const parts = [missing.length > 0 ? `missing ${list(missing)}` : "", extra.length > 0 ? `unexpected ${list(extra)}` : ""];
        failures.push(
          `etcd on ${node.name} (${node.address}): members ${list(members)} do not match the control planes ${list(expected)} (${parts.filter(Boolean).join("; ")})`,
        );
      }
    } catch (err) {
      failures.push(`etcd on ${node.name} (${node.address}): member list failed: ${message(err)}`);
    }
  }
  return failures;
}

/** Every node of the cluster registered with the Kubernetes API and Ready. */
export async function checkNodesReady(inputs: ClusterHealthInputs, probes: HealthProbes): Promise<string[]> {
  let statuses: KubeNodeStatus[];
  try {
    statuses = await probes.kubernetesNodes();
  } catch (err) {
    return [`kubernetes nodes: listing nodes failed: ${message(err)}`];
  }
  const failures: string[] = [];
  for (const node of [...inputs.controlPlanes, ...inputs.workers]) {
    const status = statuses.find((candidate) => candidate.name === node.name);
    if (status === undefined) failures.push(`kubernetes node ${node.name} (${node.address}): not registered yet`);
    else if (!status.ready) failures.push(`kubernetes node ${node.name} (${node.address}): not Ready (${status.detail || "no reason given"})`);
  }
  return failures;
}

export async function checkReadyz(probes: HealthProbes): Promise<string[]> {
  try {
    const response = await probes.readyz();
    if (response.status === 200) return [];
    return [`kubernetes API /readyz: HTTP ${response.status}: ${response.body.trim().slice(0, 300)}`];
  } catch (err) {
    return [`kubernetes API /readyz: ${message(err)}`];
  }
}

export async function healthFailures(inputs: ClusterHealthInputs, probes: HealthProbes): Promise<string[]> {
  const etcd = await checkEtcd(inputs, probes);
  const nodes = await checkNodesReady(inputs, probes);
  const readyz = await checkReadyz(probes);
  return [...etcd, ...nodes, ...readyz];
}

export interface HealthClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Polls until every check passes; on timeout the error lists each failing check and node. */
export async function waitForClusterHealth(
  inputs: ClusterHealthInputs,
  probes: HealthProbes,
  clock: HealthClock,
  log: ProgressLog,
): Promise<void> {
  const start = clock.now();
  const deadline = start + inputs.timeoutSeconds * 1000;
  for (let round = 1; ; round++) {
    const failures = await healthFailures(inputs, probes);
    const elapsed = Math.round((clock.now() - start) / 1000);
    if (failures.length === 0) {
      log(`cluster healthy after ${elapsed}s: etcd has ${inputs.controlPlanes.length} members, all nodes Ready, /readyz ok`);
      return;
    }
    if (clock.now() >= deadline) {
      throw new Error(
        `${CLUSTER_HEALTH}: the cluster is not healthy after ${inputs.timeoutSeconds}s; failing checks:\n` +
          failures.map((failure) => `  - ${failure}`).join("\n"),
      );
    }
    log(`waiting for the cluster (${elapsed}s, round ${round}): ${failures.length} check(s) failing; first: ${failures[0]}`);
    await clock.sleep(Math.min(inputs.pollSeconds * 1000, Math.max(0, deadline - clock.now())));
  }
}

export async function createClusterHealth(
  inputs: ClusterHealthInputs,
  probes: HealthProbes,
  clock: HealthClock,
  log: ProgressLog,
): Promise<{ id: string; outs: ClusterHealthOutputs }> {
  await waitForClusterHealth(inputs, probes, clock, log);
  return {
    id: randomUUID(),
    outs: { controlPlanes: inputs.controlPlanes, workers: inputs.workers, healthyAt: new Date(clock.now()).toISOString() },
  };
}

const key = (nodes: readonly NodeRef[]) => JSON.stringify(nodes.map((node) => [node.name, node.address]));

/** Waits again only when the set of nodes changes. */
export function diffClusterHealth(olds: ClusterHealthOutputs, news: ClusterHealthTarget): pulumi.dynamic.DiffResult {
  const changed = key(olds.controlPlanes) !== key(news.controlPlanes) || key(olds.workers) !== key(news.workers);
  return { changes: changed, replaces: [], deleteBeforeReplace: false };
}
