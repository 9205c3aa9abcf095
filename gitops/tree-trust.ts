/**
 * What `render` trusts in an existing tree (issue 16 items 1 and 7). A sops file proves nothing about its author:
 * anyone who can read `.sops.yaml` knows the recipients and can encrypt a forged `sops-age.sops.yaml` or
 * `secrets.sops.yaml` to them. Reuse is therefore anchored to pins in the stack file, which the first render writes:
 * the cluster identity's recipient and a fingerprint of the machine secrets. A tree that disagrees, is not pinned, or
 * lost one of these files while the cluster exists is refused with how to recover (docs/operations.md).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SecretsBundle } from "../talos/types";
import { treePaths } from "./tree-layout";

export interface StackPins {
  readonly clusterAgeRecipient?: string;
  readonly machineSecretsFingerprint?: string;
}

/** Refused reuse (or regeneration) of tree content; nothing has been written when it is thrown. */
export class TreeTrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TreeTrustError";
  }
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== "");
  return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** `sha256:<hex>` over the bundle's fields in a fixed order: identifies the secrets without revealing them. */
export function machineSecretsFingerprint(bundle: SecretsBundle): string {
  return `sha256:${createHash("sha256").update("talos-homelab machine secrets v1\n").update(canonicalJson(bundle)).digest("hex")}`;
}

/** Whether the tree already belongs to a cluster: the stack pins one, or its secrets or machine configs are there. */
export function existingClusterEvidence(outDir: string, cluster: string, nodes: readonly string[], pins: StackPins): string | undefined {
  if (pins.clusterAgeRecipient !== undefined || pins.machineSecretsFingerprint !== undefined) return "the stack file pins this cluster (talos-homelab:clusterAgeRecipient / machineSecretsFingerprint)";
  const configs = nodes.map((n) => treePaths.machineConfig(cluster, n)).filter((p) => existsSync(join(outDir, ...p.split("/"))));
  if (configs.length > 0) return `the tree still holds the machine configs of cluster "${cluster}" (${configs.join(", ")})`;
  if (existsSync(join(outDir, ...treePaths.secrets(cluster).split("/")))) return `the tree still holds ${treePaths.secrets(cluster)}`;
  return undefined;
}

const RESTORE = (path: string): string => `restore it from Git history (git log -- ${path}; git checkout <good commit> -- ${path})`;

export function identityMismatch(source: string, actual: string, pinned: string): TreeTrustError {
  return new TreeTrustError(
    `${source} holds the cluster identity of ${actual}, but the stack pins talos-homelab:clusterAgeRecipient ${pinned}. ` +
      `A tree file can be forged by anyone who can read .sops.yaml, so it is not reused and nothing was written: ${source.includes("/") ? RESTORE(source) : "use the cluster's identity"}. ` +
      "If you replaced the cluster identity on purpose, set talos-homelab:clusterAgeRecipient to the new recipient.",
  );
}

export function secretsMismatch(path: string, actual: string, pinned: string): TreeTrustError {
  return new TreeTrustError(
    `${path} holds machine secrets with fingerprint ${actual}, but the stack pins talos-homelab:machineSecretsFingerprint ${pinned}. ` +
      `A tree file can be forged by anyone who can read .sops.yaml (e.g. to plant another CA in every machine config), so it is not reused and nothing was written: ${RESTORE(path)}.`,
  );
}

export function unpinned(stackFile: string, outDir: string, values: Required<StackPins> | StackPins): TreeTrustError {
  const lines = Object.entries(values).map(([k, v]) => `  talos-homelab:${k}: ${v}`);
  return new TreeTrustError(
    `the existing tree in ${outDir} is not pinned in ${stackFile}: render reuses a tree's cluster identity and machine secrets only when the stack file pins them, ` +
      "because a tree file can be forged by anyone who can read .sops.yaml. Nothing was written. Check that the tree is yours (git log), then add\n" +
      `${lines.join("\n")}\nunder config: in the stack file, or run \`talos-homelab render --adopt-tree\` to pin them.`,
  );
}

export function missingSecrets(path: string, evidence: string): TreeTrustError {
  return new TreeTrustError(
    `${path} is missing, but ${evidence}: render does not mint new machine secrets (a new PKI) silently. Nothing was written. Recover it: ` +
      `${RESTORE(path)}; or rebuild it from a control-plane machine config, which holds the same secrets ` +
      "(talos-homelab sops decrypt talos/<cluster>/<control plane>.sops.yaml > cp.yaml; talosctl gen secrets --from-controlplane-config cp.yaml -o secrets.yaml; " +
      `talos-homelab sops encrypt --filename-override ${path} secrets.yaml > ${path}; then remove the plaintext files); ` +
      "or from Pulumi state (set talos-homelab:secretsImportFrom for `pulumi up`). To start a NEW cluster on purpose, run `talos-homelab render --new-cluster`.",
  );
}

export function missingIdentity(path: string, evidence: string): TreeTrustError {
  return new TreeTrustError(
    `${path} is missing, but ${evidence}: render does not mint a new cluster identity silently (Flux could no longer decrypt the tree). Nothing was written. Recover it: ` +
      `${RESTORE(path)}; or export TALOS_HOMELAB_AGE_IDENTITY with the cluster identity from your backup or Pulumi state. ` +
      "To start a NEW cluster on purpose, run `talos-homelab render --new-cluster`.",
  );
}
