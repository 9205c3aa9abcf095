/**
 * The overlap window of a cluster identity rotation: the `sops-age` Secret keeps the previous identities until the tree
 * in Git is fully on the new key. A previous identity is still needed while any SOPS file in the tree lists its
 * recipient, or while the tree on disk is not what Flux reads (uncommitted or unpushed). `render` and `pulumi up` ask
 * this on every run, so the first run after the rotated tree is pushed drops the old identity.
 */
import { clusterIdentityRecipient, type ClusterKeyRing } from "../kubernetes";
import { scanSopsFiles } from "./sops-tree-files";
import { treeGitState, unpublishedReason, type TreeGitState } from "./tree-git-state";

export interface OverlapDecision {
  /** Previous identities the `sops-age` Secret must keep. */
  readonly keep: readonly string[];
  /** How many previous identities can be dropped now. */
  readonly dropped: number;
  /** Why identities are kept (file names and Git state; never key material). */
  readonly reasons: readonly string[];
}

export interface OverlapOptions {
  /** The Git state of the tree (default: read with git). */
  readonly gitState?: (root: string) => TreeGitState;
}

/** Which previous identities of `ring` the tree under `root` still needs. */
export async function previousIdentitiesStillNeeded(root: string, ring: ClusterKeyRing, opts: OverlapOptions = {}): Promise<OverlapDecision> {
  if (ring.previous.length === 0) return { keep: [], dropped: 0, reasons: [] };
  const { files, unreadable } = await scanSopsFiles(root);
  if (unreadable.length > 0) {
    const names = unreadable.map((u) => u.path).join(", ");
    return { keep: [...ring.previous], dropped: 0, reasons: [`${names} hold(s) sops values but cannot be read, so whether they need the previous identity is unknown: fix or remove them`] };
  }
  const keep: string[] = [];
  const reasons: string[] = [];
  for (const [i, identity] of ring.previous.entries()) {
    const recipient = await clusterIdentityRecipient(identity, `previous cluster identity ${i + 1}`);
    const readers = files.filter((f) => f.recipients.includes(recipient)).map((f) => f.path);
    if (readers.length === 0) continue;
    keep.push(identity);
    reasons.push(`${readers.length} file(s) are still encrypted to the previous cluster recipient ${recipient} (${readers.slice(0, 3).join(", ")}${readers.length > 3 ? ", …" : ""}): run \`talos-homelab rotate --apply\``);
  }
  if (keep.length < ring.previous.length) {
    const unpublished = unpublishedReason((opts.gitState ?? treeGitState)(root), root);
    if (unpublished !== undefined) return { keep: [...ring.previous], dropped: 0, reasons: [...reasons, unpublished] };
  }
  return { keep, dropped: ring.previous.length - keep.length, reasons };
}
