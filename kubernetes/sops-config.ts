/**
 * The `.sops.yaml` of the GitOps repository: Kubernetes manifests under `clusters/<name>/` have only their
 * `data`/`stringData` encrypted (Flux must still read `kind` and `metadata`), files under `talos/<name>/` are
 * encrypted whole. Both go to every operator/DR recipient and to the cluster identity's recipient, so Flux can
 * decrypt what this project encrypts.
 */
import { stringify } from "yaml";
import { ageRecipientProblem } from "../sops/index";

export const KUBERNETES_ENCRYPTED_REGEX = "^(data|stringData)$";

export interface SopsConfigOptions {
  readonly clusterName: string;
  /** Operator and disaster-recovery recipients from config. */
  readonly recipients: readonly string[];
  /** The recipient of the cluster identity in `sops-age`. */
  readonly clusterRecipient: string;
}

export interface SopsCreationRule {
  path_regex: string;
  encrypted_regex?: string;
  /** Comma-separated: the form every sops 3.x release reads. */
  age: string;
}

export interface SopsConfig {
  creation_rules: SopsCreationRule[];
}

/** Go RE2 and JS agree on these escapes. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function clustersPathRegex(clusterName: string): string {
  return `^clusters/${escapeRegex(clusterName)}/.*\\.sops\\.ya?ml$`;
}

export function talosPathRegex(clusterName: string): string {
  return `^talos/${escapeRegex(clusterName)}/.*\\.sops\\.ya?ml$`;
}

/** Operator recipients first, then the cluster's; duplicates dropped; each one checked. */
export function sopsRecipients(options: SopsConfigOptions): string[] {
  const all = [...options.recipients, options.clusterRecipient];
  all.forEach((recipient, index) => {
    const problem = ageRecipientProblem(recipient);
    if (problem === undefined) return;
    const field = index < options.recipients.length ? `ageRecipients[${index}]` : "the cluster identity's recipient";
    const shown = recipient.startsWith("AGE-SECRET-KEY-") ? "AGE-SECRET-KEY-…(redacted)" : recipient;
    throw new Error(`${field} = "${shown}": ${problem}`);
  });
  return [...new Set(all)];
}

export function sopsConfig(options: SopsConfigOptions): SopsConfig {
  const age = sopsRecipients(options).join(",");
  return {
    creation_rules: [
      { path_regex: clustersPathRegex(options.clusterName), encrypted_regex: KUBERNETES_ENCRYPTED_REGEX, age },
      { path_regex: talosPathRegex(options.clusterName), age },
    ],
  };
}

export function renderSopsConfig(options: SopsConfigOptions): string {
  return `# Written by talos-homelab; regenerated on every render.\n${stringify(sopsConfig(options), { lineWidth: 0 })}`;
}
