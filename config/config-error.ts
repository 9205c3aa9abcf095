import { redactKeyMaterial } from "../sops/index";

/** One problem in the stack configuration: where, what value, what is wrong and how to fix it. */
export interface ConfigIssue {
  readonly path: string;
  readonly value?: unknown;
  readonly problem: string;
  readonly fix: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const value = issue.value === undefined ? "" : ` = ${JSON.stringify(issue.value)}`;
  return redactKeyMaterial(`${issue.path}${value}: ${issue.problem}. Fix: ${issue.fix}`);
}

/** Thrown before any resource is created; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `invalid talos-homelab configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${formatIssue(i)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}
