/**
 * The snapshot a recovery starts from, checked before anything is created: the file exists, is a SOPS-encrypted
 * snapshot, decrypts with the operator's age identity, and carries a matching etcd hash.
 */
import { promises as fs } from "node:fs";
import { snapshotIntegrityProblem } from "../talos/etcd/snapshot-integrity";
import { decryptSnapshot, snapshotRecipients } from "./etcd-snapshot-cipher";

export interface RecoverySourceOptions {
  /** Names the setting or flag in errors, e.g. `talos-homelab:etcdRecoverFrom` or `--from`. */
  readonly field: string;
  readonly identities?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Accept a snapshot without etcd's hash (a database file copied from /var/lib/etcd). */
  readonly skipHashCheck?: boolean;
}

/** A problem with the recovery snapshot: names the field, the file and the fix. */
export class RecoverySourceError extends Error {
  constructor(field: string, path: string, problem: string) {
    super(`${field} = "${path}": ${problem}`);
    this.name = "RecoverySourceError";
  }
}

async function readSource(path: string, field: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT"
        ? "does not exist: give the path of a snapshot written by `talos-homelab etcd snapshot` (talos/<cluster>/etcd-snapshots/<cluster>-etcd-<time>.snapshot.sops)"
        : code === "EISDIR"
          ? "is a folder: give one snapshot file in it (the newest is the one with the latest timestamp)"
          : `cannot be read (${code ?? (err as Error).message})`;
    throw new RecoverySourceError(field, path, problem);
  }
}

/** Reads, decrypts and checks the snapshot; returns its plaintext bytes (kept in memory only). */
export async function loadRecoverySnapshot(path: string, options: RecoverySourceOptions): Promise<Buffer> {
  const encrypted = await readSource(path, options.field);
  const recipients = snapshotRecipients(encrypted);
  if (recipients.length === 0) {
    throw new RecoverySourceError(options.field, path, "is not a SOPS-encrypted snapshot (no sops metadata with an age recipient): give a file written by `talos-homelab etcd snapshot`");
  }
  let snapshot: Buffer;
  try {
    snapshot = await decryptSnapshot(encrypted, { identities: options.identities, env: options.env });
  } catch (err) {
    throw new RecoverySourceError(
      options.field,
      path,
      `cannot be decrypted (${(err as Error).message.split("\n")[0]}): it is encrypted to ${recipients.join(", ")}; make the identity of one of them available (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or ~/.config/sops/age/keys.txt)`,
    );
  }
  const problem = options.skipHashCheck ? undefined : snapshotIntegrityProblem(snapshot);
  if (problem !== undefined) throw new RecoverySourceError(options.field, path, `decrypts, but ${problem}`);
  return snapshot;
}
