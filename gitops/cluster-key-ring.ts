/**
 * `pulumi up`'s view of a rotation in progress: the previous cluster identities in the tree's `sops-age` Secret (the one
 * `talos-homelab rotate` wrote into outputDir) that the tree still needs. Decrypted with the current identity only.
 */
import { SOPS_AGE_SECRET_KEY, parseClusterKeyRing } from "../kubernetes";
import { decryptTreeFile, secretValue } from "./existing-tree";
import { previousIdentitiesStillNeeded, type OverlapDecision, type OverlapOptions } from "./rotate-overlap";
import { treePaths } from "./tree-layout";

/** No overlap: nothing to keep. */
const NONE: OverlapDecision = { keep: [], dropped: 0, reasons: [] };

/**
 * The previous identities the `sops-age` Secret keeps, read from `outputDir`; none when the tree has no sops-age
 * Secret the current identity can read (then the tree resource reports the unreadable file itself).
 */
export async function overlapFromTree(outputDir: string | undefined, cluster: string, identity: string, opts: OverlapOptions = {}): Promise<OverlapDecision> {
  if (outputDir === undefined) return NONE;
  let manifest: string | undefined;
  try {
    manifest = await decryptTreeFile(outputDir, treePaths.sopsAgeSecret(cluster), [identity]);
  } catch {
    return NONE;
  }
  const stored = manifest === undefined ? undefined : secretValue(manifest, SOPS_AGE_SECRET_KEY);
  if (stored === undefined) return NONE;
  const ring = parseClusterKeyRing(stored, treePaths.sopsAgeSecret(cluster));
  const previous = [ring.current, ...ring.previous].filter((i) => i !== identity);
  return previousIdentitiesStillNeeded(outputDir, { current: identity, previous }, opts);
}
