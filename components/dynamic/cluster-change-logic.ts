/**
 * TalosClusterChange: the cluster's versions and node set as the stack last applied them. Its check sees the
 * previous values (olds) next to the new ones during preview, so a change Talos, Kubernetes or etcd cannot take
 * is refused before anything changes: a skipped Talos minor, a Kubernetes jump of more than one minor, removing
 * control planes past etcd's quorum or removing every control plane.
 */
import type * as pulumi from "@pulumi/pulumi";
import { kubernetesUpgradeProblem, talosUpgradeProblem } from "../../talos/upgrade-path";
import { requiredString, stringList } from "./inputs";

export const CLUSTER_CHANGE = "TalosClusterChange";

export interface ClusterChangeInputs {
  readonly talosVersion: string;
  /** Without the leading "v". */
  readonly kubernetesVersion: string;
  readonly installerImage: string;
  /** Node names. */
  readonly controlPlanes: readonly string[];
  readonly workers: readonly string[];
}

export function clusterChangeInputs(raw: Record<string, unknown>): ClusterChangeInputs {
  return {
    talosVersion: requiredString(CLUSTER_CHANGE, raw, "talosVersion"),
    kubernetesVersion: requiredString(CLUSTER_CHANGE, raw, "kubernetesVersion"),
    installerImage: requiredString(CLUSTER_CHANGE, raw, "installerImage"),
    controlPlanes: stringList(CLUSTER_CHANGE, raw, "controlPlanes"),
    workers: stringList(CLUSTER_CHANGE, raw, "workers"),
  };
}

const quorumOf = (members: number) => Math.floor(members / 2) + 1;

/** Why removing control planes from `olds` to `news` is refused, or undefined. */
export function controlPlaneRemovalProblem(olds: readonly string[], news: readonly string[]): string | undefined {
  if (news.length === 0) {
    return `removes every control plane (${olds.join(", ")}): the cluster would have no etcd and no API server. Keep at least one control plane`;
  }
  const removed = olds.filter((name) => !news.includes(name));
  const kept = olds.filter((name) => news.includes(name));
  const quorum = quorumOf(olds.length);
  if (removed.length > 1 && kept.length < quorum) {
    return (
      `removes ${removed.length} of ${olds.length} control planes (${removed.join(", ")}) at once, leaving ${kept.length} of etcd's ` +
      `${olds.length} members, below its quorum of ${quorum}. Remove control planes one at a time (one pulumi up each)`
    );
  }
  return undefined;
}

/** Every refusal for the change from `olds` (the last applied inputs) to `news`; empty when none. */
export function clusterChangeProblems(olds: Partial<Record<string, unknown>>, news: ClusterChangeInputs): string[] {
  const problems: string[] = [];
  const oldTalos = olds.talosVersion;
  if (typeof oldTalos === "string" && oldTalos !== news.talosVersion) {
    const problem = talosUpgradeProblem(oldTalos, news.talosVersion);
    if (problem !== undefined) problems.push(`talosVersion "${news.talosVersion}": ${problem}`);
  }
  const oldKube = olds.kubernetesVersion;
  if (typeof oldKube === "string" && oldKube !== news.kubernetesVersion) {
    const problem = kubernetesUpgradeProblem(oldKube, news.kubernetesVersion);
    if (problem !== undefined) problems.push(`kubernetesVersion "${news.kubernetesVersion}" ${problem}`);
  }
  const oldControlPlanes = olds.controlPlanes;
  if (Array.isArray(oldControlPlanes) && oldControlPlanes.length > 0) {
    const problem = controlPlaneRemovalProblem(oldControlPlanes as string[], news.controlPlanes);
    if (problem !== undefined) problems.push(`nodes: the change ${problem}`);
  }
  return problems;
}

/** Throws one error listing every refusal (field, value, the path to take). */
export function checkClusterChange(olds: Record<string, unknown>, news: Record<string, unknown>): void {
  const problems = clusterChangeProblems(olds, clusterChangeInputs(news));
  if (problems.length > 0) {
    throw new Error(`${CLUSTER_CHANGE}: this change is refused before anything is touched:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function diffClusterChange(olds: ClusterChangeInputs, news: ClusterChangeInputs): pulumi.dynamic.DiffResult {
  return { changes: JSON.stringify(olds) !== JSON.stringify(news), replaces: [], deleteBeforeReplace: false };
}
