import type { EncryptionRules, StoreFormat } from "../sops/index";

/** One file of the GitOps output tree, in plaintext, before encryption. */
export interface Artefact {
  /** Relative to the tree root, `/`-separated. */
  readonly path: string;
  /** What the file is, for progress lines (never its content). */
  readonly description: string;
  readonly content: string;
  /** Written only when absent: the file is the user's once it exists (e.g. `.pre-commit-config.yaml`). */
  readonly keepExisting?: boolean;
  readonly format: StoreFormat;
  /** How sops encrypts it; `undefined` for files committed in plaintext (they hold no secret). */
  readonly encryption?: EncryptionRules;
  /** Who can decrypt it (kubernetes/recipients-by-need.ts); absent: every recipient of the tree. */
  readonly recipients?: readonly string[];
  /**
   * `content` is one cluster's marked block of `.sops.yaml` creation rules, spliced into the file on disk
   * (gitops/sops-config-file.ts); `probes` are the cluster's encrypted paths no rule above the block may match.
   */
  readonly sopsRulesBlock?: { readonly probes: readonly string[] };
}

export type WriteStatus = "created" | "updated" | "unchanged";

export interface WrittenArtefact {
  readonly path: string;
  readonly description: string;
  readonly encrypted: boolean;
  readonly status: WriteStatus;
}
