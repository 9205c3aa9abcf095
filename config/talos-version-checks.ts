import { type Contract, kubernetesVersionProblem } from "../talos/contract";
import type { ConfigIssue } from "./config-error";
import type { StackConfigShape } from "./schema";

/**
 * What the chosen Talos release allows: the Kubernetes version must be one that Talos runs
 * (machinery's compatibility table), and an end-of-life Talos minor gets a warning.
 */
export function checkTalosVersionSupport(config: StackConfigShape, contract: Contract, issues: ConfigIssue[], warnings: string[]): void {
  if (config.kubernetesVersion !== undefined) {
    const problem = kubernetesVersionProblem(contract, config.kubernetesVersion);
    if (problem !== undefined) {
      issues.push({
        path: "kubernetesVersion",
        value: config.kubernetesVersion,
        problem,
        fix: `use a Kubernetes version in that range, e.g. ${contract.defaultKubernetesVersion} (the Talos ${contract.talosVersion} default), or remove kubernetesVersion`,
      });
    }
  }
  if (contract.endOfLife !== undefined) warnings.push(`talosVersion ${contract.talosVersion}: ${contract.endOfLife}.`);
}
