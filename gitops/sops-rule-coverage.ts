/**
 * `check`: a SOPS-encrypted file that no `.sops.yaml` creation rule matches. Its recipients are nobody's decision any
 * more: `sops updatekeys` refuses it, a key rotation driven by the rules passes it by, and a recipient removed from the
 * rules keeps reading it. (Files a rule matches are compared with their rule's recipients in gitops/check.ts.)
 */
import { formatFromPath, storeFor } from "../sops/index";

/** Cheap test before a parse: every sops store writes its version and at least one ENC[…] value or MAC. */
function mayBeSops(text: string): boolean {
  return /sops/.test(text) && /ENC\[AES256_GCM,/.test(text);
}

/** Whether `bytes` is a SOPS-encrypted document in the store its name selects (as sops would read it). */
export function isSopsEncrypted(rel: string, bytes: Buffer): boolean {
  if (!mayBeSops(bytes.toString("latin1"))) return false;
  try {
    storeFor(formatFromPath(rel)).parseEncrypted(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The finding for an encrypted file outside every creation rule, `undefined` when it is not one. */
export function uncoveredSopsFileProblem(rel: string, bytes: Buffer): string | undefined {
  if (!isSopsEncrypted(rel, bytes)) return undefined;
  return (
    "is SOPS-encrypted but no .sops.yaml creation rule matches its path: `sops updatekeys` refuses it and a recipient removed from the rules keeps reading it. " +
    "Add a rule for its path to .sops.yaml (outside the talos-homelab blocks; a rule above a block must not match the cluster's files), " +
    `or move it to clusters/<cluster>/…/<name>.sops.yaml; then run \`sops updatekeys ${rel}\``
  );
}
