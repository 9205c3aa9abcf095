/**
 * This project's creation rules in the `.sops.yaml` of the GitOps repository, one marked block per cluster (the file is
 * shared: gitops/sops-config-file.ts splices the block in and keeps everything else). Kubernetes manifests under
 * `clusters/<name>/` have only `data`/`stringData` encrypted (Flux must still read `kind` and `metadata`) and go to
 * the operators and the cluster identity; files under `talos/<name>/` are encrypted whole, to the operators only
 * (kubernetes/recipients-by-need.ts), and so are the etcd snapshots `talos-homelab etcd snapshot` writes to
 * `talos/<name>/etcd-snapshots/` (SOPS binary store; gitops/etcd-snapshot-files.ts).
 */
import { stringify } from "yaml";
import { ageRecipientProblem } from "../sops/index";
import { recipientsFor, type TreeRecipients } from "./recipients-by-need";

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

/** The snapshots `talos-homelab etcd snapshot` writes to its default folder (gitops/etcd-snapshot-files.ts). */
export function etcdSnapshotsPathRegex(clusterName: string): string {
  return `^talos/${escapeRegex(clusterName)}/etcd-snapshots/.*\\.snapshot\\.sops$`;
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

function treeRecipients(options: SopsConfigOptions): TreeRecipients {
  sopsRecipients(options);
  return { operators: options.recipients, cluster: options.clusterRecipient };
}

/**
 * The cluster's three rules. Their path regexes are disjoint today; the etcd snapshots' rule, the most specific, still
 * comes before the talos/ rule of the folder that holds it, as sops uses the first rule that matches.
 */
export function sopsConfig(options: SopsConfigOptions): SopsConfig {
  const recipients = treeRecipients(options);
  return {
    creation_rules: [
      {
        path_regex: clustersPathRegex(options.clusterName),
        encrypted_regex: KUBERNETES_ENCRYPTED_REGEX,
        age: recipientsFor("operators-and-cluster", recipients).join(","),
      },
      { path_regex: etcdSnapshotsPathRegex(options.clusterName), age: recipientsFor("operators", recipients).join(",") },
      { path_regex: talosPathRegex(options.clusterName), age: recipientsFor("operators", recipients).join(",") },
    ],
  };
}

/** The marker lines of a cluster's block (cluster names are DNS labels, so they fit a comment as they are). */
export function sopsBlockMarkers(clusterName: string): { begin: string; end: string } {
  return { begin: `# BEGIN talos-homelab cluster ${clusterName}`, end: `# END talos-homelab cluster ${clusterName}` };
}

/** Indentation of the block's `- ` items as rendered (gitops/sops-config-file.ts re-indents it to the file's). */
export const SOPS_BLOCK_INDENT = 2;

/**
 * The cluster's marked block of `creation_rules` items, indented by SOPS_BLOCK_INDENT, ending with a newline. Only
 * this block is rewritten on a render; rules and comments outside it belong to the repository's owner.
 */
export function renderSopsRulesBlock(options: SopsConfigOptions): string {
  const { begin, end } = sopsBlockMarkers(options.clusterName);
  const pad = " ".repeat(SOPS_BLOCK_INDENT);
  const items = stringify(sopsConfig(options).creation_rules, { lineWidth: 0 }).trimEnd().split("\n");
  const lines = [
    begin,
    "# Managed by talos-homelab (render and pulumi up rewrite this block); put your own rules outside it.",
    ...items,
    end,
  ];
  return lines.map((line) => `${pad}${line}`).join("\n") + "\n";
}

/** A whole `.sops.yaml` holding only this cluster's block (what a render writes into a repository without one). */
export function renderSopsConfig(options: SopsConfigOptions): string {
  return `creation_rules:\n${renderSopsRulesBlock(options)}`;
}
