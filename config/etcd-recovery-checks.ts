import type { ConfigIssue } from "./config-error";
import type { StackConfigShape } from "./schema";

/** Extensions sops reads as a document store: a snapshot file must have none of them to be read as bytes. */
const DOCUMENT_EXTENSION = /\.(ya?ml|json|env|ini)$/i;

/**
 * The shape of `etcdRecoverFrom` (the file itself is checked before anything is created: exists, decrypts, hash).
 * A snapshot only makes sense with the machine secrets it was taken under, so recovering without
 * `secretsImportFrom` is worth a warning (Pulumi state may still hold them).
 */
export function checkEtcdRecovery(config: StackConfigShape, issues: ConfigIssue[], warnings: string[]): void {
  const from = config.etcdRecoverFrom;
  if (from === undefined) return;
  if (DOCUMENT_EXTENSION.test(from)) {
    issues.push({
      path: "etcdRecoverFrom",
      value: from,
      problem: "names a YAML/JSON/dotenv/INI file, not an etcd snapshot",
      fix: "give a snapshot written by `talos-homelab etcd snapshot` (…/<cluster>-etcd-<time>.snapshot.sops)",
    });
  }
  if (config.secretsImportFrom === undefined) {
    warnings.push(
      `etcdRecoverFrom is set without secretsImportFrom: the snapshot is only usable with the machine secrets it was taken under ` +
        `(its Secrets are encrypted with them). Unless Pulumi state still holds this cluster's secrets, set secretsImportFrom to talos/${config.clusterName}/secrets.sops.yaml.`,
    );
  }
}
